"""Every query of the outreach service. Functions run inside the caller's transaction; none commits."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from ra_contracts.events import MailboxState
from ra_runtime.stats import DayWindow, utc_day
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from ra_outreach.eligibility import Candidate, MailboxRoom, usable
from ra_outreach.models import (
    Contact,
    JobRun,
    Mailbox,
    MailboxUsage,
    OutreachEvent,
    Recipient,
    Suppression,
    Template,
)

Db = AsyncSession | AsyncConnection

#: Statuses of an event that reached (or may have reached) its contact: they count for the per-lead limit.
REACHED = ("claimed", "sending", "sent", "deferred", "uncertain")
#: Contact fields kept in the read model, as named in ``contact.*`` events.
CONTACT_FIELDS = ("first_name", "last_name", "email", "title", "priority", "company_name", "state", "job_title")
#: Fields of a lead that each of its contacts carries (``lead.updated``).
LEAD_FIELDS = ("company_name", "job_title", "state")
#: A contact's merge fields, frozen on its outreach event when claimed.
MERGE_KEYS = ("first_name", "last_name", "email", "title", "company_name", "state", "job_title")


def utc_today() -> date:
    return datetime.now(UTC).date()


# --- read model: contacts -----------------------------------------------------------------------------


async def upsert_contacts(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """``contact.created``: a new contact, or the details of one whose validation arrived first."""
    if not rows:
        return
    t = Contact.__table__
    stmt = pg_insert(t).values([dict(r) for r in rows])
    keep = ("first_name", "last_name", "email", "title", "priority", "company_name", "state", "job_title", "lead_id")
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[t.c.contact_id],
            set_={**{k: stmt.excluded[k] for k in keep}, "updated_at": sa.func.now()},
        )
    )


async def update_contact(session: AsyncSession, contact_id: uuid.UUID, changes: Mapping[str, Any]) -> None:
    values = {k: v for k, v in changes.items() if k in CONTACT_FIELDS}
    if "email" in values:
        if not values["email"]:
            values.pop("email")
        else:
            values["email"] = str(values["email"]).strip().lower()
    if "validation_status" in changes and changes["validation_status"] is None:
        values["validation_status"] = None
    if not values:
        return
    await session.execute(
        sa.update(Contact).where(Contact.contact_id == contact_id).values(**values, updated_at=sa.func.now())
    )


async def delete_contact(session: AsyncSession, contact_id: uuid.UUID) -> None:
    await session.execute(sa.update(Contact).where(Contact.contact_id == contact_id).values(deleted_at=sa.func.now()))


async def record_validations(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """``contact.validated``: the status of the address checked (a row is made when the contact itself has
    not arrived yet; ``contact.created`` fills it in)."""
    if not rows:
        return
    t = Contact.__table__
    stmt = pg_insert(t).values([dict(r) for r in rows])
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[t.c.contact_id],
            set_={
                "validation_status": stmt.excluded.validation_status,
                "validated_email": stmt.excluded.validated_email,
                "updated_at": sa.func.now(),
            },
        )
    )


async def update_lead_fields(session: AsyncSession, lead_id: uuid.UUID, changes: Mapping[str, Any]) -> None:
    values = {k: changes[k] for k in LEAD_FIELDS if k in changes}
    if values:
        await session.execute(
            sa.update(Contact).where(Contact.lead_id == lead_id).values(**values, updated_at=sa.func.now())
        )


# --- read model: mailboxes ----------------------------------------------------------------------------


async def upsert_mailbox(session: AsyncSession, state: MailboxState) -> None:
    """Apply a mailbox's state unless a newer version is already known."""
    t = Mailbox.__table__
    values = {c.key: getattr(state, c.key) for c in t.columns if c.key not in ("deleted_at", "updated_at")}
    stmt = pg_insert(t).values(**values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[t.c.mailbox_id],
            set_={**{k: stmt.excluded[k] for k in values if k != "mailbox_id"}, "updated_at": sa.func.now()},
            where=t.c.version < stmt.excluded.version,
        )
    )


async def delete_mailbox(session: AsyncSession, mailbox_id: uuid.UUID) -> None:
    await session.execute(sa.update(Mailbox).where(Mailbox.mailbox_id == mailbox_id).values(deleted_at=sa.func.now()))


async def usable_mailboxes(session: AsyncSession) -> list[Mailbox]:
    rows = (await session.execute(sa.select(Mailbox).where(Mailbox.deleted_at.is_(None)))).scalars()
    return [
        m
        for m in rows
        if usable(
            warmup_status=m.warmup_status,
            is_active=m.is_active,
            connection_status=m.connection_status,
            is_blacklisted=m.is_blacklisted,
        )
    ]


async def mailbox_rooms(session: AsyncSession, *, lock: bool) -> tuple[list[MailboxRoom], int]:
    """Every mailbox that may send, with what it has claimed today, and the total claimed today by all
    mailboxes. With ``lock`` the usage rows are made and locked (``FOR UPDATE``) until the transaction ends."""
    today = utc_today()
    boxes = await usable_mailboxes(session)
    u = MailboxUsage.__table__
    if lock and boxes:
        await session.execute(
            pg_insert(u)
            .values([{"mailbox_id": m.mailbox_id, "day": today, "claimed": 0} for m in boxes])
            .on_conflict_do_nothing()
        )
    query = sa.select(u.c.mailbox_id, u.c.claimed).where(u.c.day == today)
    if lock:
        query = query.with_for_update()
    used = {row.mailbox_id: int(row.claimed) for row in await session.execute(query)}
    rooms = [
        MailboxRoom(m.mailbox_id, m.email, m.display_name, m.daily_send_limit, used.get(m.mailbox_id, 0))
        for m in sorted(boxes, key=lambda m: m.email)
    ]
    return rooms, sum(used.values())


async def add_usage(session: AsyncSession, counts: Mapping[uuid.UUID, int]) -> None:
    if not counts:
        return
    u = MailboxUsage.__table__
    stmt = pg_insert(u).values([{"mailbox_id": k, "day": utc_today(), "claimed": n} for k, n in counts.items()])
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[u.c.mailbox_id, u.c.day], set_={"claimed": u.c.claimed + stmt.excluded.claimed}
        )
    )


async def claimed_today(session: AsyncSession) -> int:
    u = MailboxUsage.__table__
    total = (
        await session.execute(sa.select(sa.func.coalesce(sa.func.sum(u.c.claimed), 0)).where(u.c.day == utc_today()))
    ).scalar_one()
    return int(total)


async def get_mailbox(session: AsyncSession, mailbox_id: uuid.UUID) -> Mailbox | None:
    return await session.get(Mailbox, mailbox_id)


# --- eligibility --------------------------------------------------------------------------------------


async def candidates(session: AsyncSession, *, cooldown: timedelta) -> list[Candidate]:
    """Every contact with what the rules need, best first (priority, then oldest)."""
    e = OutreachEvent.__table__
    reached = (
        sa.select(e.c.lead_id, sa.func.count(sa.distinct(e.c.contact_id)).label("n"))
        .where(e.c.status.in_(REACHED), e.c.created_at > sa.func.now() - cooldown)
        .group_by(e.c.lead_id)
        .subquery()
    )
    c, s, r = Contact.__table__, Suppression.__table__, Recipient.__table__
    query = (
        sa.select(
            c.c.contact_id,
            c.c.lead_id,
            c.c.email,
            c.c.validation_status,
            c.c.validated_email,
            c.c.last_skip_reason,
            s.c.email.isnot(None).label("suppressed"),
            r.c.last_outreach_at,
            sa.func.coalesce(reached.c.n, 0).label("lead_reached"),
        )
        .select_from(
            c.outerjoin(s, s.c.email == c.c.email)
            .outerjoin(r, r.c.email == c.c.email)
            .outerjoin(reached, reached.c.lead_id == c.c.lead_id)
        )
        .where(c.c.deleted_at.is_(None), c.c.email != "")
        .order_by(sa.func.coalesce(c.c.priority, "P9"), c.c.created_at, c.c.contact_id)
    )
    return [
        Candidate(
            contact_id=row.contact_id,
            lead_id=row.lead_id,
            email=row.email,
            validation_status=row.validation_status,
            validated_email=row.validated_email,
            suppressed=bool(row.suppressed),
            last_outreach_at=row.last_outreach_at,
            lead_reached=int(row.lead_reached),
            last_skip_reason=row.last_skip_reason,
        )
        for row in await session.execute(query)
    ]


async def merge_fields(session: AsyncSession, contact_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    if not contact_ids:
        return {}
    cols = [Contact.__table__.c[k] for k in MERGE_KEYS]
    rows = await session.execute(sa.select(Contact.contact_id, *cols).where(Contact.contact_id.in_(list(contact_ids))))
    return {row.contact_id: {k: getattr(row, k) for k in MERGE_KEYS} for row in rows}


async def record_skips(
    session: AsyncSession,
    skipped: Sequence[tuple[Candidate, str]],
    *,
    run_id: uuid.UUID,
    channel: str,
) -> list[tuple[Candidate, str]]:
    """A SKIPPED event for each contact whose reason differs from its last recorded one; returns those."""
    fresh = [(c, reason) for c, reason in skipped if c.last_skip_reason != reason]
    if not fresh:
        return []
    rows = [
        {
            "event_id": uuid.uuid4(),
            "run_id": run_id,
            "contact_id": c.contact_id,
            "lead_id": c.lead_id,
            "email": c.email,
            "channel": channel,
            "status": "skipped",
            "skip_reason": reason,
            "fields": {},
            "attempts": 0,
        }
        for c, reason in fresh
    ]
    for part in _chunks(rows, 2000):
        await session.execute(sa.insert(OutreachEvent.__table__), part)
    t = Contact.__table__
    await session.execute(
        sa.update(t).where(t.c.contact_id == sa.bindparam("cid")).values(last_skip_reason=sa.bindparam("reason")),
        [{"cid": c.contact_id, "reason": reason} for c, reason in fresh],
    )
    return fresh


def _chunks(rows: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


# --- claims -------------------------------------------------------------------------------------------


async def claim_recipients(
    session: AsyncSession, claims: Sequence[tuple[str, uuid.UUID]], *, cooldown: timedelta
) -> set[str]:
    """Atomically take each address (with the event that reaches it) unless it was reached within the
    cooldown — by anyone, any replica. Returns the addresses taken. The addresses must be distinct."""
    if not claims:
        return set()
    r = Recipient.__table__
    stmt = sa.text(
        f"""INSERT INTO {r.fullname} AS r (email, last_outreach_at, last_event_id)
            SELECT u.email, now(), u.event_id FROM unnest(CAST(:emails AS text[]), CAST(:ids AS uuid[]))
                AS u(email, event_id)
            ON CONFLICT (email) DO UPDATE
                SET last_outreach_at = excluded.last_outreach_at, last_event_id = excluded.last_event_id,
                    previous_outreach_at = r.last_outreach_at
                WHERE r.last_outreach_at < now() - CAST(:cooldown AS interval)
            RETURNING r.email"""
    )
    result = await session.execute(
        stmt,
        {
            "emails": [e for e, _ in claims],
            "ids": [i for _, i in claims],
            "cooldown": cooldown,
        },
    )
    return set(result.scalars())


async def insert_events(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    for part in _chunks(list(rows), 2000):
        await session.execute(sa.insert(OutreachEvent.__table__), [dict(r) for r in part])


async def clear_skip_reasons(session: Db, contact_ids: Sequence[uuid.UUID]) -> None:
    if contact_ids:
        await session.execute(
            sa.update(Contact.__table__)
            .where(Contact.contact_id.in_(list(contact_ids)), Contact.last_skip_reason.isnot(None))
            .values(last_skip_reason=None)
        )


# --- sending ------------------------------------------------------------------------------------------


@dataclass
class SendJob:
    """A claimed message, ready to go out."""

    event_id: uuid.UUID
    run_id: uuid.UUID | None
    contact_id: uuid.UUID
    lead_id: uuid.UUID
    email: str
    mailbox_id: uuid.UUID
    message_id: str
    template_id: uuid.UUID | None
    fields: dict[str, Any]
    attempts: int


def _job(row: Any) -> SendJob:
    return SendJob(
        event_id=row.event_id,
        run_id=row.run_id,
        contact_id=row.contact_id,
        lead_id=row.lead_id,
        email=row.email,
        mailbox_id=row.mailbox_id,
        message_id=row.message_id,
        template_id=row.template_id,
        fields=dict(row.fields or {}),
        attempts=int(row.attempts),
    )


async def mark_uncertain(session: AsyncSession) -> list[OutreachEvent]:
    """Messages left ``sending`` by a dead process: the server may or may not have accepted them, so they
    are never sent again; a person checks them by their Message-ID. Only call under the send lock."""
    rows = await session.execute(
        sa.update(OutreachEvent)
        .where(OutreachEvent.status == "sending", OutreachEvent.channel == "smtp")
        .values(
            status="uncertain",
            updated_at=sa.func.now(),
            smtp_reply="the sending process stopped during the SMTP conversation; check the mailbox's Sent folder",
        )
        .returning(OutreachEvent)
    )
    return list(rows.scalars())


async def leftover_claims(session: AsyncSession) -> list[SendJob]:
    """Messages claimed by a run that died before sending them (nothing was sent yet)."""
    e = OutreachEvent.__table__
    rows = await session.execute(
        sa.select(e).where(e.c.status == "claimed", e.c.channel == "smtp").order_by(e.c.created_at, e.c.event_id)
    )
    return [_job(r) for r in rows]


async def pending_sends(session: AsyncSession) -> bool:
    """Whether a send run has work besides new contacts: claims of a dead run, messages to reconcile, or
    deferred messages whose retry time has come."""
    e = OutreachEvent.__table__
    found = await session.execute(
        sa.select(sa.literal(1))
        .where(
            e.c.channel == "smtp",
            sa.or_(
                e.c.status.in_(("claimed", "sending")),
                sa.and_(e.c.status == "deferred", e.c.retry_at <= sa.func.now()),
            ),
        )
        .limit(1)
    )
    return found.first() is not None


async def release_claims(session: AsyncSession, run_id: uuid.UUID) -> int:
    """A cancelled run gives back what it claimed and did not send: first sends become ``cancelled`` and their
    addresses' claims are undone (cooldown as before the claim), retries go back to ``deferred``; the
    mailboxes' usage of the day shrinks accordingly. Returns the messages given back. Call under the run lock."""
    e, r, u = OutreachEvent.__table__, Recipient.__table__, MailboxUsage.__table__
    rows = (
        await session.execute(
            sa.update(e)
            .where(e.c.run_id == run_id, e.c.status == "claimed", e.c.channel == "smtp")
            .values(
                status=sa.case((e.c.attempts > 0, "deferred"), else_="cancelled"),
                retry_at=sa.case((e.c.attempts > 0, sa.func.now()), else_=e.c.retry_at),
                updated_at=sa.func.now(),
            )
            .returning(e.c.event_id, e.c.status, e.c.mailbox_id)
        )
    ).all()
    cancelled = [row.event_id for row in rows if row.status == "cancelled"]
    if cancelled:
        await session.execute(sa.delete(r).where(r.c.last_event_id.in_(cancelled), r.c.previous_outreach_at.is_(None)))
        await session.execute(
            sa.update(r)
            .where(r.c.last_event_id.in_(cancelled))
            .values(last_outreach_at=r.c.previous_outreach_at, previous_outreach_at=None)
        )
    per_mailbox = Counter(row.mailbox_id for row in rows if row.mailbox_id is not None)
    for mailbox_id, n in per_mailbox.items():
        await session.execute(
            sa.update(u)
            .where(u.c.mailbox_id == mailbox_id, u.c.day == utc_today())
            .values(claimed=sa.func.greatest(u.c.claimed - n, 0))
        )
    return len(rows)


async def due_deferred(session: AsyncSession, limit: int) -> list[Any]:
    e = OutreachEvent.__table__
    rows = await session.execute(
        sa.select(e)
        .where(e.c.status == "deferred", e.c.channel == "smtp", e.c.retry_at <= sa.func.now())
        .order_by(e.c.retry_at, e.c.event_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows)


async def reclaim(session: AsyncSession, rows: Sequence[tuple[uuid.UUID, uuid.UUID, str]], run_id: uuid.UUID) -> None:
    """Deferred messages claimed again, each with its (possibly new) mailbox and Message-ID."""
    if rows:
        e = OutreachEvent.__table__
        await session.execute(
            sa.update(e)
            .where(e.c.event_id == sa.bindparam("eid"))
            .values(
                status="claimed",
                mailbox_id=sa.bindparam("mid"),
                message_id=sa.bindparam("msgid"),
                run_id=run_id,
                updated_at=sa.func.now(),
            ),
            [{"eid": a, "mid": b, "msgid": c} for a, b, c in rows],
        )


async def mark_sending(db: Db, event_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """``claimed`` → ``sending``, committed before the SMTP conversations start. Returns the events marked
    (one no longer claimed has nothing to send)."""
    if not event_ids:
        return set()
    result = await db.execute(
        sa.update(OutreachEvent.__table__)
        .where(OutreachEvent.event_id.in_(list(event_ids)), OutreachEvent.status == "claimed")
        .values(status="sending", updated_at=sa.func.now())
        .returning(OutreachEvent.event_id)
    )
    return set(result.scalars())


async def finish_events(session: Db, rows: Sequence[Mapping[str, Any]]) -> None:
    """Record SMTP outcomes: each row has event_id, status, smtp_code, smtp_reply, sent_at, retry_at,
    attempts, mailbox_id."""
    if not rows:
        return
    e = OutreachEvent.__table__
    await session.execute(
        sa.update(e)
        .where(e.c.event_id == sa.bindparam("eid"))
        .values(
            status=sa.bindparam("st"),
            smtp_code=sa.bindparam("code"),
            smtp_reply=sa.bindparam("reply"),
            sent_at=sa.bindparam("sent"),
            retry_at=sa.bindparam("retry"),
            attempts=sa.bindparam("att"),
            updated_at=sa.func.now(),
        ),
        [
            {
                "eid": r["event_id"],
                "st": r["status"],
                "code": r.get("smtp_code"),
                "reply": r.get("smtp_reply"),
                "sent": r.get("sent_at"),
                "retry": r.get("retry_at"),
                "att": r["attempts"],
            }
            for r in rows
        ],
    )


async def suppress(session: Db, emails: Sequence[str], reason: str, actor: str | None) -> list[str]:
    """Add addresses to the do-not-contact list; returns the ones that were not on it."""
    if not emails:
        return []
    t = Suppression.__table__
    stmt = (
        pg_insert(t)
        .values([{"email": e, "reason": reason, "created_by": actor} for e in dict.fromkeys(emails)])
        .on_conflict_do_nothing()
        .returning(t.c.email)
    )
    return list((await session.execute(stmt)).scalars())


async def run_outcomes(session: AsyncSession, run_id: uuid.UUID) -> dict[str, int]:
    e = OutreachEvent.__table__
    rows = await session.execute(
        sa.select(e.c.status, sa.func.count()).where(e.c.run_id == run_id, e.c.status != "skipped").group_by(e.c.status)
    )
    return {status: int(n) for status, n in rows}


# --- lists and stats -----------------------------------------------------------------------------------


@dataclass
class EventFilter:
    run_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    mailbox_id: uuid.UUID | None = None
    channel: str | None = None
    status: str | None = None
    search: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def list_events(
    session: AsyncSession, f: EventFilter, *, page: int, page_size: int
) -> tuple[list[OutreachEvent], int]:
    conds: list[Any] = []
    for key in ("run_id", "contact_id", "lead_id", "mailbox_id", "channel", "status"):
        value = getattr(f, key)
        if value is not None:
            conds.append(getattr(OutreachEvent, key) == value)
    if f.search:
        conds.append(OutreachEvent.email.contains(f.search.strip().lower(), autoescape=True))
    if f.since:
        conds.append(OutreachEvent.created_at >= f.since)
    if f.until:
        conds.append(OutreachEvent.created_at < f.until)
    total = (await session.execute(sa.select(sa.func.count()).select_from(OutreachEvent).where(*conds))).scalar_one()
    rows = (
        await session.execute(
            sa.select(OutreachEvent)
            .where(*conds)
            .order_by(OutreachEvent.created_at.desc(), OutreachEvent.event_id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
    ).scalars()
    return list(rows), int(total)


#: The per-day outreach figures of ``q.outreach.stats``.
TREND_FIELDS = ("sent", "bounced", "failed", "exported")


async def event_stats(session: AsyncSession, window: DayWindow) -> dict[str, Any]:
    """Today's figures, counts by status and channel, and :data:`TREND_FIELDS` per UTC day of ``window``.

    Several statements: the caller reads them from one snapshot (:func:`ra_runtime.stats.read_snapshot`).
    """
    e = OutreachEvent.__table__
    by_status = {
        s: int(n) for s, n in await session.execute(sa.select(e.c.status, sa.func.count()).group_by(e.c.status))
    }
    by_channel = {
        c: int(n)
        for c, n in await session.execute(
            sa.select(e.c.channel, sa.func.count()).where(e.c.status == "sent").group_by(e.c.channel)
        )
    }
    start = datetime.combine(utc_today(), datetime.min.time(), tzinfo=UTC)
    sent_today = (
        await session.execute(
            sa.select(sa.func.count()).where(e.c.channel == "smtp", e.c.status == "sent", e.c.sent_at >= start)
        )
    ).scalar_one()
    suppressed = (await session.execute(sa.select(sa.func.count()).select_from(Suppression))).scalar_one()
    trend = await outcomes_per_day(session, window)
    sent_total = sum(d["sent"] for d in trend)
    bounced_total = sum(d["bounced"] for d in trend)
    return {
        "sent_today": int(sent_today),
        "claimed_today": await claimed_today(session),
        "by_status": by_status,
        "by_channel": by_channel,
        "suppressed": int(suppressed),
        "ready_mailboxes": len(await usable_mailboxes(session)),
        "trend": trend,
        "sent_total": sent_total,
        "bounced_total": bounced_total,
        # Of the messages a receiving server answered for good: delivered or bounced.
        "bounce_rate": bounced_total / (sent_total + bounced_total) if sent_total + bounced_total else 0.0,
        "reply_rate": None,  # replies are not read yet (needs inbox reading)
    }


async def outcomes_per_day(session: AsyncSession, window: DayWindow) -> list[dict[str, Any]]:
    """Per UTC day of the outcome: SMTP messages ``sent``; ``bounced`` (refused for good, a 5xx reply);
    ``failed`` otherwise (given up after retries); mail-merge rows ``exported``."""
    e = OutreachEvent.__table__
    at = sa.func.coalesce(e.c.sent_at, e.c.updated_at)  # failures have no sent_at: when they were recorded
    day = utc_day(at)
    smtp, sent, failed = e.c.channel == "smtp", e.c.status == "sent", e.c.status == "failed"
    refused = sa.func.coalesce(e.c.smtp_code, 0) >= 500
    figures = {
        "sent": sa.and_(smtp, sent),
        "bounced": sa.and_(smtp, failed, refused),
        "failed": sa.and_(smtp, failed, sa.not_(refused)),
        "exported": sa.and_(e.c.channel == "mailmerge", sent),
    }
    rows = await session.execute(
        sa.select(day.label("day"), *(sa.func.count().filter(cond).label(name) for name, cond in figures.items()))
        .where(e.c.status.in_(("sent", "failed")), at >= window.start)
        .group_by(day)
    )
    return window.series({r.day: r._asdict() for r in rows}, TREND_FIELDS)


async def list_suppression(
    session: AsyncSession, *, search: str | None, page: int, page_size: int
) -> tuple[list[Suppression], int]:
    conds = [Suppression.email.contains(search.strip().lower(), autoescape=True)] if search else []
    total = (await session.execute(sa.select(sa.func.count()).select_from(Suppression).where(*conds))).scalar_one()
    rows = (
        await session.execute(
            sa.select(Suppression)
            .where(*conds)
            .order_by(Suppression.created_at.desc(), Suppression.email)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
    ).scalars()
    return list(rows), int(total)


async def unsuppress(session: AsyncSession, email: str) -> bool:
    result = await session.execute(
        sa.delete(Suppression).where(Suppression.email == email).returning(Suppression.email)
    )
    return result.scalar_one_or_none() is not None


async def is_suppressed(session: AsyncSession, email: str) -> bool:
    return await session.get(Suppression, email) is not None


# --- templates ----------------------------------------------------------------------------------------


async def list_templates(session: AsyncSession) -> list[Template]:
    return list(
        (await session.execute(sa.select(Template).order_by(Template.is_default.desc(), Template.name))).scalars()
    )


async def default_template(session: AsyncSession) -> Template | None:
    return (await session.execute(sa.select(Template).where(Template.is_default))).scalar_one_or_none()


async def clear_default(session: AsyncSession, keep: uuid.UUID | None = None) -> None:
    stmt = sa.update(Template).where(Template.is_default).values(is_default=False)
    if keep is not None:
        stmt = stmt.where(Template.template_id != keep)
    await session.execute(stmt)


async def template_name_taken(session: AsyncSession, name: str, other_than: uuid.UUID | None = None) -> bool:
    query = sa.select(Template.template_id).where(sa.func.lower(Template.name) == name.strip().lower())
    if other_than is not None:
        query = query.where(Template.template_id != other_than)
    return (await session.execute(query.limit(1))).first() is not None


# --- runs ---------------------------------------------------------------------------------------------


async def update_run(session: AsyncSession, run_id: uuid.UUID, **values: Any) -> JobRun:
    if values.get("status") in ("completed", "failed"):
        values["finished_at"] = sa.func.now()
    run = (
        await session.execute(sa.update(JobRun).where(JobRun.run_id == run_id).values(**values).returning(JobRun))
    ).scalar_one()
    return run


async def run_mailmerge_rows(session: AsyncSession, run_id: uuid.UUID) -> list[dict[str, Any]]:
    """The contacts a mail-merge run exported, as claimed, in claim order."""
    rows = await session.execute(
        sa.select(OutreachEvent.fields, OutreachEvent.email)
        .where(OutreachEvent.run_id == run_id, OutreachEvent.channel == "mailmerge", OutreachEvent.status == "sent")
        .order_by(OutreachEvent.created_at, OutreachEvent.event_id)
    )
    return [{**(fields or {}), "email": fields.get("email") or email} for fields, email in rows]
