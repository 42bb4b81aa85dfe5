"""``POST /settings/test-connection/{provider}``: routed to the owning service, demo providers answered here,
unknown providers 404, viewers refused, owner down 503."""

from __future__ import annotations

from typing import Any

import pytest
from ra_contracts.providers import PROVIDER_OWNERS
from ra_gateway.testing import RunningGateway, bearer
from ra_runtime.testing import FakeOwner

pytestmark = pytest.mark.integration


def _refused_key(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "provider": params["provider"],
        "ok": False,
        "status": "auth",
        "detail": "key refused (401)",
        "latency_ms": 84,
    }


async def test_the_owner_answers_and_demo_unknown_and_roles_are_handled_here(gateway: RunningGateway) -> None:
    validation = FakeOwner(gateway.nc)
    await validation.answer("q.validation.providers.test", _refused_key)
    operator = bearer(await gateway.user_token("operator"))

    tested = await gateway.http.post("/api/v1/settings/test-connection/neverbounce", headers=operator)
    assert tested.status_code == 200, tested.text
    assert tested.json() == {
        "provider": "neverbounce",
        "ok": False,
        "status": "auth",
        "detail": "key refused (401)",
        "latency_ms": 84,
    }
    assert validation.params("q.validation.providers.test") == [{"provider": "neverbounce"}]

    demo = await gateway.http.post("/api/v1/settings/test-connection/mock", headers=operator)
    assert demo.status_code == 200
    assert demo.json() | {"latency_ms": 0} == {
        "provider": "mock",
        "ok": True,
        "status": "ok",
        "detail": "demo provider: no connection needed",
        "latency_ms": 0,
    }

    unknown = await gateway.http.post("/api/v1/settings/test-connection/sendgrid", headers=operator)
    assert unknown.status_code == 404
    assert "unknown provider 'sendgrid'" in unknown.json()["detail"]
    assert all(name in unknown.json()["detail"] for name in [*PROVIDER_OWNERS, "mock", "demo"])

    viewer = bearer(await gateway.user_token("viewer"))
    refused = await gateway.http.post("/api/v1/settings/test-connection/neverbounce", headers=viewer)
    assert refused.status_code == 403
    assert len(validation.params("q.validation.providers.test")) == 1

    # Nobody answers for the AI providers in this test: the warmup service is "down".
    down = await gateway.http.post("/api/v1/settings/test-connection/groq", headers=operator)
    assert down.status_code == 503 and "warmup" in down.json()["detail"]
