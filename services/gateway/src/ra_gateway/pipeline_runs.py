"""Pipeline runs (SOP §2.1, §3.1 "Run …" buttons): requested here, run and reported by their owners.

A request writes its audit row and the owner's command in one transaction and returns a ``run_id`` at
once; the owner's relay-fed consumer runs it. Until the owner reports the run, the audit row is all that
is known of it, and it is shown as ``queued``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from pydantic import ValidationError
from ra_contracts.envelope import Envelope, Payload
from ra_contracts.events import (
    PipelineRunProgressed,
    RunContactEnrichment,
    RunEmailValidation,
    RunLeadSourcing,
    RunOutreach,
)
from ra_runtime.outbox import Outbox
from ra_runtime.queries import QueryError, ServiceUnavailable, ask
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ra_gateway.auth import CurrentUser
from ra_gateway.errors import Conflict, NotFound
from ra_gateway.models import AuditEntry

log = logging.getLogger(__name__)

RUN_REQUESTED = "pipeline.run.requested"
#: Every run event of every pipeline (started, progressed, completed, failed, cancelled).
RUN_EVENTS = "pipeline.run.>"
#: Updates held for one slow watcher; the oldest go first (counts are totals, the newest state wins).
WATCH_BACKLOG = 256


@dataclass(frozen=True)
class PipelineOwner:
    service: str
    list_subject: str
    get_subject: str
    #: The owner's cancel query, when its runs can be cancelled.
    cancel_subject: str | None = None


OWNERS: dict[str, PipelineOwner] = {
    "lead_sourcing": PipelineOwner(
        "sourcing", "q.sourcing.runs.list", "q.sourcing.runs.get", cancel_subject="q.sourcing.runs.cancel"
    ),
    "contact_enrichment": PipelineOwner("enrichment", "q.enrichment.runs.list", "q.enrichment.runs.get"),
    "email_validation": PipelineOwner("validation", "q.validation.runs.list", "q.validation.runs.get"),
    "outreach": PipelineOwner(
        "outreach", "q.outreach.runs.list", "q.outreach.runs.get", cancel_subject="q.outreach.runs.cancel"
    ),
}

_EPOCH = datetime.min.replace(tzinfo=UTC)


def lead_sourcing_command(
    run_id: uuid.UUID, user: CurrentUser, sources: list[str] | None, max_results: int | None
) -> RunLeadSourcing:
    return RunLeadSourcing(run_id=run_id, requested_by=user.email, sources=sources, max_results=max_results)


def contact_enrichment_command(run_id: uuid.UUID, user: CurrentUser, limit: int | None) -> RunContactEnrichment:
    return RunContactEnrichment(run_id=run_id, requested_by=user.email, limit=limit)


def email_validation_command(run_id: uuid.UUID, user: CurrentUser, limit: int | None) -> RunEmailValidation:
    return RunEmailValidation(run_id=run_id, requested_by=user.email, limit=limit)


def outreach_command(
    run_id: uuid.UUID,
    user: CurrentUser,
    mode: Literal["mailmerge", "send"],
    dry_run: bool,
    limit: int | None,
    template_id: uuid.UUID | None,
) -> RunOutreach:
    return RunOutreach(
        run_id=run_id, requested_by=user.email, mode=mode, dry_run=dry_run, limit=limit, template_id=template_id
    )


def queued_view(entry: AuditEntry) -> dict[str, Any]:
    return {
        "run_id": entry.target,
        "pipeline": entry.details.get("pipeline"),
        "status": "queued",
        "started_at": None,
        "finished_at": None,
        "counts": {},
        "error_message": None,
        "requested_at": entry.occurred_at,
        "requested_by": entry.actor_email,
    }


def _when(run: dict[str, Any]) -> datetime:
    """Newest-first order: by start, or by request time for runs not started yet."""
    for field in ("started_at", "requested_at"):
        value = run.get(field)
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                continue
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return _EPOCH


class PipelineRuns:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], outbox: Outbox, nc: NATS, query_timeout: float
    ) -> None:
        self.sessions = sessions
        self.outbox = outbox
        self.nc = nc
        self.query_timeout = query_timeout

    async def request(
        self, pipeline: str, run_id: uuid.UUID, command: Payload, user: CurrentUser, options: dict[str, Any]
    ) -> None:
        async with self.sessions() as session, session.begin():
            session.add(
                AuditEntry(
                    actor_id=user.id,
                    actor_email=user.email,
                    action=RUN_REQUESTED,
                    target=str(run_id),
                    details={"pipeline": pipeline, **options},
                )
            )
            # The run id doubles as correlation id, so every event of the run can be traced back to it.
            await self.outbox.add(session, [command], correlation_id=str(run_id))

    async def pipeline_of(self, run_id: uuid.UUID) -> str | None:
        """The pipeline of a run requested through the API (None for others, a scheduled run say)."""
        entry = await self._request_of(run_id)
        return None if entry is None else str(entry.details.get("pipeline"))

    async def _requests(self, pipelines: Sequence[str], limit: int) -> list[AuditEntry]:
        async with self.sessions() as session:
            return list(
                (
                    await session.execute(
                        sa.select(AuditEntry)
                        .where(
                            AuditEntry.action == RUN_REQUESTED,
                            AuditEntry.details["pipeline"].astext.in_(list(pipelines)),
                        )
                        .order_by(AuditEntry.occurred_at.desc())
                        .limit(limit)
                    )
                ).scalars()
            )

    async def _request_of(self, run_id: uuid.UUID) -> AuditEntry | None:
        async with self.sessions() as session:
            return (
                await session.execute(
                    sa.select(AuditEntry).where(AuditEntry.action == RUN_REQUESTED, AuditEntry.target == str(run_id))
                )
            ).scalar_one_or_none()

    async def list(self, limit: int, offset: int, pipeline: str | None = None) -> dict[str, Any]:
        """Runs of every pipeline (or one), newest first, merged from their owners and the queued requests."""
        pipelines = [pipeline] if pipeline else list(OWNERS)
        # Each owner sorts only its own runs, so a merged page needs the first offset+limit of every owner.
        window = offset + limit
        answers = await asyncio.gather(
            *(
                ask(self.nc, OWNERS[p].list_subject, {"limit": window, "offset": 0}, timeout=self.query_timeout)
                for p in pipelines
            ),
            return_exceptions=True,
        )
        # An owner that is down hides its own runs, not everyone's: the list says which are missing.
        unavailable = [p for p, a in zip(pipelines, answers, strict=True) if isinstance(a, ServiceUnavailable)]
        for answer in answers:
            if isinstance(answer, BaseException) and not isinstance(answer, ServiceUnavailable):
                raise answer
        if len(unavailable) == len(pipelines):
            raise next(a for a in answers if isinstance(a, ServiceUnavailable))
        by_pipeline = {p: a for p, a in zip(pipelines, answers, strict=True) if not isinstance(a, BaseException)}
        requests = {entry.target: entry for entry in await self._requests(pipelines, window)}
        runs: list[dict[str, Any]] = []
        total = 0
        for p, answer in by_pipeline.items():
            total += int(answer.get("total", 0))
            for run in answer.get("items", []):
                entry = requests.pop(str(run.get("run_id")), None)
                if entry is not None:
                    run = {"requested_at": entry.occurred_at, "requested_by": entry.actor_email, **run}
                runs.append({"pipeline": p, **run})
        for entry in requests.values():
            answer = by_pipeline.get(entry.details["pipeline"])
            if answer is None:  # its owner is down: shown as queued would be a guess
                continue
            items = answer.get("items", [])
            # Unknown to its owner only if the owner's window would have shown it: either the owner sent
            # every run it has, or the request is newer than the oldest run it sent (runs start after they
            # are requested). Otherwise the run is simply further down the owner's list.
            complete = len(items) >= int(answer.get("total", 0))
            oldest = min((_when(r) for r in items), default=None)
            if complete or (oldest is not None and entry.occurred_at >= oldest):
                runs.append(queued_view(entry))
                total += 1
        runs.sort(key=_when, reverse=True)
        return {
            "items": runs[offset:window],
            "total": total,
            "limit": limit,
            "offset": offset,
            "unavailable": [OWNERS[p].service for p in unavailable],
        }

    async def get(self, run_id: uuid.UUID) -> dict[str, Any]:
        entry = await self._request_of(run_id)
        if entry is not None:
            owner = OWNERS[entry.details["pipeline"]]
            try:
                run = await ask(self.nc, owner.get_subject, {"run_id": str(run_id)}, timeout=self.query_timeout)
            except QueryError as exc:
                if exc.status == 404:
                    return queued_view(entry)
                raise
            return {"requested_at": entry.occurred_at, "requested_by": entry.actor_email, **run}
        # Not requested through the API (a scheduled run, say): whichever owner knows it answers.
        answers = await asyncio.gather(
            *(
                ask(self.nc, owner.get_subject, {"run_id": str(run_id)}, timeout=self.query_timeout)
                for owner in OWNERS.values()
            ),
            return_exceptions=True,
        )
        for answer in answers:
            if not isinstance(answer, BaseException):
                return dict(answer)
        for answer in answers:
            if isinstance(answer, ServiceUnavailable) or (isinstance(answer, QueryError) and answer.status != 404):
                raise answer
        for answer in answers:
            if isinstance(answer, BaseException) and not isinstance(answer, QueryError):
                raise answer
        raise NotFound(f"pipeline run {run_id} not found")

    async def cancel(self, run_id: uuid.UUID, user: CurrentUser) -> dict[str, Any]:
        """Ask the run's owner to stop it: a queued run never starts, a running one stops at its next
        checkpoint and keeps nothing but its record (``cancelling`` until then)."""
        run = await self.get(run_id)
        owner = OWNERS.get(str(run.get("pipeline")))
        if owner is None or owner.cancel_subject is None:
            raise Conflict(f"{run.get('pipeline')} runs cannot be cancelled")
        answer: dict[str, Any] = await ask(
            self.nc, owner.cancel_subject, {"run_id": str(run_id), "actor": user.email}, timeout=self.query_timeout
        )
        return {"pipeline": run.get("pipeline"), **answer}

    @asynccontextmanager
    async def watch(self, run_id: uuid.UUID | None = None) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """Run updates as they are published, for one watcher (a dashboard's live progress).

        A plain NATS subscription, not a durable consumer: every gateway replica sees every update and
        passes it to the browsers connected to it, and a watcher that goes away leaves nothing behind.
        """
        updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=WATCH_BACKLOG)

        async def on_event(msg: Msg) -> None:
            try:
                # Every run event has the same fields; the subject says which one it is.
                run = Envelope.model_validate_json(msg.data).open(PipelineRunProgressed)
            except ValidationError as exc:
                log.warning("ignoring a malformed run event on %s: %s", msg.subject, exc.errors()[:1])
                return
            if run_id is not None and run.run_id != run_id:
                return
            if updates.full():
                updates.get_nowait()
            updates.put_nowait(run.model_dump(mode="json"))

        sub = await self.nc.subscribe(RUN_EVENTS, cb=on_event)
        # Only once the server has the subscription is "watching" true: events published after it arrive.
        await self.nc.flush()
        try:
            yield updates
        finally:
            await sub.unsubscribe()
