"""Live run progress (``GET /pipelines/runs/events``): server-sent events from the run events on NATS."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from ra_contracts.envelope import Envelope, Payload
from ra_contracts.events import PipelineRunCompleted, PipelineRunProgressed, PipelineRunStarted
from ra_gateway.testing import RunningGateway, bearer
from ra_runtime.queries import QueryError
from ra_runtime.testing import FakeOwner

pytestmark = pytest.mark.integration


class Stream:
    """An open event stream: its ``run`` events, parsed, in order."""

    def __init__(self, lines: AsyncIterator[str]) -> None:
        self._lines = lines

    async def next_event(self, timeout: float = 10) -> tuple[str, Any]:
        async def read() -> tuple[str, Any]:
            fields: dict[str, str] = {}
            async for line in self._lines:
                if line.startswith(":"):
                    fields["comment"] = line[1:].strip()
                elif line:
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")
                elif fields:
                    if "comment" in fields and "data" not in fields:
                        return "comment", fields["comment"]
                    return fields.get("event", "message"), json.loads(fields["data"])
            raise AssertionError("the stream ended")

        return await asyncio.wait_for(read(), timeout)


@asynccontextmanager
async def watching(gateway: RunningGateway, token: str, run_id: str | None = None) -> AsyncIterator[Stream]:
    params = {"run_id": run_id} if run_id else {}
    async with gateway.http.stream(
        "GET", "/api/v1/pipelines/runs/events", params=params, headers=bearer(token), timeout=None
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Stream(response.aiter_lines())
        # The first thing sent says the gateway is subscribed: nothing published from now on is missed.
        assert await stream.next_event() == ("comment", "watching")
        yield stream


async def publish(gateway: RunningGateway, event: Payload) -> None:
    subject = event.subject()
    envelope = Envelope.wrap(event, producer="sourcing", subject=subject)
    await gateway.nc.publish(subject, envelope.model_dump_json().encode())


async def test_a_viewer_watches_every_run_move_on(gateway: RunningGateway) -> None:
    viewer = await gateway.user_token("viewer")
    run_id = uuid.uuid4()
    async with watching(gateway, viewer) as stream:
        await publish(gateway, PipelineRunStarted(run_id=run_id, pipeline="lead_sourcing", status="running"))
        await gateway.nc.publish("pipeline.run.lead_sourcing.progressed", b"not an envelope")
        await publish(
            gateway,
            PipelineRunProgressed(run_id=run_id, pipeline="lead_sourcing", status="running", counts={"found": 7}),
        )
        await publish(
            gateway,
            PipelineRunCompleted(run_id=run_id, pipeline="lead_sourcing", status="completed", counts={"found": 12}),
        )
        seen = [await stream.next_event() for _ in range(3)]
    assert [kind for kind, _ in seen] == ["run", "run", "run"]
    assert [(run["status"], run["counts"]) for _, run in seen] == [
        ("running", {}),
        ("running", {"found": 7}),
        ("completed", {"found": 12}),
    ]
    assert {run["run_id"] for _, run in seen} == {str(run_id)}


async def test_watching_one_run_starts_with_its_state_and_shows_only_it(gateway: RunningGateway) -> None:
    operator = await gateway.user_token("operator")
    accepted = await gateway.http.post("/api/v1/pipelines/lead-sourcing/run", headers=bearer(operator))
    run_id = accepted.json()["run_id"]
    owner = FakeOwner(gateway.nc)
    await owner.answer(
        "q.sourcing.runs.get",
        lambda p: {"run_id": p["run_id"], "pipeline": "lead_sourcing", "status": "running", "counts": {"found": 3}},
    )
    async with watching(gateway, operator, run_id) as stream:
        kind, first = await stream.next_event()
        assert kind == "run" and first["counts"] == {"found": 3}
        assert first["requested_by"] == "operator@example.com"
        other = uuid.uuid4()
        await publish(gateway, PipelineRunStarted(run_id=other, pipeline="lead_sourcing", status="running"))
        await publish(
            gateway,
            PipelineRunCompleted(
                run_id=uuid.UUID(run_id), pipeline="lead_sourcing", status="completed", counts={"found": 5}
            ),
        )
        kind, update = await stream.next_event()
    assert update["run_id"] == run_id and update["status"] == "completed" and update["counts"] == {"found": 5}


async def test_an_unknown_run_is_a_404_not_an_empty_stream(gateway: RunningGateway) -> None:
    viewer = await gateway.user_token("viewer")
    owner = FakeOwner(gateway.nc)
    for subject in ("q.sourcing.runs.get", "q.enrichment.runs.get", "q.validation.runs.get", "q.outreach.runs.get"):
        await owner.answer(subject, lambda _: _not_found())
    response = await gateway.http.get(
        "/api/v1/pipelines/runs/events", params={"run_id": str(uuid.uuid4())}, headers=bearer(viewer)
    )
    assert response.status_code == 404
    assert "not found" in response.json()["detail"]


async def test_the_stream_needs_a_login(gateway: RunningGateway) -> None:
    response = await gateway.http.get("/api/v1/pipelines/runs/events")
    assert response.status_code == 401


def _not_found() -> dict[str, Any]:
    raise QueryError(404, "no such run")
