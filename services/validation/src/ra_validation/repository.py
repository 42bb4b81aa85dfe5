"""Every query of the validation service."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from ra_runtime.db import insert_unnest
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ra_validation.models import ContactRef, EmailResult, JobRun


async def record_contacts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[uuid.UUID]:
    """Add contacts to check; returns the ids that were new."""
    return await insert_unnest(
        session, ContactRef.__table__, rows, on_conflict_do_nothing=["contact_id"], returning="contact_id"
    )


async def change_email(session: AsyncSession, contact_id: uuid.UUID, email: str) -> bool:
    """A contact's new address is checked afresh; returns whether the contact is known here."""
    t = ContactRef.__table__
    result = await session.execute(
        sa.update(t)
        .where(t.c.contact_id == contact_id)
        .values(email=email.lower(), status=None, checked_at=None)
        .returning(t.c.contact_id)
    )
    return result.scalar_one_or_none() is not None


async def forget_contact(session: AsyncSession, contact_id: uuid.UUID) -> None:
    t = ContactRef.__table__
    await session.execute(sa.delete(t).where(t.c.contact_id == contact_id))


async def claim_unchecked(session: AsyncSession, limit: int) -> list[ContactRef]:
    """Contacts never checked, locked for this transaction (another replica skips them)."""
    stmt = (
        sa.select(ContactRef)
        .where(ContactRef.status.is_(None))
        .order_by(ContactRef.received_at, ContactRef.contact_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())


async def reusable_results(session: AsyncSession, emails: Sequence[str], reuse_days: int) -> dict[str, dict[str, Any]]:
    """Results younger than ``reuse_days`` (an Unknown only until its retry time): no paying twice."""
    if not emails or reuse_days <= 0:
        return {}
    t = EmailResult.__table__
    rows = await session.execute(
        sa.select(t).where(
            t.c.email.in_(list(emails)),
            t.c.checked_at > sa.func.now() - sa.func.make_interval(0, 0, 0, reuse_days),
            sa.or_(t.c.retry_after.is_(None), t.c.retry_after > sa.func.now()),
        )
    )
    return {r.email: dict(r._mapping) for r in rows}


async def store_results(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    t = EmailResult.__table__
    stmt = pg_insert(t)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.c.email],
        set_={c: stmt.excluded[c] for c in ("status", "sub_status", "provider", "raw", "checked_at", "retry_after")},
    )
    await session.execute(stmt, list(rows))


async def apply_results(
    session: AsyncSession, statuses: Mapping[str, str], checked_at: datetime
) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """Every contact with one of these addresses gets its status (SOP §4.2 step 5); returns
    ``(contact_id, lead_id, email)`` of each."""
    if not statuses:
        return []
    result = await session.execute(
        sa.text(
            """
            UPDATE validation.contacts AS c SET status = u.status, checked_at = :checked_at
            FROM unnest(CAST(:emails AS text[]), CAST(:statuses AS text[])) AS u(email, status)
            WHERE c.email = u.email
            RETURNING c.contact_id, c.lead_id, c.email
            """
        ),
        {"emails": list(statuses), "statuses": list(statuses.values()), "checked_at": checked_at},
    )
    return [(r.contact_id, r.lead_id, r.email) for r in result]


async def list_results(
    session: AsyncSession, *, status: str | None, provider: str | None, page: int, page_size: int
) -> tuple[list[EmailResult], int]:
    conditions: list[sa.ColumnElement[bool]] = []
    if status:
        conditions.append(EmailResult.status == status)
    if provider:
        conditions.append(EmailResult.provider == provider)
    total = (await session.execute(sa.select(sa.func.count()).select_from(EmailResult).where(*conditions))).scalar_one()
    rows = (
        await session.execute(
            sa.select(EmailResult)
            .where(*conditions)
            .order_by(EmailResult.checked_at.desc(), EmailResult.email)
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
    if status is not None:
        values |= {"status": status, "error_message": error_message, "finished_at": datetime.now(UTC)}
    await session.execute(sa.update(t).where(t.c.run_id == run_id).values(**values))
    run = await session.get(JobRun, run_id, populate_existing=True)
    assert run is not None
    return run
