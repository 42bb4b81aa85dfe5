"""Answering the Settings page's "Test" button (``q.<service>.providers.test``) in the service that owns the
provider: one cheap authenticated call, bounded in time, its failure sorted like any other provider failure.

A service hands :func:`provider_test_handler` a table of checks, one per provider it owns. A check builds
the adapter from the live settings and calls the adapter's own connection check, which goes through the
service's usual :class:`~ra_runtime.http.JsonApi` client, so a refused key, a spent quota or a timeout
arrive as the :class:`~ra_runtime.http.ExternalServiceError` kinds the runs already report. They become
the answer's ``status``:

================  ==================  ===========================================================
error kind        status              why
================  ==================  ===========================================================
``config``        ``not_configured``  no key in Settings; the adapter refuses before sending anything
``auth``          ``auth``            401/403: the key is refused
``quota``         ``rate_limited``    the key works but credits or the plan's quota are spent
``rate_limited``  ``rate_limited``    429
``timeout``       ``timeout``         no answer within :data:`CHECK_TIMEOUT_SECONDS`
``unavailable``   ``unreachable``     5xx, DNS failure, refused or dropped connection
``bad_response``  ``error``           an answer that is not the documented one
================  ==================  ===========================================================

Checks are asked once (:data:`CHECK_RETRY`): someone is waiting on the button, so a 429 or an outage is
reported, not waited out. Every secret setting's value is blanked out of ``detail`` in case a provider
(or an exception) echoes the key.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from ra_contracts.providers import DEMO_PROVIDERS, ProviderTestRequest, ProviderTestResult, ProviderTestStatus
from ra_contracts.settings import SETTINGS
from sqlalchemy.ext.asyncio import AsyncSession

from ra_runtime.http import ExternalServiceError, ExternalServiceErrorKind, RetryPolicy
from ra_runtime.queries import QueryError, QueryHandler

log = logging.getLogger(__name__)

#: Each request of a check gives up after this long.
CHECK_TIMEOUT_SECONDS = 10.0
#: The whole check (a few requests at most) gives up after this long.
CHECK_DEADLINE_SECONDS = 15.0
#: One attempt: a 429 or an outage is reported to the person waiting, not retried.
CHECK_RETRY = RetryPolicy(attempts=1)

STATUS_BY_KIND: dict[ExternalServiceErrorKind, ProviderTestStatus] = {
    "config": "not_configured",
    "auth": "auth",
    "quota": "rate_limited",
    "rate_limited": "rate_limited",
    "timeout": "timeout",
    "unavailable": "unreachable",
    "bad_response": "error",
}

Get = Callable[[str], Any]
#: Builds the provider's adapter from the settings and checks it; returns what it learnt, for people
#: ("key accepted; 1,200 credits left"), or raises :class:`ExternalServiceError`.
ProviderCheck = Callable[[Get], Awaitable[str]]


async def run_provider_check(
    provider: str,
    check: Callable[[], Awaitable[str]],
    *,
    secrets: Iterable[str] = (),
    deadline: float = CHECK_DEADLINE_SECONDS,
) -> ProviderTestResult:
    """Run one check and describe its outcome; never raises."""
    started = time.perf_counter()
    status: ProviderTestStatus
    try:
        async with asyncio.timeout(deadline):
            detail = await check()
        status = "ok"
    except ExternalServiceError as exc:
        status, detail = STATUS_BY_KIND[exc.kind], exc.message
    except TimeoutError:
        status, detail = "timeout", f"no answer within {deadline:g} s"
    except Exception as exc:
        log.exception("connection test of %s failed", provider)
        status, detail = "error", f"the test failed: {type(exc).__name__}: {exc}"
    elapsed = round((time.perf_counter() - started) * 1000)
    return ProviderTestResult(
        provider=provider,
        ok=status == "ok",
        status=status,
        detail=redact(detail, secrets),
        latency_ms=max(0, elapsed),
    )


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def secret_values(get: Get) -> list[str]:
    """Every secret setting's current value (what must never appear in a test's detail)."""
    values: list[str] = []
    for spec in SETTINGS.values():
        if not spec.secret:
            continue
        try:
            value = get(spec.key)
        except KeyError:
            continue
        if isinstance(value, str) and value.strip():
            values += [value, value.strip()]
    return values


def provider_test_handler(service: str, get: Get, checks: Mapping[str, ProviderCheck]) -> QueryHandler:
    """The ``q.<service>.providers.test`` query: ``{"provider"}`` in, a :class:`ProviderTestResult` out."""

    async def test_provider(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        provider = ProviderTestRequest.model_validate(params).provider
        if provider in DEMO_PROVIDERS:
            return ProviderTestResult.demo(provider).model_dump()
        check = checks.get(provider)
        if check is None:
            raise QueryError(404, f"the {service} service tests no provider {provider!r}; it tests {sorted(checks)}")
        result = await run_provider_check(provider, lambda: check(get), secrets=secret_values(get))
        return result.model_dump()

    return test_provider
