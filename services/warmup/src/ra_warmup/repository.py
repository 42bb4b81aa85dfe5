"""Every query of the warmup service."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from ra_warmup.models import SenderMailbox

SORTABLE = {
    "email": SenderMailbox.email,
    "display_name": SenderMailbox.display_name,
    "provider": SenderMailbox.provider,
    "warmup_status": SenderMailbox.warmup_status,
    "connection_status": SenderMailbox.connection_status,
    "daily_send_limit": SenderMailbox.daily_send_limit,
    "emails_sent_today": SenderMailbox.emails_sent_today,
    "created_at": SenderMailbox.created_at,
    "last_tested_at": SenderMailbox.last_tested_at,
}


async def get(session: AsyncSession, mailbox_id: uuid.UUID, *, lock: bool = False) -> SenderMailbox | None:
    stmt = sa.select(SenderMailbox).where(SenderMailbox.mailbox_id == mailbox_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def email_taken(session: AsyncSession, email: str, *, other_than: uuid.UUID | None = None) -> bool:
    stmt = sa.select(SenderMailbox.mailbox_id).where(SenderMailbox.email == email)
    if other_than is not None:
        stmt = stmt.where(SenderMailbox.mailbox_id != other_than)
    return (await session.execute(stmt.limit(1))).first() is not None


async def list_mailboxes(
    session: AsyncSession,
    *,
    search: str | None,
    warmup_status: str | None,
    connection_status: str | None,
    provider: str | None,
    is_active: bool | None,
    sort: str,
    descending: bool,
    page: int,
    page_size: int,
) -> tuple[list[SenderMailbox], int]:
    conditions: list[sa.ColumnElement[bool]] = []
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            sa.or_(
                SenderMailbox.email.ilike(pattern),
                SenderMailbox.display_name.ilike(pattern),
                SenderMailbox.provider.ilike(pattern),
                SenderMailbox.smtp_host.ilike(pattern),
            )
        )
    if warmup_status:
        conditions.append(SenderMailbox.warmup_status == warmup_status)
    if connection_status:
        conditions.append(SenderMailbox.connection_status == connection_status)
    if provider:
        conditions.append(SenderMailbox.provider == provider.lower())
    if is_active is not None:
        conditions.append(SenderMailbox.is_active == is_active)
    column = SORTABLE[sort]
    ordered = column.desc().nulls_last() if descending else column.asc().nulls_last()
    stmt = (
        sa.select(SenderMailbox)
        .where(*conditions)
        .order_by(ordered, SenderMailbox.mailbox_id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    rows = list((await session.execute(stmt)).scalars())
    total = (
        await session.execute(sa.select(sa.func.count()).select_from(SenderMailbox).where(*conditions))
    ).scalar_one()
    return rows, int(total)


async def all_mailbox_ids(session: AsyncSession) -> list[uuid.UUID]:
    stmt = sa.select(SenderMailbox.mailbox_id).order_by(SenderMailbox.email)
    return list((await session.execute(stmt)).scalars())


async def stats(session: AsyncSession, today: date) -> dict[str, Any]:
    """Counts in one statement (one snapshot, so the breakdowns add up)."""
    m = SenderMailbox
    sending = sa.and_(
        m.is_active, m.warmup_status.in_(("COLD_READY", "ACTIVE")), m.connection_status == "ok", ~m.is_blacklisted
    )
    grouped = sa.select(
        m.warmup_status,
        m.connection_status,
        m.provider,
        sa.func.count().label("n"),
        sa.func.count().filter(m.is_active).label("active"),
        sa.func.coalesce(sa.func.sum(m.emails_sent_today).filter(m.counters_day == today), 0).label("sent"),
        sa.func.coalesce(sa.func.sum(m.daily_send_limit).filter(sending), 0).label("capacity"),
        sa.func.count().filter(m.is_blacklisted).label("blacklisted"),
    ).group_by(m.warmup_status, m.connection_status, m.provider)
    out: dict[str, Any] = {
        "total": 0,
        "active": 0,
        "by_status": {},
        "by_connection": {},
        "by_provider": {},
        "sent_today": 0,
        "daily_capacity": 0,
        "blacklisted": 0,
    }
    for row in (await session.execute(grouped)).all():
        out["total"] += row.n
        out["active"] += row.active
        out["sent_today"] += int(row.sent)
        out["daily_capacity"] += int(row.capacity)
        out["blacklisted"] += row.blacklisted
        for key, value in (
            ("by_status", row.warmup_status),
            ("by_connection", row.connection_status),
            ("by_provider", row.provider),
        ):
            out[key][value] = out[key].get(value, 0) + row.n
    return out


async def delete(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[tuple[uuid.UUID, str]]:
    """Delete the mailboxes; returns (id, email) of those that existed."""
    if not ids:
        return []
    t = SenderMailbox.__table__
    result = await session.execute(
        sa.delete(t).where(t.c.mailbox_id.in_(list(ids))).returning(t.c.mailbox_id, t.c.email)
    )
    return [(r.mailbox_id, r.email) for r in result]


async def count_sent(session: AsyncSession, mailbox_id: uuid.UUID, day: date) -> None:
    """One outreach email sent on ``day`` (UTC). A send of an earlier day only adds to the total."""
    m = SenderMailbox.__table__.c
    await session.execute(
        sa.update(SenderMailbox.__table__)
        .where(m.mailbox_id == mailbox_id)
        .values(
            total_emails_sent=m.total_emails_sent + 1,
            emails_sent_today=sa.case(
                (m.counters_day == day, m.emails_sent_today + 1),
                (sa.or_(m.counters_day.is_(None), m.counters_day < day), 1),
                else_=m.emails_sent_today,
            ),
            counters_day=sa.func.greatest(sa.func.coalesce(m.counters_day, day), day),
        )
    )


async def count_bounce(session: AsyncSession, mailbox_id: uuid.UUID) -> None:
    m = SenderMailbox.__table__.c
    await session.execute(
        sa.update(SenderMailbox.__table__).where(m.mailbox_id == mailbox_id).values(bounce_count=m.bounce_count + 1)
    )


async def reset_daily_counters(session: AsyncSession, day: date) -> int:
    """A new UTC day: ``emails_sent_today`` back to 0 wherever it counts an earlier day (idempotent)."""
    m = SenderMailbox.__table__.c
    result = await session.execute(
        sa.update(SenderMailbox.__table__)
        .where(sa.or_(m.counters_day.is_(None), m.counters_day < day))
        .values(emails_sent_today=0, counters_day=day)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
