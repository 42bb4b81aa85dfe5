"""The AI providers that will write warmup emails (settings section ``ai``): for now, their connection test.

Each is asked its authenticated list-models endpoint, which costs no tokens:

=============  ===============================================================  ==============================
provider       request                                                          key
=============  ===============================================================  ==============================
``groq``       ``GET https://api.groq.com/openai/v1/models``                    ``Authorization: Bearer …``
``openai``     ``GET https://api.openai.com/v1/models``                         ``Authorization: Bearer …``
``anthropic``  ``GET https://api.anthropic.com/v1/models``                      ``x-api-key`` and
                                                                                ``anthropic-version: 2023-06-01``
``gemini``     ``GET https://generativelanguage.googleapis.com/v1beta/models``  ``x-goog-api-key``
=============  ===============================================================  ==============================

Requests go through the runtime's :class:`~ra_runtime.http.JsonApi`, so failures are
:class:`AIProviderError` with its kinds (401/403 ``auth``, 429 ``rate_limited`` or ``quota``, …). Gemini
answers a bad key with 400 ``API_KEY_INVALID``, which is restated as ``auth``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from ra_runtime.http import ExternalServiceError, JsonApi, RetryPolicy, open_client
from ra_runtime.provider_tests import CHECK_RETRY, CHECK_TIMEOUT_SECONDS, Get, ProviderCheck

USER_AGENT = "ra-warmup/0.1 (warmup content for a staffing firm)"
# Gemini's 400 for a bad key: "API key not valid. Please pass a valid API key." (reason API_KEY_INVALID).
_KEY_INVALID = re.compile(r"api[ _]?key[ _](?:not[ _]valid|invalid)", re.IGNORECASE)


class AIProviderError(ExternalServiceError):
    """An AI provider could not answer; ``kind`` as in :mod:`ra_runtime.http`."""


class AIProviderApi(JsonApi):
    error_type = AIProviderError


@dataclass(frozen=True)
class AIProvider:
    name: str
    label: str
    key_setting: str
    models_url: str
    headers: Callable[[str], dict[str, str]]
    #: Where the answer lists the models.
    models_field: str = "data"


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Accept": "application/json"}


AI_PROVIDERS: dict[str, AIProvider] = {
    p.name: p
    for p in (
        AIProvider("groq", "Groq", "groq_api_key", "https://api.groq.com/openai/v1/models", _bearer),
        AIProvider("openai", "OpenAI", "openai_api_key", "https://api.openai.com/v1/models", _bearer),
        AIProvider(
            "anthropic",
            "Anthropic",
            "anthropic_api_key",
            "https://api.anthropic.com/v1/models",
            lambda key: {"x-api-key": key, "anthropic-version": "2023-06-01", "Accept": "application/json"},
        ),
        AIProvider(
            "gemini",
            "Google Gemini",
            "gemini_api_key",
            "https://generativelanguage.googleapis.com/v1beta/models",
            lambda key: {"x-goog-api-key": key, "Accept": "application/json"},
            models_field="models",
        ),
    )
}


async def check_models(
    provider: AIProvider,
    api_key: str | None,
    *,
    timeout_seconds: float = CHECK_TIMEOUT_SECONDS,
    retry: RetryPolicy = CHECK_RETRY,
    client: httpx.AsyncClient | None = None,
) -> str:
    """List the provider's models with the key; ``config`` without a key, before anything is sent."""
    key = (api_key or "").strip()
    if not key:
        raise AIProviderError("config", f"{provider.label} has no API key: set {provider.key_setting} in Settings")
    async with open_client(client, timeout_seconds, user_agent=USER_AGENT) as http:
        api = AIProviderApi(http, timeout=timeout_seconds, retry=retry, headers=provider.headers(key))
        try:
            payload = await api.request("GET", provider.models_url)
        except AIProviderError as exc:
            if exc.kind == "bad_response" and _KEY_INVALID.search(exc.message):
                raise AIProviderError("auth", f"{provider.label} refused the key: {exc.message}") from None
            raise
    models = payload.get(provider.models_field) if isinstance(payload, dict) else None
    if not isinstance(models, list):
        raise AIProviderError("bad_response", f"{provider.label} answered without a '{provider.models_field}' list")
    return f"key accepted by {provider.label} ({len(models)} models listed)"


def _check(provider: AIProvider) -> ProviderCheck:
    async def check(get: Get) -> str:
        return await check_models(provider, get(provider.key_setting))

    return check


#: The warmup service's answers to ``q.warmup.providers.test``.
PROVIDER_CHECKS: dict[str, ProviderCheck] = {name: _check(p) for name, p in AI_PROVIDERS.items()}
