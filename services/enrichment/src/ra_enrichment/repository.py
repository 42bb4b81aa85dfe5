"""Every query of the enrichment service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ra_enrichment.models import Contact, JobRun, LeadRef


async def record_leads(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[uuid.UUID]:
    """Add leads to the read model; returns the ids that were new."""
    if not rows:
        return []
    t = LeadRef.__table__
    stmt = pg_insert(t).on_conflict_do_nothing(index_elements=[t.c.lead_id]).returning(t.c.lead_id)
    return list((await session.execute(stmt, list(rows))).scalars())


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
    t = Contact.__table__
    stmt = pg_insert(t).on_conflict_do_nothing(constraint="uq_contact_email_per_lead").returning(t.c.contact_id)
    return set((await session.execute(stmt, list(rows))).scalars())


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


async def list_contacts(
    session: AsyncSession, *, lead_id: uuid.UUID | None, page: int, page_size: int
) -> tuple[list[Contact], int]:
    where = Contact.lead_id == lead_id if lead_id else sa.true()
    total = (await session.execute(sa.select(sa.func.count()).select_from(Contact).where(where))).scalar_one()
    rows = (
        await session.execute(
            sa.select(Contact)
            .where(where)
            .order_by(Contact.lead_id, Contact.priority, Contact.created_at, Contact.contact_id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
    ).scalars()
    return list(rows), int(total)


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


async def forget_lead(session: AsyncSession, lead_id: uuid.UUID) -> None:
    """Drop the copy of a deleted lead and its contacts (they were found for that job posting)."""
    await session.execute(sa.delete(Contact.__table__).where(Contact.__table__.c.lead_id == lead_id))
    await session.execute(sa.delete(LeadRef.__table__).where(LeadRef.__table__.c.lead_id == lead_id))
