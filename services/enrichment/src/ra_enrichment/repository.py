"""Every query of the enrichment service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from ra_runtime.db import insert_unnest
from ra_runtime.stats import DayWindow, utc_day
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ra_enrichment.models import Contact, JobRun, LeadRef, ProviderAnswer


async def record_leads(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[uuid.UUID]:
    """Add leads to the read model; returns the ids that were new."""
    if not rows:
        return []
    return await insert_unnest(
        session, LeadRef.__table__, rows, on_conflict_do_nothing=["lead_id"], returning="lead_id"
    )


async def claim_pending_leads(session: AsyncSession, limit: int) -> list[LeadRef]:
    """Pending leads, locked for this transaction; leads another replica is enriching are skipped."""
    stmt = (
        sa.select(LeadRef)
        .where(LeadRef.enrichment_status == "pending")
        .order_by(LeadRef.received_at, LeadRef.lead_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())


async def insert_contacts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> set[uuid.UUID]:
    if not rows:
        return set()
    # (lead_id, email) is the uq_contact_email_per_lead constraint: a repeated email is skipped.
    return set(
        await insert_unnest(
            session, Contact.__table__, rows, on_conflict_do_nothing=["lead_id", "email"], returning="contact_id"
        )
    )


async def mark_leads(session: AsyncSession, outcomes: Sequence[dict[str, Any]]) -> None:
    """Record each lead's enrichment outcome in one statement."""
    if not outcomes:
        return
    await session.execute(
        sa.text(
            """
            UPDATE enrichment.leads AS l SET
              enrichment_status = u.status, contact_count = u.contact_count,
              provider = u.provider, enriched_at = u.enriched_at
            FROM unnest(CAST(:lead_id AS uuid[]), CAST(:status AS text[]), CAST(:contact_count AS int[]),
                        CAST(:provider AS text[]), CAST(:enriched_at AS timestamptz[]))
                 AS u(lead_id, status, contact_count, provider, enriched_at)
            WHERE l.lead_id = u.lead_id
            """
        ),
        {k: [o[k] for o in outcomes] for k in ("lead_id", "status", "contact_count", "provider", "enriched_at")},
    )


CONTACT_SORT: dict[str, Any] = {
    "created_at": Contact.created_at,
    "updated_at": Contact.updated_at,
    "priority": sa.func.coalesce(Contact.priority, "P9"),
    "first_name": sa.func.coalesce(Contact.first_name, ""),
    "last_name": sa.func.coalesce(Contact.last_name, ""),
    "email": Contact.email,
    "title": sa.func.coalesce(Contact.title, ""),
    "company_name": sa.func.coalesce(Contact.company_name, ""),
    "state": sa.func.coalesce(Contact.state, ""),
    "source": Contact.source,
    "validation_status": sa.func.coalesce(Contact.validation_status, ""),
}


@dataclass(frozen=True)
class ContactFilter:
    lead_id: uuid.UUID | None = None
    priority: str | None = None
    #: a status, or "none" for contacts not validated yet
    validation_status: str | None = None
    source: str | None = None
    search: str | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        out: list[sa.ColumnElement[bool]] = []
        if self.lead_id:
            out.append(Contact.lead_id == self.lead_id)
        if self.priority:
            out.append(Contact.priority == self.priority)
        if self.validation_status == "none":
            out.append(Contact.validation_status.is_(None))
        elif self.validation_status:
            out.append(Contact.validation_status == self.validation_status)
        if self.source:
            out.append(Contact.source == self.source)
        if self.search:
            escaped = self.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            like = f"%{escaped}%"
            columns = (Contact.first_name, Contact.last_name, Contact.email, Contact.title, Contact.company_name)
            out.append(sa.or_(*(c.ilike(like) for c in columns)))
        return out


async def list_contacts(
    session: AsyncSession,
    where: ContactFilter,
    *,
    page: int,
    page_size: int,
    sort: str = "priority",
    order: str = "asc",
) -> tuple[list[Contact], int]:
    conditions = where.conditions()
    total = (await session.execute(sa.select(sa.func.count()).select_from(Contact).where(*conditions))).scalar_one()
    key = CONTACT_SORT[sort]
    ordering = [key.desc(), Contact.contact_id.desc()] if order == "desc" else [key.asc(), Contact.contact_id.asc()]
    rows = (
        await session.execute(
            sa.select(Contact).where(*conditions).order_by(*ordering).limit(page_size).offset((page - 1) * page_size)
        )
    ).scalars()
    return list(rows), int(total)


async def contact_stats(session: AsyncSession, where: ContactFilter, window: DayWindow) -> dict[str, Any]:
    """Counts by priority, by validation status (``none`` = not validated yet) and by source, from one
    statement (the three breakdowns always add up to the same total), and the matching contacts created
    per UTC day of ``window`` (a second statement: the caller reads both from one snapshot)."""
    conditions = where.conditions()
    priority = sa.func.coalesce(Contact.priority, "none")
    validation = sa.func.coalesce(Contact.validation_status, "none")
    rows = await session.execute(
        sa.select(priority, validation, Contact.source, sa.func.count())
        .where(*conditions)
        .group_by(priority, validation, Contact.source)
    )
    out: dict[str, Any] = {"by_priority": {}, "by_validation_status": {}, "by_source": {}, "total": 0}
    for p, v, src, n in rows:
        for name, key in (("by_priority", p), ("by_validation_status", v), ("by_source", src)):
            out[name][str(key)] = out[name].get(str(key), 0) + int(n)
        out["total"] += int(n)
    day = utc_day(Contact.created_at)
    created = await session.execute(
        sa.select(day, sa.func.count()).where(*conditions, Contact.created_at >= window.start).group_by(day)
    )
    out["trend"] = window.single(created, "created")
    return out


async def lead_contacts(session: AsyncSession, lead_id: uuid.UUID) -> list[Contact]:
    """A lead's contacts, best first (the first is the summary sourcing keeps on the lead)."""
    return list(
        (
            await session.execute(
                sa.select(Contact)
                .where(Contact.lead_id == lead_id)
                .order_by(sa.func.coalesce(Contact.priority, "P9"), Contact.created_at, Contact.contact_id)
            )
        ).scalars()
    )


async def update_run(
    session: AsyncSession,
    run_id: uuid.UUID,
    *,
    counts: dict[str, int],
    status: str | None = None,
    error_message: str | None = None,
) -> JobRun:
    t = JobRun.__table__
    values: dict[str, Any] = {"counts": counts}
    if status:
        values["status"] = status
        values["error_message"] = error_message
        if status != "running":
            values["finished_at"] = datetime.now(UTC)
    await session.execute(sa.update(t).where(t.c.run_id == run_id).values(**values))
    run = await session.get(JobRun, run_id, populate_existing=True)
    assert run is not None
    return run


#: The lead fields enrichment keeps a copy of (``lead.updated`` carries the changed ones).
COPIED_LEAD_FIELDS = ("company_name", "normalized_company", "job_title", "city", "state")


async def update_lead_copy(session: AsyncSession, lead_id: uuid.UUID, changes: dict[str, Any]) -> None:
    values = {k: v for k, v in changes.items() if k in COPIED_LEAD_FIELDS}
    if values:
        t = LeadRef.__table__
        await session.execute(sa.update(t).where(t.c.lead_id == lead_id).values(**values))


async def forget_lead(session: AsyncSession, lead_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """Drop the copy of a deleted lead and its contacts (they were found for that job posting); returns
    the deleted contacts' ids and emails."""
    t = Contact.__table__
    gone = await session.execute(sa.delete(t).where(t.c.lead_id == lead_id).returning(t.c.contact_id, t.c.email))
    deleted = [(r.contact_id, r.email) for r in gone]
    await session.execute(sa.delete(LeadRef.__table__).where(LeadRef.__table__.c.lead_id == lead_id))
    return deleted


# --- provider answers (the per-company cache) -----------------------------------------------------------


async def cached_answers(
    session: AsyncSession, provider: str, keys: Sequence[str], max_age_days: int
) -> dict[str, list[dict[str, Any]]]:
    """The stored answers of ``provider`` for ``keys`` that are younger than ``max_age_days``."""
    if not keys or max_age_days <= 0:
        return {}
    t = ProviderAnswer.__table__
    rows = await session.execute(
        sa.select(t.c.company_key, t.c.candidates).where(
            t.c.provider == provider,
            t.c.company_key.in_(list(keys)),
            t.c.fetched_at > sa.func.now() - sa.func.make_interval(0, 0, 0, max_age_days),
        )
    )
    return {key: list(candidates) for key, candidates in rows}


async def store_answers(session: AsyncSession, provider: str, answers: dict[str, list[dict[str, Any]]]) -> None:
    if not answers:
        return
    t = ProviderAnswer.__table__
    stmt = pg_insert(t)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.c.provider, t.c.company_key],
        set_={"candidates": stmt.excluded.candidates, "fetched_at": sa.func.now()},
    )
    await session.execute(stmt, [{"provider": provider, "company_key": k, "candidates": v} for k, v in answers.items()])


async def record_validation(session: AsyncSession, results: Sequence[tuple[uuid.UUID, str]]) -> None:
    """``contact.validated``: each contact's status (SOP §4.2 step 5), in one statement; the latest check of a
    contact checked twice in one batch wins (UPDATE … FROM would pick any of several rows)."""
    latest = dict(results)
    if not latest:
        return
    await session.execute(
        sa.text(
            """
            UPDATE enrichment.contacts AS c SET validation_status = u.status, updated_at = now()
            FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[])) AS u(contact_id, status)
            WHERE c.contact_id = u.contact_id
            """
        ),
        {"ids": list(latest), "statuses": list(latest.values())},
    )


async def record_outreach(session: AsyncSession, reached: Sequence[tuple[uuid.UUID, datetime]]) -> None:
    """``outreach.sent``: each contact's last outreach date (SOP §5.2), never moved backwards."""
    latest: dict[uuid.UUID, datetime] = {}
    for contact_id, at in reached:  # one row per contact: UPDATE … FROM would pick any of several
        latest[contact_id] = max(at, latest.get(contact_id, at))
    if not latest:
        return
    await session.execute(
        sa.text(
            """
            UPDATE enrichment.contacts AS c SET last_outreach_at = u.sent_at, updated_at = now()
            FROM unnest(CAST(:ids AS uuid[]), CAST(:times AS timestamptz[])) AS u(contact_id, sent_at)
            WHERE c.contact_id = u.contact_id AND (c.last_outreach_at IS NULL OR c.last_outreach_at < u.sent_at)
            """
        ),
        {"ids": list(latest), "times": list(latest.values())},
    )
