"""Thin entry points: parse the contract, call the pipeline or repository, let the runtime commit and ack."""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field
from ra_contracts.events import (
    ContactValidated,
    LeadEnriched,
    LeadStatusChanged,
    OutreachSent,
    PipelineRunProgressed,
    PipelineRunStarted,
    RunLeadSourcing,
)
from ra_contracts.leads import (
    CLIENT_SORT_FIELDS,
    LEAD_SORT_FIELDS,
    ClientCategory,
    ClientInput,
    ClientPatch,
    ClientStatus,
    LeadInput,
    LeadPatch,
    LeadStatus,
)
from ra_runtime.messaging import Inbound
from ra_runtime.objects import EXPORTS, object_size, put_file
from ra_runtime.provider_tests import provider_test_handler
from ra_runtime.queries import QueryError, uuid_param
from ra_runtime.runs import cancel_requested, request_cancel, run_queries, run_view, start_run
from ra_runtime.service import ServiceContext, Wiring
from ra_runtime.stats import DEFAULT_DAYS, DayWindow, TrendDays, read_snapshot
from sqlalchemy.ext.asyncio import AsyncSession

from ra_sourcing import crud
from ra_sourcing import repository as repo
from ra_sourcing.files import LEAD_EXPORT_COLUMNS, csv_header, csv_rows, write_leads_xlsx
from ra_sourcing.imports import import_leads
from ra_sourcing.models import Client, JobRun, Lead
from ra_sourcing.pipeline import (
    Checkpoint,
    RunCancelled,
    RunTally,
    enrichment_update,
    run_event,
    run_lead_sourcing,
    run_outcome,
)
from ra_sourcing.sources.apollo import ApolloJobSource
from ra_sourcing.sources.base import JobSource, SourceError, SourceFactory, SourcingCriteria
from ra_sourcing.sources.checks import SOURCE_CHECKS
from ra_sourcing.sources.demo import DemoJobSource
from ra_sourcing.sources.jobspy_source import JobSpySource
from ra_sourcing.sources.jsearch import JSearchSource


def criteria_from_settings(ctx: ServiceContext, max_results: int | None) -> SourcingCriteria:
    s = ctx.settings
    return SourcingCriteria(
        target_job_titles=s.get("target_job_titles"),
        target_states=s.get("target_states"),
        exclude_it_keywords=s.get("exclude_it_keywords"),
        exclude_staffing_keywords=s.get("exclude_staffing_keywords"),
        industries=s.get("target_industries"),
        staffing_agency_names=s.get("staffing_agency_names"),
        posted_within_days=s.get("posted_within_days"),
        max_results=max_results,
    )


log = logging.getLogger(__name__)

#: A run's XLSX export holds at most this many leads (SOP §2.1).
EXPORT_ROWS = 5000
#: Rows per query of a CSV export (the gateway streams slice after slice).
EXPORT_SLICE = 1000

#: Every job source by the name used in settings and run requests.
SOURCES: dict[str, SourceFactory] = {
    "demo": lambda get: DemoJobSource(),
    "jsearch": JSearchSource.from_settings,
    "apollo": ApolloJobSource.from_settings,
    "jobspy": JobSpySource.from_settings,
}


def job_sources(names: list[str], get: Callable[[str], Any]) -> tuple[list[JobSource], dict[str, str]]:
    """Adapters for the requested source names, and the names that could not be built, with why."""
    sources: list[JobSource] = []
    problems: dict[str, str] = {}
    for name in dict.fromkeys(names):
        factory = SOURCES.get(name)
        if factory is None:
            problems[name] = "unknown job source"
            continue
        try:
            sources.append(factory(get))
        except SourceError as exc:
            problems[name] = str(exc)
    return sources, problems


# --- query parameters -----------------------------------------------------------------------------------


class LeadQuery(BaseModel):
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=100)
    cursor: str | None = Field(None, max_length=2000)
    status: str | None = None
    source: str | None = None
    state: str | None = Field(None, min_length=2, max_length=2)
    search: str | None = Field(None, max_length=200)
    run_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    origin: str | None = None
    created_from: AwareDatetime | None = None
    created_to: AwareDatetime | None = None
    sort: str = "created_at"
    order: str = Field("desc", pattern="^(asc|desc)$")

    def where(self) -> repo.LeadFilter:
        return repo.LeadFilter(
            status=self.status,
            source=self.source,
            state=self.state.upper() if self.state else None,
            search=self.search,
            run_id=self.run_id,
            lead_id=self.lead_id,
            origin=self.origin,
            created_from=self.created_from,
            created_to=self.created_to,
        )

    def checked(self) -> tuple[str, repo.Cursor | None]:
        if self.sort not in LEAD_SORT_FIELDS:
            raise QueryError(400, f"cannot sort by {self.sort!r}; one of: {', '.join(LEAD_SORT_FIELDS)}")
        cursor = None
        if self.cursor:
            try:
                cursor = repo.Cursor.decode(self.cursor)
            except ValueError as exc:
                raise QueryError(400, str(exc)) from exc
        elif (self.page - 1) * self.page_size >= repo.MAX_OFFSET:
            raise QueryError(
                400,
                f"page reaches past row {repo.MAX_OFFSET:,}; follow next_cursor to go deeper, or narrow the filters",
            )
        return self.sort, cursor


class LeadStatsQuery(BaseModel):
    days: TrendDays = DEFAULT_DAYS


class ClientQuery(BaseModel):
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(25, ge=1, le=100)
    search: str | None = Field(None, max_length=200)
    status: ClientStatus | None = None
    category: ClientCategory | None = None
    industry: str | None = Field(None, max_length=200)
    sort: str = "last_seen_at"
    order: str = Field("desc", pattern="^(asc|desc)$")


class Actor(BaseModel):
    actor: str | None = None


class LeadCreate(Actor):
    lead: LeadInput


class LeadUpdate(Actor):
    lead_id: uuid.UUID
    changes: LeadPatch


class LeadStatusChange(Actor):
    lead_id: uuid.UUID
    status: LeadStatus


class ClientCreate(Actor):
    client: ClientInput


class ClientUpdate(Actor):
    client_id: uuid.UUID
    changes: ClientPatch


class ImportRequest(Actor):
    import_id: uuid.UUID
    object_name: str = Field(min_length=1, max_length=300)
    format: Literal["csv", "xlsx"]
    file_name: str | None = Field(None, max_length=300)
    dry_run: bool = False


class RunCancel(Actor):
    run_id: uuid.UUID


def lead_view(lead: Lead) -> dict[str, Any]:
    return {c.key: getattr(lead, c.key) for c in Lead.__table__.columns if c.key not in HIDDEN_LEAD_FIELDS}


HIDDEN_LEAD_FIELDS = frozenset({"dedup_key", "description", "search_vector"})


def client_view(client: Client) -> dict[str, Any]:
    return {c.key: getattr(client, c.key) for c in Client.__table__.columns}


def export_name(run_id: uuid.UUID) -> str:
    return f"lead_sourcing/{run_id}.xlsx"


async def build(ctx: ServiceContext) -> Wiring:
    exports_dir = Path(ctx.config.exports_dir)

    async def report_progress(run_id: uuid.UUID, tally: RunTally) -> None:
        async with ctx.sessions() as s, s.begin():
            await repo.save_progress(s, run_id, tally.counts(), tally.per_source)
            await ctx.outbox.add(
                s,
                [
                    PipelineRunProgressed(
                        run_id=run_id, pipeline="lead_sourcing", status="running", counts=tally.counts()
                    )
                ],
                correlation_id=str(run_id),
            )

    async def watch_cancel(run_id: uuid.UUID, checkpoint: Checkpoint, every: float = 1.0) -> None:
        while not checkpoint.cancelled.is_set():
            await asyncio.sleep(every)
            async with ctx.sessions() as s:
                if await cancel_requested(s, JobRun, run_id):
                    checkpoint.cancelled.set()

    async def export_run(run_id: uuid.UUID) -> str | None:
        """The run's new leads as XLSX (up to 5,000 rows) in the exports folder and the exports bucket.

        Built after the run has committed (writing 5,000 rows takes about a second, which the run's
        transaction, and the ``lead.created`` events waiting on it, should not wait for), and again on
        demand when a download finds none (the process died in between, or the bucket expired it).
        """
        async with ctx.sessions() as session:
            run = await session.get(JobRun, run_id)
            if run is None or run.status != "completed":
                return None
            page = await repo.list_leads(
                session,
                repo.LeadFilter(run_id=run_id),
                page_size=EXPORT_ROWS,
                sort="created_at",
                order="asc",
                count=False,
            )
        if not page.leads:
            return None
        rows = [{c: lead.get(c) for c, _ in LEAD_EXPORT_COLUMNS} for lead in page.leads]
        name = export_name(run_id)
        path = exports_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(write_leads_xlsx, path, rows, LEAD_EXPORT_COLUMNS, EXPORT_ROWS)
        await put_file(ctx.js, EXPORTS, name, path)
        async with ctx.sessions() as session, session.begin():
            await repo.set_export_file(session, run_id, name)
        return name

    async def export_when_committed(run_id: uuid.UUID, timeout: float = 120.0) -> None:
        """Wait for the run's transaction to commit (its row says completed), then build its export."""
        deadline = asyncio.get_running_loop().time() + timeout
        try:
            while asyncio.get_running_loop().time() < deadline:
                async with ctx.sessions() as session:
                    run = await session.get(JobRun, run_id)
                if run is not None and run.status != "running":
                    await export_run(run_id)
                    return
                await asyncio.sleep(0.2)
        except Exception:  # the download builds it on demand
            log.exception("building the export of run %s failed", run_id)

    background: set[asyncio.Task[None]] = set()

    async def on_run_command(session: AsyncSession, batch: list[Inbound]) -> None:
        for item in batch:
            cmd = item.payload
            assert isinstance(cmd, RunLeadSourcing)
            # The "running" state is committed on its own so the dashboard sees the run at once; the run's
            # effects commit below with the inbox row, so a crash mid-run redoes the run from scratch.
            async with ctx.sessions() as s, s.begin():
                started = await start_run(s, JobRun, cmd.run_id, cmd.requested_by)
                if started:
                    await ctx.outbox.add(
                        s,
                        [PipelineRunStarted(run_id=cmd.run_id, pipeline="lead_sourcing", status="running")],
                        correlation_id=str(cmd.run_id),
                    )
            if not started:
                log.info("run %s was cancelled before it started", cmd.run_id)
                continue
            names = cmd.sources or list(ctx.settings.get("enabled_sources"))
            sources, unavailable = job_sources(names, ctx.settings.get)
            criteria = criteria_from_settings(ctx, cmd.max_results)
            checkpoint = Checkpoint()
            watcher = asyncio.create_task(watch_cancel(cmd.run_id, checkpoint))
            tally = RunTally()
            work = await session.begin_nested()
            try:
                await run_lead_sourcing(
                    session,
                    ctx.outbox,
                    cmd,
                    sources,
                    criteria,
                    unavailable,
                    checkpoint=checkpoint,
                    progress=functools.partial(report_progress, cmd.run_id),
                    tally=tally,
                )
                await work.commit()
                status, error = run_outcome(tally, sources)
            except RunCancelled:
                await work.rollback()
                status, error = "cancelled", "cancelled at a person's request"
            finally:
                watcher.cancel()
            run = await repo.finish_run(
                session,
                cmd.run_id,
                status=status,
                counts=tally.counts(),
                per_source=tally.per_source,
                error_message=error,
            )
            await ctx.outbox.add(
                session, [run_event(run, status, tally.counts(), error)], correlation_id=str(cmd.run_id)
            )
            if status == "completed" and tally.inserted:
                task = asyncio.create_task(export_when_committed(cmd.run_id))
                background.add(task)
                task.add_done_callback(background.discard)

    async def on_lead_enriched(session: AsyncSession, batch: list[Inbound]) -> None:
        updates = [enrichment_update(i.payload) for i in batch if isinstance(i.payload, LeadEnriched)]
        moved = await repo.mark_enriched(session, updates)
        await ctx.outbox.add(
            session,
            [
                LeadStatusChanged(lead_id=lead_id, from_status=before, to_status=after, reason="enriched")
                for lead_id, before, after in moved
            ],
        )

    async def advance(
        session: AsyncSession, lead_ids: list[uuid.UUID], to: str, since: tuple[str, ...], why: str
    ) -> None:
        moved = await repo.advance_leads(session, lead_ids, to, since)
        await ctx.outbox.add(
            session,
            [
                LeadStatusChanged(lead_id=lead_id, from_status=before, to_status=to, reason=why)
                for lead_id, before in moved
            ],
        )

    async def on_contact_validated(session: AsyncSession, batch: list[Inbound]) -> None:
        valid = [
            i.payload.lead_id for i in batch if isinstance(i.payload, ContactValidated) and i.payload.status == "valid"
        ]
        await advance(session, valid, "VALIDATED", ("NEW", "ENRICHED"), "validated")

    async def on_outreach_sent(session: AsyncSession, batch: list[Inbound]) -> None:
        reached = [i.payload.lead_id for i in batch if isinstance(i.payload, OutreachSent)]
        await advance(session, reached, "CONTACTED", ("NEW", "ENRICHED", "VALIDATED"), "contacted")

    # --- leads ----------------------------------------------------------------------------------------

    async def leads_list(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        q = LeadQuery.model_validate(params)
        sort, cursor = q.checked()
        page = await repo.list_leads(
            session, q.where(), page=q.page, page_size=q.page_size, sort=sort, order=q.order, cursor=cursor
        )
        return {
            "items": page.leads,
            "total": page.total,
            "total_exact": page.total_exact,
            "page": None if cursor else q.page,
            "page_size": q.page_size,
            "next_cursor": page.next_cursor,
            "prev_cursor": page.prev_cursor,
        }

    async def leads_stats(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        q = LeadStatsQuery.model_validate(params)
        async with session.begin():
            await read_snapshot(session)
            return await repo.lead_stats(session, DayWindow(q.days))

    async def leads_export(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        """One slice of ``GET /leads/export/csv``: up to 1,000 rows after ``cursor``, every column."""
        header = bool(params.pop("header", True))
        q = LeadQuery.model_validate(params | {"page_size": 1})
        sort, cursor = q.checked()
        page = await repo.list_leads(
            session, q.where(), page_size=EXPORT_SLICE, sort=sort, order=q.order, cursor=cursor, count=False
        )
        rows = [{c: lead.get(c) for c, _ in LEAD_EXPORT_COLUMNS} for lead in page.leads]
        text = (csv_header(LEAD_EXPORT_COLUMNS) if header else "") + csv_rows(rows, LEAD_EXPORT_COLUMNS)
        return {"csv": text, "rows": len(rows), "next_cursor": page.next_cursor}

    async def leads_get(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        lead = await repo.get_lead(session, uuid_param(params, "lead_id"))
        if lead is None:
            raise QueryError(404, "lead not found")
        return lead_view(lead) | {"description": lead.description}

    async def leads_create(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = LeadCreate.model_validate(params)
        async with session.begin():
            lead = await crud.create_lead(session, ctx.outbox, req.lead, req.actor)
            return lead_view(lead) | {"description": lead.description}

    async def leads_update(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = LeadUpdate.model_validate(params)
        async with session.begin():
            lead = await crud.update_lead(session, ctx.outbox, req.lead_id, req.changes, req.actor)
            return lead_view(lead) | {"description": lead.description}

    async def leads_status(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = LeadStatusChange.model_validate(params)
        async with session.begin():
            return lead_view(await crud.change_status(session, ctx.outbox, req.lead_id, req.status, req.actor))

    async def leads_delete(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        lead_id = uuid_param(params, "lead_id")
        async with session.begin():
            await crud.delete_lead(session, ctx.outbox, lead_id, Actor.model_validate(params).actor)
        return {"lead_id": lead_id, "deleted": True}

    async def leads_import(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = ImportRequest.model_validate(params)
        return await import_leads(ctx, req)

    # --- clients --------------------------------------------------------------------------------------

    async def clients_list(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        q = ClientQuery.model_validate(params)
        if q.sort not in CLIENT_SORT_FIELDS:
            raise QueryError(400, f"cannot sort by {q.sort!r}; one of: {', '.join(CLIENT_SORT_FIELDS)}")
        clients, total = await repo.list_clients(
            session,
            page=q.page,
            page_size=q.page_size,
            search=q.search,
            status=q.status,
            category=q.category,
            industry=q.industry,
            sort=q.sort,
            order=q.order,
        )
        return {"items": [client_view(c) for c in clients], "total": total, "page": q.page, "page_size": q.page_size}

    async def clients_get(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        client = await session.get(Client, uuid_param(params, "client_id"))
        if client is None:
            raise QueryError(404, "client not found")
        return client_view(client)

    async def clients_create(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = ClientCreate.model_validate(params)
        async with session.begin():
            return client_view(await crud.create_client(session, req.client))

    async def clients_update(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = ClientUpdate.model_validate(params)
        async with session.begin():
            return client_view(await crud.update_client(session, req.client_id, req.changes))

    async def clients_delete(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        client_id = uuid_param(params, "client_id")
        async with session.begin():
            await crud.delete_client(session, client_id)
        return {"client_id": client_id, "deleted": True}

    async def runs_export(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        """The name of the run's export in the exports bucket, built now if it is missing."""
        run_id = uuid_param(params, "run_id")
        run = await session.get(JobRun, run_id)
        if run is None:
            raise QueryError(404, "run not found")
        if run.status != "completed":
            raise QueryError(404, f"the run is {run.status}; only a completed run has an export")
        name = run.export_file
        if name is None or await object_size(ctx.js, EXPORTS, name) is None:
            name = await export_run(run_id)
        if name is None:
            raise QueryError(404, "the run found no new leads, so it has no export")
        return {"run_id": run_id, "export_file": name}

    # --- runs -----------------------------------------------------------------------------------------

    async def runs_cancel(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = RunCancel.model_validate(params)
        async with session.begin():
            outcome, run = await request_cancel(session, JobRun, req.run_id, req.actor, new_row={"per_source": {}})
            if outcome == "finished":
                raise QueryError(409, f"the run has already finished ({run.status})")
            if outcome == "cancelled":
                # Not started yet: it never will (the command is dropped when it arrives).
                await ctx.outbox.add(session, [run_event(run, "cancelled", {}, run.error_message)])
            return run_view(run) | {"status": "cancelled" if outcome == "cancelled" else "cancelling"}

    return Wiring(
        consumers={
            "sourcing-run": on_run_command,
            "sourcing-lead-enriched": on_lead_enriched,
            "sourcing-contact-validated": on_contact_validated,
            "sourcing-outreach-sent": on_outreach_sent,
        },
        queries={
            "q.sourcing.leads.list": leads_list,
            "q.sourcing.leads.get": leads_get,
            "q.sourcing.leads.create": leads_create,
            "q.sourcing.leads.update": leads_update,
            "q.sourcing.leads.status": leads_status,
            "q.sourcing.leads.delete": leads_delete,
            "q.sourcing.leads.import": leads_import,
            "q.sourcing.leads.export": leads_export,
            "q.sourcing.leads.stats": leads_stats,
            "q.sourcing.clients.list": clients_list,
            "q.sourcing.clients.get": clients_get,
            "q.sourcing.clients.create": clients_create,
            "q.sourcing.clients.update": clients_update,
            "q.sourcing.clients.delete": clients_delete,
            "q.sourcing.runs.cancel": runs_cancel,
            "q.sourcing.runs.export": runs_export,
            "q.sourcing.providers.test": provider_test_handler("sourcing", ctx.settings.get, SOURCE_CHECKS),
            **run_queries("sourcing", JobRun),
        },
    )
