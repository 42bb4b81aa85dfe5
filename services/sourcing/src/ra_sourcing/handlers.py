"""Thin entry points: parse the contract, call the pipeline or repository, let the runtime commit and ack."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, Field
from ra_contracts.events import LeadEnriched, PipelineRunStarted, RunLeadSourcing
from ra_runtime.messaging import Inbound
from ra_runtime.queries import QueryError, uuid_param
from ra_runtime.runs import run_queries, start_run
from ra_runtime.service import ServiceContext, Wiring
from sqlalchemy.ext.asyncio import AsyncSession

from ra_sourcing import repository as repo
from ra_sourcing.models import JobRun, Lead
from ra_sourcing.pipeline import enrichment_update, run_lead_sourcing
from ra_sourcing.sources.base import JobSource, SourcingCriteria
from ra_sourcing.sources.demo import DemoJobSource


def criteria_from_settings(ctx: ServiceContext, max_results: int | None) -> SourcingCriteria:
    s = ctx.settings
    return SourcingCriteria(
        target_job_titles=s.get("target_job_titles"),
        target_states=s.get("target_states"),
        exclude_it_keywords=s.get("exclude_it_keywords"),
        exclude_staffing_keywords=s.get("exclude_staffing_keywords"),
        industries=s.get("target_industries"),
        max_results=max_results,
    )


def job_sources(names: list[str]) -> tuple[list[JobSource], list[str]]:
    """Adapters for the requested source names, and the names no adapter exists for (yet)."""
    available: dict[str, type[Any]] = {"demo": DemoJobSource}
    sources = [available[n]() for n in names if n in available]
    return sources, [n for n in names if n not in available]


class LeadQuery(BaseModel):
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=100)
    status: str | None = None
    source: str | None = None
    state: str | None = Field(None, min_length=2, max_length=2)
    search: str | None = Field(None, max_length=200)
    run_id: uuid.UUID | None = None
    sort: str = "created_at"
    order: str = Field("desc", pattern="^(asc|desc)$")


def lead_view(lead: Lead) -> dict[str, Any]:
    return {c.key: getattr(lead, c.key) for c in Lead.__table__.columns if c.key not in ("dedup_key", "description")}


async def build(ctx: ServiceContext) -> Wiring:
    async def on_run_command(session: AsyncSession, batch: list[Inbound]) -> None:
        for item in batch:
            cmd = item.payload
            assert isinstance(cmd, RunLeadSourcing)
            # The "running" state is committed on its own so the dashboard sees the run at once; the run's
            # effects commit below with the inbox row, so a crash mid-run redoes the run from scratch.
            async with ctx.sessions() as s, s.begin():
                await start_run(s, JobRun, cmd.run_id, cmd.requested_by)
                await ctx.outbox.add(
                    s,
                    [PipelineRunStarted(run_id=cmd.run_id, pipeline="lead_sourcing", status="running")],
                    correlation_id=str(cmd.run_id),
                )
            names = cmd.sources or list(ctx.settings.get("enabled_sources"))
            sources, unknown = job_sources(names)
            await run_lead_sourcing(
                session, ctx.outbox, cmd, sources, criteria_from_settings(ctx, cmd.max_results), unknown
            )

    async def on_lead_enriched(session: AsyncSession, batch: list[Inbound]) -> None:
        updates = [enrichment_update(i.payload) for i in batch if isinstance(i.payload, LeadEnriched)]
        await repo.mark_enriched(session, updates)

    async def leads_list(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        q = LeadQuery.model_validate(params)
        if q.sort not in repo.LEAD_SORT_COLUMNS:
            raise QueryError(400, f"cannot sort by {q.sort!r}; one of: {', '.join(sorted(repo.LEAD_SORT_COLUMNS))}")
        leads, total = await repo.list_leads(
            session,
            page=q.page,
            page_size=q.page_size,
            status=q.status,
            source=q.source,
            state=q.state.upper() if q.state else None,
            search=q.search,
            run_id=q.run_id,
            sort=q.sort,
            order=q.order,
        )
        return {"items": [lead_view(x) for x in leads], "total": total, "page": q.page, "page_size": q.page_size}

    async def leads_get(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        lead = await repo.get_lead(session, uuid_param(params, "lead_id"))
        if lead is None:
            raise QueryError(404, "lead not found")
        return lead_view(lead) | {"description": lead.description}

    return Wiring(
        consumers={"sourcing-run": on_run_command, "sourcing-lead-enriched": on_lead_enriched},
        queries={
            "q.sourcing.leads.list": leads_list,
            "q.sourcing.leads.get": leads_get,
            **run_queries("sourcing", JobRun),
        },
    )
