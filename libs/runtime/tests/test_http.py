"""The JSON client every provider adapter shares: retries, waits asked for, failures by kind."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
import respx
from ra_runtime.http import ExternalServiceError, JsonApi, RetryPolicy

URL = "https://api.provider.example/v1/search"


class BoardError(ExternalServiceError):
    pass


class BoardApi(JsonApi):
    error_type = BoardError


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def api(waits: list[float]):
    async def record(seconds: float) -> None:
        waits.append(seconds)

    policy = RetryPolicy(attempts=3, backoff_initial=0.01, backoff_max=0.02, jitter=0, max_retry_after=30, sleep=record)

    async def call() -> object:
        async with httpx.AsyncClient() as client:
            return await BoardApi(client, timeout=5, retry=policy).request("GET", URL)

    return call


async def test_a_service_names_its_own_error(respx_mock: respx.MockRouter, api) -> None:
    respx_mock.get(URL).respond(403, json={"message": "This key is disabled"})

    with pytest.raises(BoardError) as raised:
        await api()

    assert str(raised.value) == "auth: key refused (403): This key is disabled"


async def test_a_credits_code_alone_is_a_spent_quota(respx_mock: respx.MockRouter, api) -> None:
    respx_mock.get(URL).respond(422, json={"msg": "Request cannot be completed", "code": "insufficientCredits"})

    with pytest.raises(BoardError) as raised:
        await api()

    assert (raised.value.kind, raised.value.message) == ("quota", "out of credits (422): Request cannot be completed")


async def test_other_4xx_is_a_bad_response_with_the_providers_words(respx_mock: respx.MockRouter, api) -> None:
    respx_mock.get(URL).respond(422, json={"msg": "limit must be a positive integer", "code": "validation"})

    with pytest.raises(BoardError) as raised:
        await api()

    assert raised.value.kind == "bad_response" and raised.value.message.endswith("limit must be a positive integer")


async def test_a_rate_limit_reset_timestamp_is_waited_for(
    respx_mock: respx.MockRouter, api, waits: list[float]
) -> None:
    reset = int(datetime.now(UTC).timestamp()) + 10
    respx_mock.get(URL).mock(
        side_effect=[
            httpx.Response(429, json={"message": "Too many requests"}, headers={"X-RateLimit-Reset": str(reset)}),
            httpx.Response(200, json={"data": []}),
        ]
    )

    assert await api() == {"data": []}
    assert len(waits) == 1 and 8 <= waits[0] <= 10


async def test_a_wait_longer_than_the_policy_allows_is_not_waited_for(
    respx_mock: respx.MockRouter, api, waits: list[float]
) -> None:
    route = respx_mock.get(URL).respond(429, json={"message": "slow down"}, headers={"Retry-After": "600"})

    with pytest.raises(BoardError) as raised:
        await api()

    assert len(route.calls) == 1 and waits == []
    assert (raised.value.kind, raised.value.message) == ("rate_limited", "rate limited (429), asked to wait 600 s")


async def test_server_errors_are_retried_then_unavailable(
    respx_mock: respx.MockRouter, api, waits: list[float]
) -> None:
    route = respx_mock.get(URL).respond(502, text="Bad Gateway")

    with pytest.raises(BoardError) as raised:
        await api()

    assert len(route.calls) == 3 and waits == [0.01, 0.02]
    assert (raised.value.kind, raised.value.message) == (
        "unavailable",
        "server error (502) after 3 attempts: Bad Gateway",
    )


async def test_dropped_connections_are_retried_then_unavailable(respx_mock: respx.MockRouter, api) -> None:
    route = respx_mock.get(URL).mock(side_effect=httpx.ConnectError("connection refused"))

    with pytest.raises(BoardError) as raised:
        await api()

    assert len(route.calls) == 3 and raised.value.kind == "unavailable"
    assert raised.value.message.startswith("connection failed after 3 attempts")
