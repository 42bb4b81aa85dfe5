"""The Settings page's "Test" button for the AI providers: each one's list-models endpoint, answered with
recorded responses, and how its outcome becomes the test's status."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from ra_contracts.providers import ProviderTestResult
from ra_contracts.settings import SETTINGS
from ra_runtime.provider_tests import run_provider_check
from ra_warmup.ai_providers import AI_PROVIDERS, PROVIDER_CHECKS

KEY = "sk-test-0001"

#: Trimmed answers of each list-models endpoint.
MODELS: dict[str, dict[str, Any]] = {
    "groq": {"object": "list", "data": [{"id": "llama-3.3-70b-versatile", "object": "model", "owned_by": "Meta"}]},
    "openai": {
        "object": "list",
        "data": [{"id": "gpt-4o-mini", "object": "model"}, {"id": "gpt-4o", "object": "model"}],
    },
    "anthropic": {
        "data": [{"type": "model", "id": "claude-sonnet-4-20250514", "display_name": "Claude Sonnet 4"}],
        "has_more": False,
        "first_id": "claude-sonnet-4-20250514",
        "last_id": "claude-sonnet-4-20250514",
    },
    "gemini": {"models": [{"name": "models/gemini-2.0-flash", "displayName": "Gemini 2.0 Flash"}]},
}
#: How each provider expects the key.
KEY_HEADERS = {
    "groq": ("Authorization", f"Bearer {KEY}"),
    "openai": ("Authorization", f"Bearer {KEY}"),
    "anthropic": ("x-api-key", KEY),
    "gemini": ("x-goog-api-key", KEY),
}


def settings(**values: Any) -> Callable[[str], Any]:
    return lambda key: values[key] if key in values else SETTINGS[key].default


async def run_check(provider: str, key: str | None = KEY) -> ProviderTestResult:
    get = settings(**{f"{provider}_api_key": key or ""})
    return await run_provider_check(provider, lambda: PROVIDER_CHECKS[provider](get), secrets=[KEY])


@pytest.mark.parametrize("provider", sorted(AI_PROVIDERS))
async def test_a_working_key_lists_the_models(provider: str, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(AI_PROVIDERS[provider].models_url).respond(200, json=MODELS[provider])

    result = await run_check(provider)

    assert (result.ok, result.status) == (True, "ok"), result.detail
    assert "models listed" in result.detail
    header, value = KEY_HEADERS[provider]
    assert route.calls.last.request.headers[header] == value
    if provider == "anthropic":
        assert route.calls.last.request.headers["anthropic-version"] == "2023-06-01"


@pytest.mark.parametrize("provider", sorted(AI_PROVIDERS))
async def test_a_refused_key_is_auth(provider: str, respx_mock: respx.MockRouter) -> None:
    if provider == "gemini":  # Gemini says so with a 400
        answer = httpx.Response(
            400,
            json={
                "error": {
                    "code": 400,
                    "message": "API key not valid. Please pass a valid API key.",
                    "status": "INVALID_ARGUMENT",
                }
            },
        )
    else:
        answer = httpx.Response(401, json={"error": {"message": "Invalid API Key", "type": "invalid_request_error"}})
    respx_mock.get(AI_PROVIDERS[provider].models_url).mock(return_value=answer)
    result = await run_check(provider)
    assert (result.ok, result.status) == (False, "auth"), result.detail


@pytest.mark.parametrize(
    ("provider", "message"),
    [("anthropic", "Number of requests has exceeded your rate limit"), ("openai", "You exceeded your current quota")],
)
async def test_429_is_rate_limited(provider: str, message: str, respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(AI_PROVIDERS[provider].models_url).respond(429, json={"error": {"message": message}})
    result = await run_check(provider)
    assert (result.ok, result.status) == (False, "rate_limited")
    assert route.call_count == 1


async def test_timeout(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(AI_PROVIDERS["groq"].models_url).mock(side_effect=httpx.ConnectTimeout("slow"))
    assert (await run_check("groq")).status == "timeout"


@pytest.mark.parametrize("provider", sorted(AI_PROVIDERS))
async def test_no_key_is_not_configured_without_a_request(provider: str, respx_mock: respx.MockRouter) -> None:
    result = await run_check(provider, key=None)
    assert (result.ok, result.status) == (False, "not_configured")
    assert f"{provider}_api_key" in result.detail
    assert not respx_mock.calls
