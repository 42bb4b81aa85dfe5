"""``POST /pipelines/outreach/run`` (mode from the setting, the command it publishes) and the downloads of a
mail-merge run (CSV and guide) next to those of lead-sourcing runs."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from nats.js.api import ConsumerConfig
from ra_contracts.catalog import STREAMS
from ra_contracts.envelope import Envelope
from ra_gateway.testing import RunningGateway, bearer
from ra_runtime.messaging import declare_stream
from ra_runtime.objects import EXPORTS, open_bucket
from ra_runtime.queries import QueryError
from ra_runtime.testing import FakeOwner, eventually

pytestmark = pytest.mark.integration

CSV_TEXT = "First Name,Last Name,Email,Title,Company,State,Job Title\r\nPat,Lee,pat@acme.example,CEO,Acme,TX,Welder\r\n"
GUIDE_TEXT = "How to send this mail merge from Outlook or Gmail …\nEvery email must offer a way to unsubscribe.\n"


async def outreach_commands(gateway: RunningGateway) -> Callable[[], Awaitable[list[Envelope]]]:
    js = gateway.nc.jetstream()
    await declare_stream(js, STREAMS["OUTREACH_CMD"])
    sub = await js.pull_subscribe(
        "cmd.outreach.run", durable="test-reader", stream="OUTREACH_CMD", config=ConsumerConfig()
    )

    async def fetch() -> list[Envelope]:
        try:
            return [Envelope.model_validate_json(m.data) for m in await sub.fetch(10, timeout=0.5)]
        except TimeoutError:
            return []

    return fetch


async def test_an_outreach_run_is_commanded_in_the_mode_of_the_setting(gateway: RunningGateway) -> None:
    operator = bearer(await gateway.user_token("operator"))
    admin = bearer(await gateway.token())
    fetch = await outreach_commands(gateway)

    default = await gateway.http.post("/api/v1/pipelines/outreach/run", headers=operator)
    assert default.status_code == 202, default.text
    assert default.json()["pipeline"] == "outreach" and default.json()["status"] == "queued"
    [command] = await eventually(fetch, what="cmd.outreach.run on OUTREACH_CMD")
    assert command.type == "cmd.outreach.run" and command.correlation_id == default.json()["run_id"]
    assert command.payload == {
        "run_id": default.json()["run_id"],
        "requested_by": "operator@example.com",
        "mode": "mailmerge",
        "dry_run": False,
        "limit": None,
        "template_id": None,
    }

    changed = await gateway.http.put("/api/v1/settings/outreach_send_mode", json={"value": "smtp"}, headers=admin)
    assert changed.status_code == 200, changed.text
    template_id = str(uuid.uuid4())
    send = await gateway.http.post(
        "/api/v1/pipelines/outreach/run",
        json={"dry_run": True, "limit": 25, "template_id": template_id},
        headers=operator,
    )
    assert send.status_code == 202, send.text
    [command] = await eventually(fetch, what="the second cmd.outreach.run")
    assert command.payload["mode"] == "send" and command.payload["dry_run"] is True
    assert command.payload["limit"] == 25 and command.payload["template_id"] == template_id

    explicit = await gateway.http.post("/api/v1/pipelines/outreach/run", json={"mode": "mailmerge"}, headers=operator)
    assert explicit.status_code == 202
    [command] = await eventually(fetch, what="the third cmd.outreach.run")
    assert command.payload["mode"] == "mailmerge"

    # Until outreach reports it, the run is shown queued with what was asked for.
    owner = FakeOwner(gateway.nc)

    def unknown_run(_: dict[str, Any]) -> None:
        raise QueryError(404, "run not found")

    await owner.answer("q.outreach.runs.get", unknown_run)
    queued = await gateway.http.get(f"/api/v1/pipelines/runs/{send.json()['run_id']}", headers=operator)
    assert queued.status_code == 200 and queued.json()["status"] == "queued"
    assert queued.json()["pipeline"] == "outreach"


async def test_outreach_run_options_and_roles(gateway: RunningGateway) -> None:
    viewer = bearer(await gateway.user_token("viewer"))
    refused = await gateway.http.post("/api/v1/pipelines/outreach/run", json={"mode": "mailmerge"}, headers=viewer)
    assert refused.status_code == 403
    admin = bearer(await gateway.token())
    for body, field in (
        ({"mode": "smtp"}, "mode"),
        ({"limit": 0}, "limit"),
        ({"limit": 100_001}, "limit"),
        ({"template_id": "default"}, "template_id"),
        ({"dry_run": "perhaps"}, "dry_run"),
        ({"max_results": 5}, "max_results"),
    ):
        response = await gateway.http.post("/api/v1/pipelines/outreach/run", json=body, headers=admin)
        assert response.status_code == 422, body
        assert response.json()["detail"][0]["loc"] == ["body", field]


async def _exports_owner(gateway: RunningGateway, mailmerge_runs: set[str]) -> FakeOwner:
    """Outreach's export query: each file written into the exports bucket, as the real service does."""
    owner = FakeOwner(gateway.nc)
    store = await open_bucket(gateway.nc.jetstream(), EXPORTS)

    async def export(params: dict[str, Any]) -> dict[str, Any]:
        if params["run_id"] not in mailmerge_runs:
            raise QueryError(404, "this run has no mail merge")
        name = f"outreach/{params['run_id']}/" + ("mailmerge.csv" if params["file"] == "csv" else "guide.txt")
        await store.put(name, (CSV_TEXT if params["file"] == "csv" else GUIDE_TEXT).encode())
        return {"run_id": params["run_id"], "export_file": name}

    await owner.answer("q.outreach.exports.get", export)
    return owner


async def test_a_mail_merge_run_is_downloaded_as_csv_and_guide(gateway: RunningGateway) -> None:
    viewer = bearer(await gateway.user_token("viewer"))
    admin = bearer(await gateway.token())
    run_id = (
        await gateway.http.post("/api/v1/pipelines/outreach/run", json={"mode": "mailmerge"}, headers=admin)
    ).json()["run_id"]
    scheduled = str(uuid.uuid4())  # a run not requested through the API: its owner is found by asking
    owner = await _exports_owner(gateway, {run_id, scheduled})

    csv_file = await gateway.http.get(f"/api/v1/pipelines/runs/{run_id}/export", headers=viewer)
    assert csv_file.status_code == 200, csv_file.text
    assert csv_file.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv_file.headers["content-disposition"] == f'attachment; filename="outreach-{run_id}.csv"'
    assert csv_file.text == CSV_TEXT

    guide = await gateway.http.get(f"/api/v1/pipelines/runs/{run_id}/export", params={"file": "guide"}, headers=viewer)
    assert guide.status_code == 200, guide.text
    assert guide.headers["content-type"] == "text/plain; charset=utf-8"
    assert guide.headers["content-disposition"] == f'attachment; filename="outreach-{run_id}-mail-merge-guide.txt"'
    assert guide.text == GUIDE_TEXT
    assert owner.params("q.outreach.exports.get") == [
        {"run_id": run_id, "file": "csv"},
        {"run_id": run_id, "file": "guide"},
    ]

    bad = await gateway.http.get(f"/api/v1/pipelines/runs/{run_id}/export", params={"file": "pdf"}, headers=viewer)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "file"]

    # A run the gateway did not request: sourcing does not know it, outreach has it.
    sourcing = FakeOwner(gateway.nc)

    def not_sourcing(_: dict[str, Any]) -> None:
        raise QueryError(404, "run not found")

    await sourcing.answer("q.sourcing.runs.export", not_sourcing)
    found = await gateway.http.get(f"/api/v1/pipelines/runs/{scheduled}/export", headers=viewer)
    assert found.status_code == 200 and found.text == CSV_TEXT
    nobody = await gateway.http.get(f"/api/v1/pipelines/runs/{uuid.uuid4()}/export", headers=viewer)
    assert nobody.status_code == 404

    # A send run has no mail merge: the owner's 404 comes through.
    send_run = (await gateway.http.post("/api/v1/pipelines/outreach/run", json={"mode": "send"}, headers=admin)).json()
    no_file = await gateway.http.get(f"/api/v1/pipelines/runs/{send_run['run_id']}/export", headers=viewer)
    assert no_file.status_code == 404 and no_file.json() == {"detail": "this run has no mail merge"}


async def test_lead_sourcing_exports_still_download_as_xlsx(gateway: RunningGateway) -> None:
    admin = bearer(await gateway.token())
    run_id = (await gateway.http.post("/api/v1/pipelines/lead-sourcing/run", headers=admin)).json()["run_id"]
    store = await open_bucket(gateway.nc.jetstream(), EXPORTS)
    await store.put(f"leads-{run_id}.xlsx", b"PK\x03\x04 not really a workbook")
    sourcing = FakeOwner(gateway.nc)
    await sourcing.answer(
        "q.sourcing.runs.export", lambda p: {"run_id": p["run_id"], "export_file": f"leads-{p['run_id']}.xlsx"}
    )

    response = await gateway.http.get(f"/api/v1/pipelines/runs/{run_id}/export", headers=admin)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert response.headers["content-disposition"] == f'attachment; filename="leads-{run_id}.xlsx"'
    assert response.content.startswith(b"PK")
    # A lead-sourcing run has no mail-merge files; outreach is not even asked.
    guide = await gateway.http.get(f"/api/v1/pipelines/runs/{run_id}/export", params={"file": "guide"}, headers=admin)
    assert guide.status_code == 404
    assert sourcing.params("q.sourcing.runs.export") == [{"run_id": run_id}]


async def test_exports_need_their_owner(gateway: RunningGateway) -> None:
    admin = bearer(await gateway.token())
    run_id = (await gateway.http.post("/api/v1/pipelines/outreach/run", headers=admin)).json()["run_id"]
    down = await gateway.http.get(f"/api/v1/pipelines/runs/{run_id}/export", headers=admin)
    assert down.status_code == 503 and "outreach" in down.json()["detail"]
    # Not requested here, and outreach is down: whether it has the run cannot be known.
    sourcing = FakeOwner(gateway.nc)

    def not_sourcing(_: dict[str, Any]) -> None:
        raise QueryError(404, "run not found")

    await sourcing.answer("q.sourcing.runs.export", not_sourcing)
    unknown = await gateway.http.get(f"/api/v1/pipelines/runs/{uuid.uuid4()}/export", headers=admin)
    assert unknown.status_code == 503
