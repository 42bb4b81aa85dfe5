"""Contacts through the gateway: found on lead.created, then listed, filtered, counted, added, edited and
deleted by people, each change with its event; a deleted lead takes its contacts (with contact.deleted)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from ra_contracts.catalog import STREAMS
from ra_contracts.envelope import Envelope
from ra_contracts.events import LeadCreated, LeadDeleted, OutreachSent
from ra_runtime.messaging import declare_stream
from ra_runtime.queries import QueryError, ask
from ra_runtime.testing import eventually

from .conftest import Api

pytestmark = pytest.mark.integration


async def publish(api: Api, payload: LeadCreated | LeadDeleted | OutreachSent) -> None:
    envelope = Envelope.wrap(payload, producer="test", subject=payload.subject())
    await api.gateway.nc.jetstream().publish(payload.subject(), envelope.model_dump_json().encode())


async def new_lead(api: Api, company: str) -> uuid.UUID:
    lead_id = uuid.uuid4()
    await publish(
        api,
        LeadCreated(
            lead_id=lead_id, company_name=company, normalized_company=company.lower(), job_title="Plant Manager",
            state="OH", city="Dayton",
        ),
    )  # fmt: skip

    async def enriched() -> bool:
        r = await api.http.get("/contacts", params={"lead_id": str(lead_id)})
        return r.status_code == 200 and r.json()["total"] > 0

    await eventually(enriched, what="the lead's contacts")
    return lead_id


async def enrichment_events(api: Api, expected: int) -> list[dict[str, Any]]:
    js = api.gateway.nc.jetstream()

    async def read() -> list[dict[str, Any]] | None:
        sub = await js.pull_subscribe("contact.>", stream="ENRICHMENT_EVENTS")
        out: list[dict[str, Any]] = []
        try:
            while True:
                try:
                    msgs = await sub.fetch(500, timeout=0.5)
                except TimeoutError:
                    break
                out.extend(json.loads(m.data) for m in msgs)
        finally:
            await sub.unsubscribe()
        return out if len(out) >= expected else None

    events: list[dict[str, Any]] = await eventually(read, timeout=20, what=f"{expected} contact events")
    return events


async def test_contacts_list_filter_sort_and_stats(api: Api) -> None:
    first = await new_lead(api, "Summit Foods")
    await new_lead(api, "Keystone Plastics")
    everything = (await api.http.get("/contacts", params={"page_size": 100})).json()
    assert everything["total"] >= 2
    priorities = [c["priority"] or "P9" for c in everything["items"]]
    assert priorities == sorted(priorities)  # best first by default

    mine = (await api.http.get("/contacts", params={"lead_id": str(first)})).json()
    assert {c["lead_id"] for c in mine["items"]} == {str(first)} and 1 <= mine["total"] <= 4
    p1 = (await api.http.get("/contacts", params={"priority": "P1"})).json()
    assert all(c["priority"] == "P1" for c in p1["items"])
    unvalidated = (await api.http.get("/contacts", params={"validation_status": "none"})).json()
    assert unvalidated["total"] == everything["total"]
    some = mine["items"][0]
    found = (await api.http.get("/contacts", params={"search": some["email"][2:8]})).json()
    assert some["contact_id"] in [c["contact_id"] for c in found["items"]]
    by_name = (await api.http.get("/contacts", params={"sort": "last_name", "order": "desc", "page_size": 100})).json()
    names = [c["last_name"] or "" for c in by_name["items"]]
    assert names == sorted(names, reverse=True)

    stats = (await api.http.get("/contacts/stats")).json()
    assert stats["total"] == everything["total"]
    assert sum(stats["by_priority"].values()) == stats["total"] == stats["by_validation_status"]["none"]
    assert stats["by_source"] == {"demo": stats["total"]}
    one = (await api.http.get("/contacts/stats", params={"lead_id": str(first)})).json()
    assert one["total"] == mine["total"]

    for bad in ({"priority": "P7"}, {"sort": "password"}, {"validation_status": "great"}, {"page_size": 7}):
        assert (await api.http.get("/contacts", params=bad)).status_code == 422, bad


async def test_people_add_edit_and_delete_contacts_with_events(api: Api) -> None:
    lead_id = await new_lead(api, "Harbor Logistics")
    before = (await api.http.get("/contacts", params={"lead_id": str(lead_id)})).json()["total"]

    body = {"lead_id": str(lead_id), "first_name": "Dana", "last_name": "Reyes", "email": " Dana.Reyes@Harbor.example ",
            "title": "HR Director", "priority": "P3"}  # fmt: skip
    r = await api.http.post("/contacts", json=body)
    assert r.status_code == 201, r.text
    contact = r.json()
    assert contact["email"] == "dana.reyes@harbor.example" and contact["source"] == "manual"
    assert (await api.http.post("/contacts", json=body)).status_code == 409
    assert (await api.http.post("/contacts", json=body | {"lead_id": str(uuid.uuid4())})).status_code == 404
    assert (await api.http.post("/contacts", json=body | {"email": "not-an-email"})).status_code == 422

    r = await api.http.put(f"/contacts/{contact['contact_id']}", json={"title": "VP of HR", "priority": "P1"})
    assert r.status_code == 200 and r.json()["title"] == "VP of HR" and r.json()["priority"] == "P1"
    assert (await api.http.put(f"/contacts/{contact['contact_id']}", json={"email": None})).status_code == 422
    got = await api.http.get(f"/contacts/{contact['contact_id']}")
    assert got.status_code == 200 and got.json()["priority"] == "P1"

    assert (await api.http.delete(f"/contacts/{contact['contact_id']}")).status_code == 204
    assert (await api.http.get(f"/contacts/{contact['contact_id']}")).status_code == 404
    assert (await api.http.get("/contacts", params={"lead_id": str(lead_id)})).json()["total"] == before

    # The lead is deleted in sourcing: its contacts go, each with contact.deleted.
    await publish(api, LeadDeleted(lead_id=lead_id, deleted_by="ops@example.com"))

    async def gone() -> bool:
        return (await api.http.get("/contacts", params={"lead_id": str(lead_id)})).json()["total"] == 0

    await eventually(gone, what="the deleted lead's contacts to go")
    events = await enrichment_events(api, before + 3 + before)
    mine = [e for e in events if e["payload"]["lead_id"] == str(lead_id)]
    kinds = [e["type"] for e in mine]
    assert kinds.count("contact.created") == before + 1
    assert kinds.count("contact.updated") == 1 and kinds.count("contact.deleted") == before + 1
    updated = next(e for e in mine if e["type"] == "contact.updated")["payload"]
    assert (
        updated["changes"] == {"title": "VP of HR", "priority": "P1"} and updated["updated_by"] == "admin@example.com"
    )


async def test_viewers_read_contacts_but_cannot_change_them(api: Api) -> None:
    viewer = await api.as_role("viewer")
    try:
        assert (await viewer.get("/contacts")).status_code == 200
        assert (await viewer.get("/contacts/stats")).status_code == 200
        some = uuid.uuid4()
        body = {"lead_id": str(some), "email": "a@b.example"}
        assert (await viewer.post("/contacts", json=body)).status_code == 403
        assert (await viewer.put(f"/contacts/{some}", json={"title": "x"})).status_code == 403
        assert (await viewer.delete(f"/contacts/{some}")).status_code == 403
    finally:
        await viewer.aclose()


async def test_a_provider_that_cannot_answer_leaves_the_leads_pending_and_fails_the_run(api: Api) -> None:
    # Apollo chosen, but no key saved: lasting errors are not retried; the leads wait for a run.
    r = await api.http.put("/settings/contact_provider", json={"value": "apollo"})
    assert r.status_code == 200, r.text
    assert api.enrichment.ctx is not None
    settings = api.enrichment.ctx.settings

    async def applied() -> bool:
        return settings.get("contact_provider") == "apollo"

    await eventually(applied, what="enrichment to see the new provider")
    lead_id = uuid.uuid4()
    await publish(
        api,
        LeadCreated(
            lead_id=lead_id, company_name="Pioneer Metals", normalized_company="pioneer metals", job_title="HR"
        ),
    )
    from ra_enrichment.models import LeadRef

    ctx = api.enrichment.ctx
    assert ctx is not None

    async def recorded_pending() -> bool:
        async with ctx.sessions() as s:
            lead = await s.get(LeadRef, lead_id)
            return lead is not None and lead.enrichment_status == "pending"

    await eventually(recorded_pending, what="the lead recorded, pending (auto-enrichment could not run)")
    run = (await api.http.post("/pipelines/contact-enrichment/run", json={})).json()

    async def finished() -> dict[str, Any] | None:
        got = (await api.http.get(f"/pipelines/runs/{run['run_id']}")).json()
        return got if got["status"] in ("completed", "failed") else None

    result = await eventually(finished, what="the enrichment run")
    assert result["status"] == "failed" and result["counts"]["errors"] == 1
    assert "apollo" in result["error_message"] and "apollo_api_key" in result["error_message"]
    assert (await api.http.get("/contacts", params={"lead_id": str(lead_id)})).json()["total"] == 0
    assert await recorded_pending()  # still waiting for a run with a working provider


async def test_contacts_carry_the_job_title_and_their_last_outreach_date(api: Api) -> None:
    lead_id = await new_lead(api, "Lakeside Foods")
    created = [e["payload"] for e in await enrichment_events(api, 1) if e["type"] == "contact.created"]
    assert any(p["lead_id"] == str(lead_id) and p["job_title"] == "Plant Manager" for p in created)
    contact = (await api.http.get("/contacts", params={"lead_id": str(lead_id)})).json()["items"][0]
    assert contact["last_outreach_at"] is None

    await declare_stream(api.gateway.nc.jetstream(), STREAMS["OUTREACH_EVENTS"])
    sent_at = datetime.now(UTC).replace(microsecond=0)
    for when in (sent_at, sent_at - timedelta(days=3)):  # an older event arriving late never moves it back
        await publish(
            api,
            OutreachSent(
                outreach_event_id=uuid.uuid4(), contact_id=contact["contact_id"], lead_id=lead_id,
                email=contact["email"], channel="mailmerge", sent_at=when,
            ),
        )  # fmt: skip

    async def reached() -> str | None:
        got = (await api.http.get(f"/contacts/{contact['contact_id']}")).json()
        return got["last_outreach_at"]

    recorded = await eventually(reached, what="the contact's last outreach date")
    assert datetime.fromisoformat(recorded) == sent_at


async def test_contact_stats_trend_counts_contacts_created_per_day(api: Api) -> None:
    first = await new_lead(api, "Summit Foods")
    second = await new_lead(api, "Keystone Plastics")
    everything = (await api.http.get("/contacts", params={"page_size": 100})).json()
    mine = (await api.http.get("/contacts", params={"lead_id": str(first)})).json()
    theirs = (await api.http.get("/contacts", params={"lead_id": str(second)})).json()
    today = datetime.now(UTC).date()
    # One contact of the first lead was found yesterday, one of the second 40 days ago.
    assert api.enrichment.ctx is not None
    async with api.enrichment.ctx.sessions() as s, s.begin():
        for contact, days_ago in ((mine["items"][0], 1), (theirs["items"][0], 40)):
            await s.execute(
                sa.text("UPDATE enrichment.contacts SET created_at = :at WHERE contact_id = :id"),
                {"id": uuid.UUID(contact["contact_id"]), "at": datetime.combine(today - timedelta(days=days_ago), time(1), UTC)},
            )  # fmt: skip

    r = await api.http.get("/contacts/stats", params={"days": 2})
    assert r.status_code == 200, r.text
    stats = r.json()
    total = everything["total"]
    assert stats["total"] == total and stats["by_source"] == {"demo": total}
    assert sum(stats["by_priority"].values()) == stats["by_validation_status"]["none"] == total
    assert stats["trend"] == [
        {"date": (today - timedelta(days=1)).isoformat(), "created": 1},
        {"date": today.isoformat(), "created": total - 2},
    ]
    # The filters narrow the trend as they narrow the counts.
    one = (await api.http.get("/contacts/stats", params={"lead_id": str(first), "days": 2})).json()
    assert one["total"] == mine["total"] and [d["created"] for d in one["trend"]] == [1, mine["total"] - 1]

    month = (await api.http.get("/contacts/stats")).json()  # 30 days by default
    assert len(month["trend"]) == 30 and sum(d["created"] for d in month["trend"]) == total - 1
    year = (await api.http.get("/contacts/stats", params={"days": 365})).json()
    assert len(year["trend"]) == 365 and sum(d["created"] for d in year["trend"]) == total
    for days in (0, 366):
        assert (await api.http.get("/contacts/stats", params={"days": days})).status_code == 422
        with pytest.raises(QueryError) as refused:  # the owner checks again
            await ask(api.gateway.nc, "q.enrichment.contacts.stats", {"days": days})
        assert refused.value.status == 422
