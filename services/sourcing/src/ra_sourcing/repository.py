"""Every query of the sourcing service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ra_sourcing.models import Client, DedupClaim, JobRun, Lead

DEDUP_WINDOW = timedelta(days=30)


async def claim_dedup_keys(session: AsyncSession, claims: Sequence[tuple[str, uuid.UUID]]) -> set[str]:
    """Atomically claim ``dedup_key → lead_id``; returns the keys this transaction won.

    A key already claimed within the dedup window is lost (the lead exists); an older claim is taken over.
    Two concurrent runs serialise on the claim rows, so they cannot both insert the same lead.
    """
    if not claims:
        return set()
    t = DedupClaim.__table__
    claim = pg_insert(t)
    stmt = claim.on_conflict_do_update(
        index_elements=[t.c.dedup_key],
        set_={"lead_id": claim.excluded.lead_id, "claimed_at": sa.func.now()},
        where=t.c.claimed_at < sa.func.now() - sa.text(f"interval '{DEDUP_WINDOW.days} days'"),
    ).returning(t.c.dedup_key)
    # Rows passed separately: SQLAlchemy compiles the statement once and batches the rows itself.
    rows = [{"dedup_key": k, "lead_id": lid} for k, lid in claims]
    return set((await session.execute(stmt, rows)).scalars())


async def release_dedup_keys(session: AsyncSession, keys: Sequence[str]) -> None:
    if keys:
        t = DedupClaim.__table__
        await session.execute(sa.delete(t).where(t.c.dedup_key.in_(keys)))


async def insert_leads(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[uuid.UUID]:
    """Insert leads; a lead whose job link already exists is not inserted. Returns the inserted ids."""
    if not rows:
        return []
    t = Lead.__table__
    stmt = pg_insert(t).on_conflict_do_nothing(index_elements=[t.c.job_link]).returning(t.c.lead_id)
    return list((await session.execute(stmt, list(rows))).scalars())


async def upsert_clients(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Create or update ClientInfo per company (``rows`` hold one entry per normalized company)."""
    if not rows:
        return
    t = Client.__table__
    stmt = pg_insert(t)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.c.normalized_company],
        set_={
            "lead_count": t.c.lead_count + stmt.excluded.lead_count,
            "last_seen_at": sa.func.now(),
            "industry": sa.func.coalesce(t.c.industry, stmt.excluded.industry),
        },
    )
    await session.execute(stmt, list(rows))


async def mark_enriched(session: AsyncSession, updates: Sequence[dict[str, Any]]) -> int:
    """Apply ``lead.enriched`` in one statement: status NEW → ENRICHED plus the first contact's summary."""
    if not updates:
        return 0
    cols = (
        "lead_id",
        "contact_count",
        "enriched_at",
        "first_name",
        "last_name",
        "email",
        "phone",
        "title",
        "priority",
    )
    arrays = {c: [u.get(c) for u in updates] for c in cols}
    result = await session.execute(
        sa.text(
            """
            UPDATE sourcing.leads AS l SET
              status = CASE WHEN u.contact_count > 0 AND l.status = 'NEW' THEN 'ENRICHED' ELSE l.status END,
              contact_count = u.contact_count,
              enriched_at = u.enriched_at,
              contact_first_name = COALESCE(u.first_name, l.contact_first_name),
              contact_last_name = COALESCE(u.last_name, l.contact_last_name),
              contact_email = COALESCE(u.email, l.contact_email),
              contact_phone = COALESCE(u.phone, l.contact_phone),
              contact_title = COALESCE(u.title, l.contact_title),
              contact_priority = COALESCE(u.priority, l.contact_priority),
              updated_at = now()
            FROM unnest(
              CAST(:lead_id AS uuid[]), CAST(:contact_count AS int[]), CAST(:enriched_at AS timestamptz[]),
              CAST(:first_name AS text[]), CAST(:last_name AS text[]), CAST(:email AS text[]),
              CAST(:phone AS text[]), CAST(:title AS text[]), CAST(:priority AS text[])
            ) AS u(lead_id, contact_count, enriched_at, first_name, last_name, email, phone, title, priority)
            WHERE l.lead_id = u.lead_id
            """
        ),
        arrays,
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- job runs ---------------------------------------------------------------------------------------


async def finish_run(
    session: AsyncSession,
    run_id: uuid.UUID,
    *,
    status: str,
    counts: dict[str, int],
    per_source: dict[str, Any],
    error_message: str | None,
) -> JobRun:
    t = JobRun.__table__
    await session.execute(
        sa.update(t)
        .where(t.c.run_id == run_id)
        .values(
            status=status,
            counts=counts,
            per_source=per_source,
            error_message=error_message,
            finished_at=datetime.now(UTC),
        )
    )
    run = await session.get(JobRun, run_id, populate_existing=True)
    assert run is not None
    return run


# --- leads --------------------------------------------------------------------------------------------

LEAD_SORT_COLUMNS = {
    "created_at",
    "posted_at",
    "company_name",
    "job_title",
    "state",
    "city",
    "status",
    "salary_min",
    "salary_max",
    "contact_count",
    "quality_score",
}


async def list_leads(
    session: AsyncSession,
    *,
    page: int,
    page_size: int,
    status: str | None = None,
    source: str | None = None,
    state: str | None = None,
    search: str | None = None,
    run_id: uuid.UUID | None = None,
    sort: str = "created_at",
    order: str = "desc",
) -> tuple[list[Lead], int]:
    conditions: list[sa.ColumnElement[bool]] = []
    if status:
        conditions.append(Lead.status == status)
    if source:
        conditions.append(sa.literal(source) == sa.any_(Lead.sources))
    if state:
        conditions.append(Lead.state == state)
    if run_id:
        conditions.append(Lead.run_id == run_id)
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        conditions.append(sa.or_(Lead.company_name.ilike(like), Lead.job_title.ilike(like), Lead.city.ilike(like)))
    where = sa.and_(sa.true(), *conditions)
    total = (await session.execute(sa.select(sa.func.count()).select_from(Lead).where(where))).scalar_one()
    column = getattr(Lead, sort)
    ordering = column.desc().nulls_last() if order == "desc" else column.asc().nulls_last()
    rows = (
        await session.execute(
            # lead_id breaks ties so that pages are stable
            sa.select(Lead)
            .where(where)
            .order_by(ordering, Lead.lead_id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
    ).scalars()
    return list(rows), int(total)


async def get_lead(session: AsyncSession, lead_id: uuid.UUID) -> Lead | None:
    return await session.get(Lead, lead_id)


async def count_leads(session: AsyncSession) -> int:
    return int((await session.execute(sa.select(sa.func.count()).select_from(Lead))).scalar_one())
