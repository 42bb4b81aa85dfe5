"""Leads through the gateway: runs, CRUD with its events, listing, import, export, roles."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from nats.js.errors import NotFoundError
from ra_runtime.queries import QueryError, ask
from ra_runtime.testing import eventually

from .conftest import Api

pytestmark = pytest.mark.integration


async def finished_run(api: Api, run_id: str) -> dict[str, Any] | None:
    r = await api.http.get(f"/pipelines/runs/{run_id}")
    assert r.status_code == 200, r.text
    run: dict[str, Any] = r.json()
    return run if run["status"] in ("completed", "failed", "cancelled") else None


async def run_demo(api: Api, max_results: int = 200) -> dict[str, Any]:
    r = await api.http.post("/pipelines/lead-sourcing/run", json={"sources": ["demo"], "max_results": max_results})
    assert r.status_code == 202, r.text
    run_id = r.json()["run_id"]
    run: dict[str, Any] = await eventually(lambda: finished_run(api, run_id), timeout=60, what="the run to finish")
    return run


async def lead_events(api: Api, expected: int) -> list[dict[str, Any]]:
    """Every ``lead.*`` event published so far (waits until at least ``expected`` are there)."""
    js = api.gateway.nc.jetstream()

    async def read() -> list[dict[str, Any]] | None:
        try:
            sub = await js.pull_subscribe("lead.>", stream="SOURCING_EVENTS")
        except NotFoundError:
            return None
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

    events: list[dict[str, Any]] = await eventually(read, timeout=20, what=f"{expected} lead events")
    return events


async def all_leads(api: Api, params: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    query = {"page_size": 100, **params}
    while True:
        body = (await api.http.get("/leads", params=query)).json()
        items += body["items"]
        if not body["next_cursor"]:
            return items
        query = {"page_size": 100, "cursor": body["next_cursor"], **params}


def searchable(lead: dict[str, Any]) -> str:
    return " | ".join(lead[f] or "" for f in ("company_name", "job_title", "city")).lower()


LEAD = {
    "company_name": "Acme Manufacturing, Inc.",
    "job_title": "Plant Mgr",
    "city": "Austin",
    "state": "Texas",
    "job_link": "https://jobs.example.com/acme/1",
    "salary_min": 90000,
    "salary_max": 120000,
    "contact_email": "Pat.Lee@Acme.example",
}


async def test_a_run_fills_leads_clients_counts_and_an_xlsx_export(api: Api) -> None:
    run = await run_demo(api, max_results=120)
    assert run["status"] == "completed", run
    counts = run["counts"]
    assert counts["fetched"] == 120 and counts["inserted"] > 0
    assert counts["fetched"] == counts["inserted"] + counts["skipped"]
    demo = run["per_source"]["demo"]
    assert demo["fetched"] == 120 and demo["inserted"] == counts["inserted"] and demo["seconds"] >= 0
    assert sum(demo["skipped_by_reason"].values()) == demo["skipped"] == counts["skipped"]

    leads = (await api.http.get("/leads", params={"run_id": run["run_id"], "page_size": 100})).json()
    assert leads["total"] == counts["inserted"] and leads["total_exact"] is True
    assert all(item["status"] == "NEW" and item["sources"] for item in leads["items"])

    clients = (await api.http.get("/clients", params={"page_size": 100, "sort": "lead_count"})).json()
    assert clients["total"] > 0
    first = clients["items"][0]
    assert first["lead_count"] >= clients["items"][-1]["lead_count"]
    assert first["category"] in ("REGULAR", "OCCASIONAL", "PROSPECT") and first["status"] == "PROSPECT"
    assert sum(c["lead_count"] for c in clients["items"]) <= counts["inserted"]

    # The XLSX export: written after the run commits, into the exports folder, and downloadable.
    async def exported() -> dict[str, Any] | None:
        r = await api.http.get(f"/pipelines/runs/{run['run_id']}")
        return r.json() if r.json().get("export_file") else None

    run = await eventually(exported, what="the run's export")
    assert (api.exports_dir / run["export_file"]).is_file()
    r = await api.http.get(f"/pipelines/runs/{run['run_id']}/export")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxml")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == counts["inserted"] + 1  # header

    # Lost (the bucket expired it, say): asking for it builds it again.
    from ra_runtime.objects import EXPORTS, delete_object

    await delete_object(api.gateway.nc.jetstream(), EXPORTS, run["export_file"])
    again = await api.http.get(f"/pipelines/runs/{run['run_id']}/export")
    assert again.status_code == 200 and len(again.content) > 1000

    # A second run finds the same postings: nothing new, and no export.
    again = await run_demo(api, max_results=120)
    assert again["counts"]["inserted"] == 0 and again["export_file"] is None
    assert (await api.http.get(f"/pipelines/runs/{again['run_id']}/export")).status_code == 404


async def test_lead_crud_with_dedup_transitions_and_events(api: Api) -> None:
    r = await api.http.post("/leads", json=LEAD)
    assert r.status_code == 201, r.text
    lead = r.json()
    lead_id = lead["lead_id"]
    assert lead["state"] == "TX" and lead["job_title"] == "Plant Manager" and lead["origin"] == "manual"
    assert lead["normalized_company"] == "acme manufacturing" and lead["contact_email"] == "pat.lee@acme.example"
    assert lead["quality_score"] == 10 + 3 + 2 + 1

    # The dedup rules of runs: same company/title/state, or the same job link → 409 naming the lead.
    same_role = dict(LEAD, company_name="The ACME Manufacturing LLC", job_link=None)
    r = await api.http.post("/leads", json=same_role)
    assert r.status_code == 409 and r.json()["detail"]["lead_id"] == lead_id
    same_link = dict(LEAD, job_title="Warehouse Manager")
    r = await api.http.post("/leads", json=same_link)
    assert r.status_code == 409 and r.json()["detail"]["lead_id"] == lead_id

    bad = await api.http.post("/leads", json=dict(LEAD, state="Atlantis", job_link="ftp://x"))
    assert bad.status_code == 422
    assert {tuple(e["loc"][-1:]) for e in bad.json()["detail"]} >= {("state",), ("job_link",)}

    r = await api.http.put(f"/leads/{lead_id}", json={"city": "Dallas", "salary_max": None})
    assert r.status_code == 200, r.text
    assert r.json()["city"] == "Dallas" and r.json()["salary_max"] is None
    assert r.json()["quality_score"] == 16  # salary_min still set

    assert (await api.http.put(f"/leads/{lead_id}", json={"company_name": None})).status_code == 422

    r = await api.http.put(f"/leads/{lead_id}/status", json={"status": "CONVERTED"})
    assert r.status_code == 409 and "allowed: ARCHIVED, ENRICHED" in r.json()["detail"]
    r = await api.http.put(f"/leads/{lead_id}/status", json={"status": "ENRICHED"})
    assert r.status_code == 200 and r.json()["status"] == "ENRICHED"

    got = await api.http.get(f"/leads/{lead_id}")
    assert got.status_code == 200 and got.json()["status"] == "ENRICHED"

    assert (await api.http.delete(f"/leads/{lead_id}")).status_code == 204
    assert (await api.http.get(f"/leads/{lead_id}")).status_code == 404
    assert (await api.http.delete(f"/leads/{lead_id}")).status_code == 404

    events = await lead_events(api, 4)
    mine = [e for e in events if e["payload"]["lead_id"] == lead_id]
    assert [e["type"] for e in mine] == ["lead.created", "lead.updated", "lead.status_changed", "lead.deleted"]
    created, updated, moved, _ = (e["payload"] for e in mine)
    assert created["origin"] == "manual" and created["state"] == "TX"
    assert updated["changes"] == {"city": "Dallas", "salary_max": None}
    assert moved["from_status"] == "NEW" and moved["to_status"] == "ENRICHED" and moved["reason"] == "manual"


async def test_listing_filters_sorts_searches_and_pages_stably(api: Api) -> None:
    await run_demo(api, max_results=300)
    everything = (await api.http.get("/leads", params={"page_size": 100})).json()
    total = everything["total"]
    assert total > 100

    # Page numbers and cursors walk the same stable order, with no row twice or missing.
    by_pages: list[str] = []
    page = 1
    while True:
        body = (await api.http.get("/leads", params={"page_size": 25, "page": page, "sort": "state"})).json()
        by_pages += [i["lead_id"] for i in body["items"]]
        if not body["next_cursor"]:
            break
        page += 1
    by_cursor: list[str] = []
    params: dict[str, Any] = {"page_size": 25, "sort": "state"}
    cursors: list[str] = []
    while True:
        body = (await api.http.get("/leads", params=params)).json()
        by_cursor += [i["lead_id"] for i in body["items"]]
        if not body["next_cursor"]:
            break
        cursors.append(body["next_cursor"])
        params = {"page_size": 25, "cursor": body["next_cursor"]}
    assert by_pages == by_cursor and len(set(by_pages)) == total
    # Going back from the third page gives the second.
    third = (await api.http.get("/leads", params={"page_size": 25, "cursor": cursors[1]})).json()
    second = (await api.http.get("/leads", params={"page_size": 25, "cursor": third["prev_cursor"]})).json()
    assert [i["lead_id"] for i in second["items"]] == by_pages[25:50]

    states = [
        i["state"] or ""
        for i in (await api.http.get("/leads", params={"sort": "state", "order": "asc", "page_size": 100})).json()[
            "items"
        ]
    ]
    assert states == sorted(states)

    # Search: every word of the term occurs (anywhere inside a word) in the company, title or city.
    every = await all_leads(api, {})
    some = everything["items"][0]
    company_piece = some["company_name"].split()[0][1:4].lower()
    for term in (company_piece, some["job_title"][-5:].upper(), "an", f"{company_piece} MAN", "zz-not-there"):
        words = re.findall(r"[^\W_]+", term.lower())
        expected = {i["lead_id"] for i in every if all(w in searchable(i) for w in words)}
        found = await all_leads(api, {"search": term})
        assert {i["lead_id"] for i in found} == expected, term
    assert expected == set()

    tx = (await api.http.get("/leads", params={"state": "tx", "status": "NEW", "source": "demo"})).json()
    assert all(i["state"] == "TX" for i in tx["items"])
    today = (await api.http.get("/leads", params={"created_from": "2000-01-01", "created_to": "2000-01-02"})).json()
    assert today["total"] == 0
    # One lead by id (the dashboard's link from a contact to its lead).
    one = (await api.http.get("/leads", params={"lead_id": some["lead_id"]})).json()
    assert [i["lead_id"] for i in one["items"]] == [some["lead_id"]] and one["total"] == 1

    for bad in (
        {"page_size": 30},
        {"sort": "password"},
        {"state": "XX"},
        {"cursor": "not-a-cursor"},
        {"page": 500, "page_size": 100},
        {"lead_id": "not-a-uuid"},
    ):
        r = await api.http.get("/leads", params=bad)
        assert r.status_code in (400, 422), (bad, r.text)


async def test_import_checks_the_whole_file_first(api: Api) -> None:
    header = "Company,Job Title,City,State,Job Link,Salary Min,Email\n"
    good_rows = [
        f"Import Co {n},HR Manager,Austin,TX,https://jobs.example.com/imp/{n},$85k,hr{n}@imp{n}.example\n"
        for n in range(30)
    ]
    duplicate = "Import Co 0 LLC,HR Manager,Austin,Texas,,,\n"
    bad_rows = ["Broken Co,HR Manager,Austin,Texass,,,\n", ",Plant Manager,Reno,NV,,,\n"]

    # A bad file is rejected with row-level errors and changes nothing.
    r = await api.http.post("/leads/import", files={"file": ("leads.csv", header + "".join(good_rows + bad_rows))})
    assert r.status_code == 200, r.text
    rejected = r.json()
    assert rejected["status"] == "rejected" and rejected["invalid"] == 2 and rejected["inserted"] == 0
    assert {e["row"] for e in rejected["errors"]} == {32, 33}
    assert (await api.http.get("/leads", params={"origin": "import"})).json()["total"] == 0

    # A dry run previews a clean file.
    clean = header + "".join([*good_rows, duplicate])
    r = await api.http.post("/leads/import", files={"file": ("leads.csv", clean)}, data={"dry_run": "true"})
    assert r.json()["status"] == "preview" and r.json()["valid"] == 31 and r.json()["preview"]
    assert (await api.http.get("/leads", params={"origin": "import"})).json()["total"] == 0

    r = await api.http.post("/leads/import", files={"file": ("leads.csv", clean)})
    done = r.json()
    assert done["status"] == "imported" and done["inserted"] == 30, done
    assert done["skipped"] == {"duplicate_in_file": 1}
    listed = (await api.http.get("/leads", params={"origin": "import", "page_size": 50})).json()
    assert listed["total"] == 30 and all(i["sources"] == ["import"] for i in listed["items"])

    # Importing it again inserts nothing: every row is a duplicate of a stored lead.
    again = (await api.http.post("/leads/import", files={"file": ("leads.csv", clean)})).json()
    assert again["inserted"] == 0 and again["skipped"]["duplicate_in_db"] == 30

    # XLSX works the same way.
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Company Name", "Title", "State"])
    sheet.append(["Xlsx Foods", "Operations Manager", "OH"])
    data = io.BytesIO()
    book.save(data)
    r = await api.http.post("/leads/import", files={"file": ("leads.xlsx", data.getvalue())})
    assert r.status_code == 200 and r.json()["inserted"] == 1, r.text

    for name, content in (("leads.txt", "x"), ("leads.csv", ""), ("leads.csv", "Name,Age\nx,1\n")):
        r = await api.http.post("/leads/import", files={"file": (name, content)})
        assert r.status_code == 422, (name, r.text)


async def test_import_limits_refuse_big_files_whole(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from ra_gateway.api import leads_routes
    from ra_sourcing import imports
    from ra_sourcing.files import ImportLimits

    header = "Company,Job Title,State\n"
    monkeypatch.setattr(leads_routes, "MAX_IMPORT_BYTES", 200)
    r = await api.http.post("/leads/import", files={"file": ("big.csv", header + "Acme,HR Manager,TX\n" * 20)})
    assert r.status_code == 413 and "larger than" in r.json()["detail"]
    monkeypatch.undo()

    # Too many rows: refused as a file, after the rows before the limit were read: nothing stays.
    real = imports.import_leads
    monkeypatch.setattr(imports, "import_leads", lambda ctx, req, limits=None: real(ctx, req, ImportLimits(max_rows=5)))
    from ra_sourcing import handlers

    monkeypatch.setattr(handlers, "import_leads", imports.import_leads)
    rows = "".join(f"Limit Co {n},HR Manager,TX\n" for n in range(6))
    r = await api.http.post("/leads/import", files={"file": ("rows.csv", header + rows)})
    assert r.status_code == 422 and "5" in r.json()["detail"]["message"], r.text
    assert (await api.http.get("/leads", params={"search": "limit co"})).json()["total"] == 0


async def test_csv_export_is_complete_and_formula_safe(api: Api) -> None:
    r = await api.http.post("/leads", json=dict(LEAD, company_name='=HYPERLINK("http://evil")', job_link=None))
    assert r.status_code == 201, r.text
    await run_demo(api, max_results=2500)
    total = (await api.http.get("/leads")).json()["total"]
    assert total > 1000  # more than one slice of the export

    r = await api.http.get("/leads/export/csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert len(rows) == total
    evil = [row for row in rows if "HYPERLINK" in row["Company"]]
    assert evil and evil[0]["Company"].startswith("'=")

    only_tx = list(
        csv.DictReader(
            io.StringIO((await api.http.get("/leads/export/csv", params={"state": "TX"})).text.lstrip("\ufeff"))
        )
    )
    assert only_tx and all(row["State"] == "TX" for row in only_tx)


async def test_clients_crud(api: Api) -> None:
    r = await api.http.post("/clients", json={"company_name": "Globex Corporation", "industry": "Manufacturing"})
    assert r.status_code == 201, r.text
    client = r.json()
    assert client["normalized_company"] == "globex corporation" and client["status"] == "PROSPECT"
    dup = await api.http.post("/clients", json={"company_name": "GLOBEX CORPORATION"})
    assert dup.status_code == 409 and dup.json()["detail"]["client_id"] == client["client_id"]

    r = await api.http.put(f"/clients/{client['client_id']}", json={"status": "ACTIVE", "notes": "Met at expo"})
    assert r.status_code == 200 and r.json()["status"] == "ACTIVE" and r.json()["notes"] == "Met at expo"
    assert (await api.http.put(f"/clients/{client['client_id']}", json={"status": "GOLD"})).status_code == 422

    # A lead of the company counts in; a client with leads cannot be deleted.
    lead = (await api.http.post("/leads", json=dict(LEAD, company_name="Globex Corporation"))).json()
    got = (await api.http.get(f"/clients/{client['client_id']}")).json()
    assert got["lead_count"] == 1 and got["recent_lead_count"] == 1 and got["category"] == "PROSPECT"
    assert (await api.http.delete(f"/clients/{client['client_id']}")).status_code == 409

    listed = (await api.http.get("/clients", params={"search": "lobe", "status": "ACTIVE"})).json()
    assert [c["client_id"] for c in listed["items"]] == [client["client_id"]]
    assert (await api.http.get("/clients", params={"sort": "nope"})).status_code == 422

    assert (await api.http.delete(f"/leads/{lead['lead_id']}")).status_code == 204
    assert (await api.http.delete(f"/clients/{client['client_id']}")).status_code == 204
    assert (await api.http.get(f"/clients/{client['client_id']}")).status_code == 404


async def test_viewers_read_but_cannot_change(api: Api) -> None:
    viewer = await api.as_role("viewer")
    try:
        assert (await viewer.get("/leads")).status_code == 200
        assert (await viewer.get("/clients")).status_code == 200
        lead_id = uuid.uuid4()
        for method, path, kwargs in (
            ("POST", "/leads", {"json": LEAD}),
            ("PUT", f"/leads/{lead_id}", {"json": {"city": "x"}}),
            ("PUT", f"/leads/{lead_id}/status", {"json": {"status": "ARCHIVED"}}),
            ("DELETE", f"/leads/{lead_id}", {}),
            ("POST", "/leads/import", {"files": {"file": ("a.csv", "Company,Title\nA,B\n")}}),
            ("POST", "/clients", {"json": {"company_name": "A"}}),
            ("DELETE", f"/clients/{lead_id}", {}),
            ("POST", f"/pipelines/runs/{lead_id}/cancel", {}),
        ):
            r = await viewer.request(method, path, **kwargs)
            assert r.status_code == 403, (method, path, r.status_code)
    finally:
        await viewer.aclose()


async def test_cancelling_a_running_run_keeps_nothing(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from ra_sourcing import handlers
    from ra_sourcing.sources.base import FetchResult, SourcingCriteria
    from ra_sourcing.sources.demo import DemoJobSource

    release = asyncio.Event()

    class SlowDemo(DemoJobSource):
        async def fetch(self, criteria: SourcingCriteria) -> FetchResult:
            await release.wait()  # never set: the run hangs until cancelled
            return await super().fetch(criteria)

    monkeypatch.setitem(handlers.SOURCES, "demo", lambda get: SlowDemo())
    r = await api.http.post("/pipelines/lead-sourcing/run", json={"sources": ["demo"]})
    run_id = r.json()["run_id"]

    async def running() -> bool:
        return (await api.http.get(f"/pipelines/runs/{run_id}")).json()["status"] == "running"

    await eventually(running, what="the run to start")
    r = await api.http.post(f"/pipelines/runs/{run_id}/cancel")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelling"
    run = await eventually(lambda: finished_run(api, run_id), timeout=15, what="the run to stop")
    assert run["status"] == "cancelled" and run["cancelled_by"] == "admin@example.com"
    assert (await api.http.get("/leads", params={"run_id": run_id})).json()["total"] == 0
    r = await api.http.post(f"/pipelines/runs/{run_id}/cancel")
    assert r.status_code == 409


async def test_an_unusable_source_is_an_error_on_the_run_not_a_failed_run(api: Api) -> None:
    # JSearch has no key configured: the run says so and still takes the demo postings.
    r = await api.http.post("/pipelines/lead-sourcing/run", json={"sources": ["jsearch", "demo"], "max_results": 50})
    run = await eventually(lambda: finished_run(api, r.json()["run_id"]), timeout=60, what="the run")
    assert run["status"] == "completed" and run["counts"]["errors"] == 1 and run["counts"]["inserted"] > 0
    assert "jsearch_api_key" in run["per_source"]["jsearch"]["error"]
    assert "jsearch" in run["error_message"]

    # Only JSearch, still without a key: nothing could be fetched, so the run failed.
    r = await api.http.post("/pipelines/lead-sourcing/run", json={"sources": ["jsearch"]})
    run = await eventually(lambda: finished_run(api, r.json()["run_id"]), timeout=60, what="the run")
    assert run["status"] == "failed" and run["counts"]["fetched"] == 0


async def test_a_run_cancelled_before_it_starts_never_runs(api: Api) -> None:
    from ra_contracts.envelope import Envelope
    from ra_contracts.events import RunLeadSourcing
    from ra_runtime.queries import ask

    run_id = uuid.uuid4()
    nc = api.gateway.nc
    answer = await ask(nc, "q.sourcing.runs.cancel", {"run_id": str(run_id), "actor": "ops@example.com"})
    assert answer["status"] == "cancelled"
    # The command arrives afterwards (it was queued behind others): it is dropped.
    cmd = RunLeadSourcing(run_id=run_id, requested_by="ops@example.com", sources=["demo"], max_results=20)
    envelope = Envelope.wrap(cmd, producer="test", subject=cmd.subject())
    await nc.jetstream().publish(cmd.subject(), envelope.model_dump_json().encode())

    async def consumed() -> bool:
        info = await nc.jetstream().consumer_info("SOURCING_CMD", "sourcing-run")
        return info.num_pending == 0 and info.num_ack_pending == 0

    await eventually(consumed, what="the command to be consumed")
    run = (await api.http.get(f"/pipelines/runs/{run_id}")).json()
    assert run["status"] == "cancelled" and run["counts"] == {}
    assert (await api.http.get("/leads", params={"run_id": str(run_id)})).json()["total"] == 0


async def test_a_lead_whose_contact_was_reached_becomes_contacted(api: Api) -> None:
    from datetime import UTC, datetime

    from ra_contracts.catalog import STREAMS
    from ra_contracts.envelope import Envelope
    from ra_contracts.events import OutreachSent
    from ra_runtime.messaging import declare_stream

    lead = (await api.http.post("/leads", json=LEAD)).json()
    archived = (await api.http.post("/leads", json=dict(LEAD, job_title="Warehouse Manager", job_link=None))).json()
    assert (await api.http.put(f"/leads/{archived['lead_id']}/status", json={"status": "ARCHIVED"})).status_code == 200
    js = api.gateway.nc.jetstream()
    await declare_stream(js, STREAMS["OUTREACH_EVENTS"])
    for target in (lead, archived):
        sent = OutreachSent(
            outreach_event_id=uuid.uuid4(), contact_id=uuid.uuid4(), lead_id=target["lead_id"],
            email="pat.lee@acme.example", channel="smtp", sent_at=datetime.now(UTC),
        )  # fmt: skip
        await js.publish(
            sent.subject(), Envelope.wrap(sent, producer="test", subject=sent.subject()).model_dump_json().encode()
        )

    async def contacted() -> bool:
        return (await api.http.get(f"/leads/{lead['lead_id']}")).json()["status"] == "CONTACTED"

    await eventually(contacted, what="the reached lead to become CONTACTED")
    # An archived lead stays archived: reaching a contact only moves a lead forward along the pipeline.
    assert (await api.http.get(f"/leads/{archived['lead_id']}")).json()["status"] == "ARCHIVED"
    moved = [e["payload"] for e in await lead_events(api, 3) if e["type"] == "lead.status_changed"]
    assert {
        "lead_id": lead["lead_id"],
        "from_status": "NEW",
        "to_status": "CONTACTED",
        "reason": "contacted",
    }.items() <= next(p for p in moved if p["lead_id"] == lead["lead_id"] and p["to_status"] == "CONTACTED").items()


async def test_lead_stats_count_now_and_per_day(api: Api) -> None:
    ids: list[str] = []
    for company, state in (
        ("Alpha Foods", "Texas"),
        ("Beta Metals", "TX"),
        ("Gamma Tools", "OH"),
        ("Delta Paper", None),
    ):
        body = {"company_name": company, "job_title": "Plant Manager"} | ({"state": state} if state else {})
        r = await api.http.post("/leads", json=body)
        assert r.status_code == 201, r.text
        ids.append(r.json()["lead_id"])
    assert (await api.http.put(f"/leads/{ids[0]}/status", json={"status": "ENRICHED"})).status_code == 200
    today = datetime.now(UTC).date()
    # Two found by runs some days ago (one by two sources, one by none), two added by hand today.
    assert api.sourcing.ctx is not None
    async with api.sourcing.ctx.sessions() as s, s.begin():
        await s.execute(
            sa.text("UPDATE sourcing.leads SET created_at = :at, sources = CAST(:src AS text[]) WHERE lead_id = :id"),
            [
                {"id": uuid.UUID(ids[0]), "at": datetime.combine(today - timedelta(days=2), time(1), UTC),
                 "src": ["demo", "jsearch"]},
                {"id": uuid.UUID(ids[1]), "at": datetime.combine(today - timedelta(days=40), time(1), UTC), "src": []},
            ],
        )  # fmt: skip

    r = await api.http.get("/leads/stats", params={"days": 3})
    assert r.status_code == 200, r.text
    stats = r.json()
    assert stats["total"] == 4
    assert stats["by_status"] == {"ENRICHED": 1, "NEW": 3}
    assert stats["by_state"] == {"TX": 2, "OH": 1, "none": 1}
    assert stats["by_source"] == {"demo": 1, "jsearch": 1, "manual": 2, "none": 1}
    assert stats["trend"] == [
        {"date": (today - timedelta(days=2)).isoformat(), "created": 1},
        {"date": (today - timedelta(days=1)).isoformat(), "created": 0},
        {"date": today.isoformat(), "created": 2},
    ]

    month = (await api.http.get("/leads/stats")).json()  # 30 days by default
    assert len(month["trend"]) == 30 and sum(d["created"] for d in month["trend"]) == 3
    year = (await api.http.get("/leads/stats", params={"days": 365})).json()
    assert len(year["trend"]) == 365 and sum(d["created"] for d in year["trend"]) == 4
    assert year["trend"][0]["date"] == (today - timedelta(days=364)).isoformat()
    for days in (0, 366):
        assert (await api.http.get("/leads/stats", params={"days": days})).status_code == 422
        with pytest.raises(QueryError) as refused:  # the owner checks again
            await ask(api.gateway.nc, "q.sourcing.leads.stats", {"days": days})
        assert refused.value.status == 422
    viewer = await api.as_role("viewer")
    try:
        assert (await viewer.get("/leads/stats")).status_code == 200
    finally:
        await viewer.aclose()
