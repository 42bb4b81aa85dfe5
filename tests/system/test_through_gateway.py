"""The slice as a user sees it: every service its own process, driven through the gateway's HTTP API."""

from __future__ import annotations

import httpx
import pytest
from ra_gateway.main import definition as gateway
from ra_runtime.testing import eventually, migrate

from .test_guarantees import metric

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ADMIN = {"RA_ADMIN_EMAIL": "admin@example.com", "RA_ADMIN_PASSWORD": "correct horse battery"}


@pytest.fixture
async def api(spawn, migrated):
    await migrate(migrated, gateway())
    gw = spawn("ra_gateway", **ADMIN)
    src = spawn("ra_sourcing")
    enr = spawn("ra_enrichment")
    for p in (gw, src, enr):
        await p.wait_ready()
    for p in (src, enr):  # the gateway created the settings bucket; the services watch it from now on
        await eventually(lambda p=p: settings_live(p.port), what=f"{p.module} watching the settings")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{gw.port}/api/v1", timeout=10) as client:
        r = await client.post(
            "/auth/login", json={"email": ADMIN["RA_ADMIN_EMAIL"], "password": ADMIN["RA_ADMIN_PASSWORD"]}
        )
        assert r.status_code == 200, r.text
        client.headers["authorization"] = f"Bearer {r.json()['access_token']}"
        yield client, src, enr


async def settings_live(port: int) -> bool:
    async with httpx.AsyncClient() as c:
        return (await c.get(f"http://127.0.0.1:{port}/readyz")).json()["checks"]["settings"] == "live"


async def finished_run(client: httpx.AsyncClient, run_id: str) -> dict | None:
    r = await client.get(f"/pipelines/runs/{run_id}")
    assert r.status_code == 200, r.text
    run = r.json()
    return run if run["status"] in ("completed", "failed") else None


async def test_run_lead_sourcing_then_read_enriched_leads_and_their_contacts(api):
    client, sourcing, _ = api
    r = await client.post("/pipelines/lead-sourcing/run", json={"max_results": 150})
    assert r.status_code == 202, r.text
    run_id = r.json()["run_id"]
    run = await eventually(lambda: finished_run(client, run_id), what="the run to finish")
    assert run["status"] == "completed"
    counts = run["counts"]
    assert counts["fetched"] == counts["inserted"] + counts["skipped"] and counts["inserted"] > 0

    async def all_enriched() -> bool:
        r = await client.get("/leads", params={"status": "ENRICHED", "page_size": 10})
        return r.json()["total"] == counts["inserted"]

    await eventually(all_enriched, what="every lead ENRICHED")
    page = (await client.get("/leads", params={"page_size": 10, "sort": "company_name", "order": "asc"})).json()
    assert page["total"] == counts["inserted"] and len(page["items"]) == 10
    lead = page["items"][0]
    assert lead["status"] == "ENRICHED" and lead["contact_email"]
    contacts = (await client.get("/contacts", params={"lead_id": lead["lead_id"]})).json()
    assert 1 <= contacts["total"] <= 4
    assert {c["lead_id"] for c in contacts["items"]} == {lead["lead_id"]}
    assert contacts["items"][0]["email"] == lead["contact_email"]
    detail = await client.get(f"/leads/{lead['lead_id']}")
    assert detail.status_code == 200 and detail.json()["company_name"] == lead["company_name"]

    runs = (await client.get("/pipelines/runs")).json()
    assert run_id in {x["run_id"] for x in runs["items"]}

    # The same run again: dedup holds across runs.
    again = (await client.post("/pipelines/lead-sourcing/run", json={"max_results": 150})).json()["run_id"]
    run2 = await eventually(lambda: finished_run(client, again), what="the second run")
    assert run2["counts"]["inserted"] == 0

    # The owner of leads is down: a clear 503, not a hang.
    sourcing.kill()
    r = await client.get("/leads")
    assert r.status_code == 503 and "sourcing" in r.json()["detail"]


async def test_settings_apply_to_running_services_and_the_enrichment_run_takes_the_waiting_leads(api):
    client, _, enrichment = api
    for key, value in (("auto_enrich_on_lead_created", False), ("max_contacts_per_job", 2)):
        r = await client.put(f"/settings/{key}", json={"value": value})
        assert r.status_code == 200, r.text

    # No restart: the services see the change through the settings bucket. Leads now wait for a run.
    run_id = (await client.post("/pipelines/lead-sourcing/run", json={"max_results": 60})).json()["run_id"]
    run = await eventually(lambda: finished_run(client, run_id), what="the sourcing run")
    inserted = run["counts"]["inserted"]
    assert inserted > 0
    leads = (await client.get("/leads", params={"status": "NEW", "page_size": 100})).json()
    assert leads["total"] == inserted
    assert (await client.get("/contacts")).json()["total"] == 0

    # The run takes the leads enrichment has received; wait until every lead.created has reached it.
    async def received_by_enrichment() -> bool:
        return await metric(enrichment.port, "enrichment-lead-created", "ok") >= inserted

    await eventually(received_by_enrichment, what="enrichment to receive the new leads")
    r = await client.post("/pipelines/contact-enrichment/run", json={})
    assert r.status_code == 202, r.text
    enrichment_run = await eventually(lambda: finished_run(client, r.json()["run_id"]), what="the enrichment run")
    assert enrichment_run["status"] == "completed"
    assert enrichment_run["counts"]["leads"] == enrichment_run["counts"]["enriched"] == inserted

    async def all_enriched() -> bool:
        return (await client.get("/leads", params={"status": "ENRICHED", "page_size": 10})).json()["total"] == inserted

    await eventually(all_enriched, what="every lead ENRICHED")
    lead = leads["items"][0]
    contacts = (await client.get("/contacts", params={"lead_id": lead["lead_id"]})).json()
    assert 1 <= contacts["total"] <= 2  # the new cap, applied without a restart


async def test_a_lead_entered_by_hand_is_enriched_and_its_deletion_reaches_enrichment(api):
    client, _, _ = api
    r = await client.post(
        "/leads",
        json={"company_name": "Hand Made Foods LLC", "job_title": "Plant Manager", "state": "OH", "city": "Dayton"},
    )
    assert r.status_code == 201, r.text
    lead_id = r.json()["lead_id"]

    async def enriched() -> dict | None:
        lead = (await client.get(f"/leads/{lead_id}")).json()
        return lead if lead["status"] == "ENRICHED" else None

    lead = await eventually(enriched, what="the hand-made lead to be enriched")
    contacts = (await client.get("/contacts", params={"lead_id": lead_id})).json()
    assert contacts["total"] == lead["contact_count"] >= 1

    # A rename reaches enrichment's copy; a delete takes the lead's contacts with it.
    assert (await client.put(f"/leads/{lead_id}", json={"city": "Toledo"})).status_code == 200
    assert (await client.delete(f"/leads/{lead_id}")).status_code == 204

    async def contacts_gone() -> bool:
        return (await client.get("/contacts", params={"lead_id": lead_id})).json()["total"] == 0

    await eventually(contacts_gone, what="enrichment to drop the deleted lead's contacts")
