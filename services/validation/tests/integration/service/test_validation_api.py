"""Validation through the gateway: contacts arrive from enrichment, each address is checked once and the
result applies to every contact with it, runs take the unchecked ones, results and a check-now route."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from ra_contracts.envelope import Envelope
from ra_contracts.events import ContactCreated, ContactDeleted
from ra_runtime.testing import eventually

from .conftest import Api

pytestmark = pytest.mark.integration


async def publish(api: Api, payload: ContactCreated | ContactDeleted) -> None:
    envelope = Envelope.wrap(payload, producer="test", subject=payload.subject())
    await api.gateway.nc.jetstream().publish(payload.subject(), envelope.model_dump_json().encode())


def contact(email: str, lead_id: uuid.UUID | None = None) -> ContactCreated:
    return ContactCreated(
        contact_id=uuid.uuid4(), lead_id=lead_id or uuid.uuid4(), email=email, source="demo", first_name="Pat"
    )


async def validated_events(api: Api, expected: int) -> list[dict[str, Any]]:
    js = api.gateway.nc.jetstream()

    async def read() -> list[dict[str, Any]] | None:
        sub = await js.pull_subscribe("contact.validated", stream="VALIDATION_EVENTS")
        out: list[dict[str, Any]] = []
        try:
            while True:
                try:
                    msgs = await sub.fetch(500, timeout=0.5)
                except TimeoutError:
                    break
                out.extend(json.loads(m.data)["payload"] for m in msgs)
        finally:
            await sub.unsubscribe()
        return out if len(out) >= expected else None

    events: list[dict[str, Any]] = await eventually(read, timeout=20, what=f"{expected} contact.validated")
    return events


async def test_new_contacts_are_validated_once_per_address(api: Api) -> None:
    shared = "Pat.Lee@Summit.demo.example"
    first, second, other = contact(shared), contact(shared.lower()), contact("ann@keystone.demo.example")
    for c in (first, second, other):
        await publish(api, c)
    events = await validated_events(api, 3)
    by_contact = {e["contact_id"]: e for e in events}
    assert {str(c.contact_id) for c in (first, second, other)} <= set(by_contact)
    a, b = by_contact[str(first.contact_id)], by_contact[str(second.contact_id)]
    assert a["email"] == b["email"] == shared.lower() and a["status"] == b["status"]
    assert a["provider"] == "demo" and a["status"] in ("valid", "invalid", "catch_all", "unknown")

    results = (await api.http.get("/validation/results", params={"page_size": 100})).json()
    emails = [r["email"] for r in results["items"]]
    assert emails.count(shared.lower()) == 1 and "ann@keystone.demo.example" in emails
    assert all(r["raw"] == {"demo": True} or r["raw"].get("demo") for r in results["items"])
    only = (await api.http.get("/validation/results", params={"status": a["status"]})).json()
    assert all(r["status"] == a["status"] for r in only["items"])
    assert (await api.http.get("/validation/results", params={"status": "great"})).status_code == 422


async def test_a_run_takes_the_unchecked_contacts_and_reuses_results(api: Api) -> None:
    r = await api.http.put("/settings/auto_validate_on_contact_created", json={"value": False})
    assert r.status_code == 200
    assert api.validation.ctx is not None
    settings = api.validation.ctx.settings

    async def applied() -> bool:
        return settings.get("auto_validate_on_contact_created") is False

    await eventually(applied, what="auto-validation off")
    batch = [contact(f"person{n}@harbor.demo.example") for n in range(5)] + [contact("person0@harbor.demo.example")]
    for c in batch:
        await publish(api, c)

    async def all_recorded() -> bool:
        info = await api.gateway.nc.jetstream().consumer_info("ENRICHMENT_EVENTS", "validation-contacts")
        return info.num_pending == 0 and info.num_ack_pending == 0

    await eventually(all_recorded, what="validation to record the contacts")
    run = (await api.http.post("/pipelines/email-validation/run", json={})).json()
    assert run["pipeline"] == "email_validation"

    async def finished() -> dict[str, Any] | None:
        got = (await api.http.get(f"/pipelines/runs/{run['run_id']}")).json()
        return got if got["status"] in ("completed", "failed") else None

    done = await eventually(finished, what="the validation run")
    counts = done["counts"]
    assert done["status"] == "completed", done
    assert counts["contacts"] == 6 and counts["addresses"] == 5 and counts["checked"] == 5
    assert sum(counts[s] for s in ("valid", "invalid", "catch_all", "unknown")) == 5
    assert 0 <= counts["bounce_risk_pct"] <= 100

    # Again: nothing left unchecked.
    again = (await api.http.post("/pipelines/email-validation/run", json={})).json()
    second = await eventually(lambda: _finished(api, again["run_id"]), what="the second run")
    assert second["counts"]["contacts"] == 0

    # A new contact with an address checked before: its result is reused, no new check.
    await publish(api, contact("person3@harbor.demo.example"))
    await eventually(all_recorded, what="the new contact")
    third = (await api.http.post("/pipelines/email-validation/run", json={})).json()
    done3 = await eventually(lambda: _finished(api, third["run_id"]), what="the third run")
    assert (done3["counts"]["checked"], done3["counts"]["reused"]) == (0, 1)


async def _finished(api: Api, run_id: str) -> dict[str, Any] | None:
    got = (await api.http.get(f"/pipelines/runs/{run_id}")).json()
    return got if got["status"] in ("completed", "failed") else None


async def test_check_one_address_now_and_roles(api: Api) -> None:
    r = await api.http.post("/validation/check", json={"email": "Someone@Example.com"})
    assert r.status_code == 200, r.text
    verdict = r.json()
    assert verdict["status"] in ("valid", "invalid", "catch_all", "unknown") and verdict["provider"] == "demo"
    viewer = await api.as_role("viewer")
    try:
        assert (await viewer.get("/validation/results")).status_code == 200
        assert (await viewer.post("/validation/check", json={"email": "a@b.example"})).status_code == 403
        assert (await viewer.post("/pipelines/email-validation/run", json={})).status_code == 403
    finally:
        await viewer.aclose()


async def test_the_settings_test_button_reaches_the_validation_service(api: Api) -> None:
    builtin = await api.http.post("/settings/test-connection/builtin")
    assert builtin.status_code == 200, builtin.text
    assert builtin.json()["ok"] is True and "no connection was made" in builtin.json()["detail"]

    no_key = await api.http.post("/settings/test-connection/hunter")
    assert no_key.status_code == 200
    assert no_key.json() | {"latency_ms": 0} == {
        "provider": "hunter",
        "ok": False,
        "status": "not_configured",
        "detail": "Hunter has no API key: set hunter_api_key in Settings",
        "latency_ms": 0,
    }
