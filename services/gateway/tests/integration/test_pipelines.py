"""Pipeline runs: commands through the outbox, run listings merged from owners and queued requests."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig
from ra_contracts.catalog import STREAMS
from ra_contracts.envelope import Envelope
from ra_gateway.testing import RunningGateway, bearer
from ra_runtime.messaging import declare_stream
from ra_runtime.testing import eventually

pytestmark = pytest.mark.integration


async def _answer(gateway: RunningGateway, subject: str, reply: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """A stand-in for the owning service: answers ``subject`` in the query wire format."""

    async def respond(msg: Msg) -> None:
        await msg.respond(json.dumps(reply(json.loads(msg.data)), default=str).encode())

    await gateway.nc.subscribe(subject, cb=respond)
    await gateway.nc.flush()


async def _commands(gateway: RunningGateway, stream: str, subject: str) -> Callable[[], Awaitable[list[Envelope]]]:
    js = gateway.nc.jetstream()
    # The owner declares its command stream; the gateway's relay keeps retrying until it exists.
    await declare_stream(js, STREAMS[stream])
    sub = await js.pull_subscribe(subject, durable="test-reader", stream=stream, config=ConsumerConfig())

    async def fetch() -> list[Envelope]:
        try:
            return [Envelope.model_validate_json(m.data) for m in await sub.fetch(10, timeout=0.5)]
        except TimeoutError:
            return []

    return fetch


async def test_lead_sourcing_run_is_queued_and_commanded(gateway: RunningGateway) -> None:
    operator = await gateway.user_token("operator")
    response = await gateway.http.post(
        "/api/v1/pipelines/lead-sourcing/run",
        json={"sources": ["demo", "JSearch"], "max_results": 50},
        headers=bearer(operator),
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["pipeline"] == "lead_sourcing" and body["status"] == "queued"
    run_id = body["run_id"]

    fetch = await _commands(gateway, "SOURCING_CMD", "cmd.sourcing.run")
    [command] = await eventually(fetch, timeout=20, what="cmd.sourcing.run on SOURCING_CMD")
    assert command.type == "cmd.sourcing.run" and command.correlation_id == run_id
    assert command.payload == {
        "run_id": run_id,
        "requested_by": "operator@example.com",
        "sources": ["demo", "jsearch"],
        "max_results": 50,
    }

    # No owner has picked it up: both the single view and the listing show it queued, from the audit row.
    await _answer(gateway, "q.sourcing.runs.get", lambda _: {"ok": False, "status": 404, "detail": "no such run"})
    single = await gateway.http.get(f"/api/v1/pipelines/runs/{run_id}", headers=bearer(operator))
    assert single.status_code == 200, single.text
    assert single.json()["status"] == "queued" and single.json()["requested_by"] == "operator@example.com"


async def test_contact_enrichment_run_and_roles(gateway: RunningGateway) -> None:
    viewer = await gateway.user_token("viewer")
    refused = await gateway.http.post("/api/v1/pipelines/contact-enrichment/run", headers=bearer(viewer))
    assert refused.status_code == 403

    admin = await gateway.token()
    accepted = await gateway.http.post("/api/v1/pipelines/contact-enrichment/run", headers=bearer(admin))
    assert accepted.status_code == 202
    run_id = accepted.json()["run_id"]
    fetch = await _commands(gateway, "ENRICHMENT_CMD", "cmd.enrichment.run")
    [command] = await eventually(fetch, timeout=20, what="cmd.enrichment.run on ENRICHMENT_CMD")
    assert command.payload["run_id"] == run_id and command.payload["limit"] is None

    bad = await gateway.http.post(
        "/api/v1/pipelines/lead-sourcing/run", json={"sources": ["monster"]}, headers=bearer(admin)
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "sources"]
    too_many = await gateway.http.post(
        "/api/v1/pipelines/lead-sourcing/run", json={"max_results": 0}, headers=bearer(admin)
    )
    assert too_many.status_code == 422


async def test_runs_are_merged_newest_first(gateway: RunningGateway) -> None:
    admin = await gateway.token()
    now = datetime.now(UTC)
    finished = {
        "run_id": str(uuid.uuid4()),
        "pipeline": "lead_sourcing",
        "status": "completed",
        "started_at": (now - timedelta(days=2)).isoformat(),
        "finished_at": (now - timedelta(days=2, minutes=-5)).isoformat(),
        "counts": {"inserted": 12, "skipped": 3, "errors": 0},
        "error_message": None,
    }
    running = finished | {
        "run_id": str(uuid.uuid4()),
        "pipeline": "contact_enrichment",
        "status": "running",
        "started_at": (now - timedelta(hours=1)).isoformat(),
        "finished_at": None,
        "counts": {"contacts": 4},
    }
    await _answer(gateway, "q.sourcing.runs.list", lambda _: {"ok": True, "data": {"items": [finished], "total": 1}})
    await _answer(gateway, "q.enrichment.runs.list", lambda _: {"ok": True, "data": {"items": [running], "total": 1}})
    queued = (await gateway.http.post("/api/v1/pipelines/lead-sourcing/run", headers=bearer(admin))).json()["run_id"]

    listed = await gateway.http.get("/api/v1/pipelines/runs", headers=bearer(admin))
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [r["run_id"] for r in body["items"]] == [queued, running["run_id"], finished["run_id"]]
    assert [r["status"] for r in body["items"]] == ["queued", "running", "completed"]
    assert body["total"] == 3
    assert body["items"][2]["counts"] == {"inserted": 12, "skipped": 3, "errors": 0}

    paged = await gateway.http.get("/api/v1/pipelines/runs?limit=1&offset=1", headers=bearer(admin))
    assert [r["run_id"] for r in paged.json()["items"]] == [running["run_id"]]

    # A run its owner knows is shown as the owner reports it.
    await _answer(gateway, "q.enrichment.runs.get", lambda q: {"ok": True, "data": running | {"run_id": q["run_id"]}})
    await _answer(gateway, "q.sourcing.runs.get", lambda _: {"ok": False, "status": 404, "detail": "no such run"})
    one = await gateway.http.get(f"/api/v1/pipelines/runs/{running['run_id']}", headers=bearer(admin))
    assert one.status_code == 200 and one.json()["status"] == "running"


async def test_runs_need_their_owners(gateway: RunningGateway) -> None:
    admin = await gateway.token()
    down = await gateway.http.get("/api/v1/pipelines/runs", headers=bearer(admin))
    assert down.status_code == 503
    assert "unavailable" in down.json()["detail"]
    unknown = await gateway.http.get(f"/api/v1/pipelines/runs/{uuid.uuid4()}", headers=bearer(admin))
    assert unknown.status_code == 503

    await _answer(gateway, "q.sourcing.runs.get", lambda _: {"ok": False, "status": 404, "detail": "no such run"})
    await _answer(gateway, "q.enrichment.runs.get", lambda _: {"ok": False, "status": 404, "detail": "no such run"})
    # With one owner silent, "no such run" cannot be known: still 503.
    still = await gateway.http.get(f"/api/v1/pipelines/runs/{uuid.uuid4()}", headers=bearer(admin))
    assert still.status_code == 503
    await _answer(gateway, "q.validation.runs.get", lambda _: {"ok": False, "status": 404, "detail": "no such run"})
    still = await gateway.http.get(f"/api/v1/pipelines/runs/{uuid.uuid4()}", headers=bearer(admin))
    assert still.status_code == 503
    await _answer(gateway, "q.outreach.runs.get", lambda _: {"ok": False, "status": 404, "detail": "no such run"})
    missing = await gateway.http.get(f"/api/v1/pipelines/runs/{uuid.uuid4()}", headers=bearer(admin))
    assert missing.status_code == 404


async def test_a_requests_trace_continues_into_the_command_it_publishes(gateway: RunningGateway) -> None:
    js = gateway.nc.jetstream()
    await declare_stream(js, STREAMS["SOURCING_CMD"])
    sub = await js.pull_subscribe("cmd.sourcing.run", durable="trace-reader", stream="SOURCING_CMD")
    trace_id = uuid.uuid4().hex
    traceparent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    response = await gateway.http.post(
        "/api/v1/pipelines/lead-sourcing/run",
        json={},
        headers={**bearer(await gateway.token()), "traceparent": traceparent},
    )
    assert response.status_code == 202, response.text

    async def command_headers() -> dict[str, str] | None:
        try:
            msgs = await sub.fetch(1, timeout=0.5)
        except TimeoutError:
            return None
        return dict(msgs[0].headers or {})

    headers = await eventually(command_headers, what="the command on SOURCING_CMD")
    assert headers["traceparent"].split("-")[1] == trace_id
