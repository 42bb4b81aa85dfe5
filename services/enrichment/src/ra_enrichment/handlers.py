"""Thin entry points of the enrichment service."""

from __future__ import annotations

import logging
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field
from ra_contracts.contacts import CONTACT_SORT_FIELDS, ContactInput, ContactPatch, Priority
from ra_contracts.defaults import DECISION_MAKER_TITLES
from ra_contracts.events import (
    ContactDeleted,
    ContactValidated,
    LeadCreated,
    LeadDeleted,
    LeadUpdated,
    OutreachSent,
    PipelineRunCompleted,
    PipelineRunFailed,
    PipelineRunProgressed,
    PipelineRunStarted,
    RunContactEnrichment,
)
from ra_runtime.messaging import Inbound
from ra_runtime.provider_tests import provider_test_handler
from ra_runtime.queries import QueryError, uuid_param
from ra_runtime.runs import run_queries, start_run
from ra_runtime.service import ServiceContext, Wiring
from ra_runtime.stats import DEFAULT_DAYS, DayWindow, TrendDays, read_snapshot
from sqlalchemy.ext.asyncio import AsyncSession

from ra_enrichment import contacts
from ra_enrichment import repository as repo
from ra_enrichment.models import Contact, JobRun, LeadRef
from ra_enrichment.pipeline import EnrichTally, LeadToEnrich, enrich_leads
from ra_enrichment.providers.apollo import ApolloContactProvider
from ra_enrichment.providers.base import ContactProvider
from ra_enrichment.providers.checks import PROVIDER_CHECKS
from ra_enrichment.providers.demo import DemoContactProvider
from ra_enrichment.providers.errors import ProviderError
from ra_enrichment.providers.seamless import SeamlessContactProvider

log = logging.getLogger(__name__)

#: Leads per transaction when a run works through the backlog.
RUN_CHUNK = 500


class ProviderUnavailable(Exception):
    pass


#: A provider error of these kinds will not go away by retrying the same message (a key is missing or
#: refused, the plan's credits are spent): the leads wait, pending, for a run once it is fixed.
LASTING_PROVIDER_ERRORS = frozenset({"config", "auth", "quota"})


def contact_provider(ctx: ServiceContext) -> ContactProvider:
    name = str(ctx.settings.get("contact_provider"))
    # "mock" is the SOP's name for the demo provider.
    if name in ("mock", "demo"):
        return DemoContactProvider()
    if name == "apollo":
        return ApolloContactProvider.from_settings(ctx.settings.get)
    if name == "seamless":
        return SeamlessContactProvider.from_settings(ctx.settings.get)
    raise ProviderUnavailable(f"unknown contact provider {name!r}")


class ContactQuery(BaseModel):
    lead_id: uuid.UUID | None = None
    priority: Priority | None = None
    validation_status: Literal["valid", "invalid", "catch_all", "unknown", "none"] | None = None
    source: str | None = Field(None, max_length=32)
    search: str | None = Field(None, max_length=200)
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(25, ge=1, le=100)
    sort: str = "priority"
    order: str = Field("asc", pattern="^(asc|desc)$")

    def where(self) -> repo.ContactFilter:
        return repo.ContactFilter(
            lead_id=self.lead_id,
            priority=self.priority,
            validation_status=self.validation_status,
            source=self.source,
            search=self.search,
        )


class ContactStatsQuery(ContactQuery):
    days: TrendDays = DEFAULT_DAYS


class Actor(BaseModel):
    actor: str | None = None


class ContactCreate(Actor):
    contact: ContactInput


class ContactUpdate(Actor):
    contact_id: uuid.UUID
    changes: ContactPatch


def contact_view(c: Contact) -> dict[str, Any]:
    return {col.key: getattr(c, col.key) for col in Contact.__table__.columns}


def to_enrich(lead: LeadRef) -> LeadToEnrich:
    return LeadToEnrich(
        lead.lead_id,
        lead.company_name,
        lead.normalized_company,
        lead.state,
        lead.city,
        lead.source_run_id,
        lead.job_title,
    )


async def build(ctx: ServiceContext) -> Wiring:
    def priority_patterns() -> dict[str, tuple[str, ...]]:
        return {
            level: tuple(ctx.settings.get(f"contact_priority_{level.lower()}_patterns"))
            for level in ("P1", "P2", "P3", "P4", "P5")
        }

    def cache_days() -> int:
        return int(ctx.settings.get("contact_cache_days"))

    def limits() -> tuple[int, list[str]]:
        return int(ctx.settings.get("max_contacts_per_job")), list(DECISION_MAKER_TITLES)

    async def on_lead_created(session: AsyncSession, batch: list[Inbound]) -> None:
        events = [i.payload for i in batch if isinstance(i.payload, LeadCreated)]
        rows = [
            {
                "lead_id": e.lead_id,
                "company_name": e.company_name,
                "normalized_company": e.normalized_company,
                "job_title": e.job_title,
                "city": e.city,
                "state": e.state,
                "source_run_id": e.run_id,
                "enrichment_status": "pending",
            }
            for e in events
        ]
        fresh = set(await repo.record_leads(session, rows))
        if not fresh or not ctx.settings.get("auto_enrich_on_lead_created"):
            return
        try:
            provider = contact_provider(ctx)
        except ProviderUnavailable as exc:
            # The leads stay pending; a contact-enrichment run picks them up once a provider is configured.
            log.warning("auto-enrichment skipped: %s", exc)
            return
        max_contacts, titles = limits()
        leads = [
            LeadToEnrich(e.lead_id, e.company_name, e.normalized_company, e.state, e.city, e.run_id, e.job_title)
            for e in events
            if e.lead_id in fresh
        ]
        try:
            # In a savepoint: when the provider cannot answer, the leads are still recorded (pending).
            async with session.begin_nested():
                await enrich_leads(
                    session,
                    ctx.outbox,
                    provider,
                    leads,
                    max_contacts=max_contacts,
                    titles=titles,
                    cache_days=cache_days(),
                    patterns=priority_patterns(),
                )
        except ProviderError as exc:
            if exc.kind not in LASTING_PROVIDER_ERRORS:
                raise  # timeouts, rate limits, outages: the batch is retried with backoff
            log.warning("auto-enrichment stopped, the leads stay pending for a run: %s: %s", provider.name, exc)

    async def on_run_command(session: AsyncSession, batch: list[Inbound]) -> None:
        for item in batch:
            cmd = item.payload
            assert isinstance(cmd, RunContactEnrichment)
            await run_contact_enrichment(session, cmd)

    async def enrich_chunk(
        run_id: uuid.UUID,
        provider: ContactProvider,
        size: int,
        max_contacts: int,
        titles: list[str],
        tally: EnrichTally,
    ) -> int | None:
        """Claim and enrich up to ``size`` pending leads in one transaction; None when none are left."""
        async with ctx.sessions() as s, s.begin():
            leads = await repo.claim_pending_leads(s, size)
            if not leads:
                return None
            part = await enrich_leads(
                s,
                ctx.outbox,
                provider,
                [to_enrich(x) for x in leads],
                max_contacts=max_contacts,
                titles=titles,
                cache_days=cache_days(),
                patterns=priority_patterns(),
            )
            tally.add(part)
            await repo.update_run(s, run_id, counts=tally.counts())
            await ctx.outbox.add(
                s,
                [
                    PipelineRunProgressed(
                        run_id=run_id, pipeline="contact_enrichment", status="running", counts=tally.counts()
                    )
                ],
                str(run_id),
            )
            return len(leads)

    async def run_contact_enrichment(session: AsyncSession, cmd: RunContactEnrichment) -> None:
        run_id = cmd.run_id
        async with ctx.sessions() as s, s.begin():
            await start_run(s, JobRun, run_id, cmd.requested_by)
            await ctx.outbox.add(
                s, [PipelineRunStarted(run_id=run_id, pipeline="contact_enrichment", status="running")], str(run_id)
            )
        tally = EnrichTally()
        status, error = "completed", None
        try:
            provider = contact_provider(ctx)
        except ProviderUnavailable as exc:
            provider, status, error = None, "failed", str(exc)
        max_contacts, titles = limits()
        remaining = cmd.limit or 10**9
        # Each chunk commits on its own: leads are claimed with SKIP LOCKED, so a crash loses nothing and a
        # redelivered command simply carries on with whatever is still pending.
        while provider is not None and remaining > 0:
            try:
                part = await enrich_chunk(run_id, provider, min(RUN_CHUNK, remaining), max_contacts, titles, tally)
            except ProviderError as exc:
                # Credits spent, key refused, provider down after retries: the run stops and says why; the
                # chunk rolled back, so its leads are still pending for the next run.
                tally.errors += 1
                status, error = "failed", f"{provider.name}: {exc}"
                break
            if part is None:
                break
            remaining -= part
        run = await repo.update_run(session, run_id, counts=tally.counts(), status=status, error_message=error)
        done_cls = PipelineRunCompleted if status == "completed" else PipelineRunFailed
        await ctx.outbox.add(
            session,
            [
                done_cls(
                    run_id=run_id,
                    pipeline="contact_enrichment",
                    status=status,  # type: ignore[arg-type]
                    started_at=run.started_at,
                    finished_at=run.finished_at,
                    counts=tally.counts(),
                    error_message=error,
                )
            ],
            str(run_id),
        )

    async def contacts_list(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        q = ContactQuery.model_validate(params)
        if q.sort not in CONTACT_SORT_FIELDS:
            raise QueryError(400, f"cannot sort by {q.sort!r}; one of: {', '.join(CONTACT_SORT_FIELDS)}")
        items, total = await repo.list_contacts(
            session, q.where(), page=q.page, page_size=q.page_size, sort=q.sort, order=q.order
        )
        return {"items": [contact_view(c) for c in items], "total": total, "page": q.page, "page_size": q.page_size}

    async def contacts_stats(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        q = ContactStatsQuery.model_validate(params)
        async with session.begin():
            await read_snapshot(session)
            return await repo.contact_stats(session, q.where(), DayWindow(q.days))

    async def contacts_get(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        contact = await session.get(Contact, uuid_param(params, "contact_id"))
        if contact is None:
            raise QueryError(404, "contact not found")
        return contact_view(contact)

    async def contacts_create(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = ContactCreate.model_validate(params)
        async with session.begin():
            return contact_view(await contacts.create_contact(session, ctx.outbox, req.contact, req.actor))

    async def contacts_update(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = ContactUpdate.model_validate(params)
        async with session.begin():
            contact = await contacts.update_contact(session, ctx.outbox, req.contact_id, req.changes, req.actor)
            return contact_view(contact)

    async def contacts_delete(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        contact_id = uuid_param(params, "contact_id")
        async with session.begin():
            await contacts.delete_contact(session, ctx.outbox, contact_id, Actor.model_validate(params).actor)
        return {"contact_id": contact_id, "deleted": True}

    async def on_lead_changed(session: AsyncSession, batch: list[Inbound]) -> None:
        """Follow sourcing's edits: a changed lead updates the copy here; a deleted one takes its contacts."""
        for item in batch:
            event = item.payload
            if isinstance(event, LeadDeleted):
                gone = await repo.forget_lead(session, event.lead_id)
                await ctx.outbox.add(
                    session,
                    [
                        ContactDeleted(contact_id=c, lead_id=event.lead_id, email=e, deleted_by=event.deleted_by)
                        for c, e in gone
                    ],
                    correlation_id=str(event.lead_id),
                )
            elif isinstance(event, LeadUpdated):
                await repo.update_lead_copy(session, event.lead_id, event.changes)

    async def on_outreach_sent(session: AsyncSession, batch: list[Inbound]) -> None:
        reached = [(i.payload.contact_id, i.payload.sent_at) for i in batch if isinstance(i.payload, OutreachSent)]
        await repo.record_outreach(session, reached)

    async def on_contact_validated(session: AsyncSession, batch: list[Inbound]) -> None:
        results = [(i.payload.contact_id, i.payload.status) for i in batch if isinstance(i.payload, ContactValidated)]
        await repo.record_validation(session, results)

    return Wiring(
        consumers={
            "enrichment-lead-created": on_lead_created,
            "enrichment-lead-changes": on_lead_changed,
            "enrichment-contact-validated": on_contact_validated,
            "enrichment-outreach-sent": on_outreach_sent,
            "enrichment-run": on_run_command,
        },
        queries={
            "q.enrichment.contacts.list": contacts_list,
            "q.enrichment.contacts.get": contacts_get,
            "q.enrichment.contacts.create": contacts_create,
            "q.enrichment.contacts.update": contacts_update,
            "q.enrichment.contacts.delete": contacts_delete,
            "q.enrichment.contacts.stats": contacts_stats,
            "q.enrichment.providers.test": provider_test_handler("enrichment", ctx.settings.get, PROVIDER_CHECKS),
            **run_queries("enrichment", JobRun),
        },
    )
