"""Outreach's sends and bounces counted per mailbox (once each), and the daily reset at midnight UTC."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from ra_contracts.events import OutreachBounced, OutreachSent, ResetMailboxCounters
from ra_runtime.testing import eventually

from .support import Warmup

pytestmark = pytest.mark.integration


def sent(mailbox_id: uuid.UUID | None, channel: str = "smtp", when: datetime | None = None) -> OutreachSent:
    return OutreachSent(
        outreach_event_id=uuid.uuid4(),
        contact_id=uuid.uuid4(),
        lead_id=uuid.uuid4(),
        email="someone@example.org",
        channel=channel,  # type: ignore[arg-type]
        mailbox_id=mailbox_id,
        sent_at=when or datetime.now(UTC),
    )


async def test_sends_and_bounces_are_counted_once_and_reset_at_midnight(warmup: Warmup) -> None:
    a = uuid.UUID((await warmup.create(email="a@example.com"))["mailbox_id"])
    b = uuid.UUID((await warmup.create(email="b@example.com"))["mailbox_id"])
    first = await warmup.publish(sent(a))
    # the same event again, past JetStream's de-duplication: the inbox must make it a no-op
    await warmup.publish(sent(a), event_id=first.event_id, dedup=False)
    await warmup.publish(sent(a))
    await warmup.publish(sent(None, channel="mailmerge"))  # a mail-merge row uses no mailbox
    await warmup.publish(sent(b, when=datetime.now(UTC) - timedelta(days=2)))  # late: only the total
    await warmup.publish(
        OutreachBounced(
            outreach_event_id=uuid.uuid4(), contact_id=uuid.uuid4(), lead_id=uuid.uuid4(), email="x@example.org",
            mailbox_id=a, smtp_code=550, smtp_reply="5.1.1 no such user",
        )
    )  # fmt: skip

    async def counted() -> bool:
        ra, rb = await warmup.row(a), await warmup.row(b)
        return (ra.total_emails_sent, ra.bounce_count, rb.total_emails_sent) == (2, 1, 1)

    await eventually(counted, what="the sends and the bounce counted")
    ra, rb = await warmup.row(a), await warmup.row(b)
    assert (
        rb.counters_day is not None and rb.counters_day < datetime.now(UTC).date()
    )  # a late send of an earlier day does not count for today
    assert ra.emails_sent_today == 2 and ra.counters_day == datetime.now(UTC).date()
    assert (await warmup.ask("get", {"mailbox_id": str(a)}))["emails_sent_today"] == 2
    assert (await warmup.ask("get", {"mailbox_id": str(b)}))["emails_sent_today"] == 0
    assert (await warmup.ask("stats"))["sent_today"] == 2

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    reset = ResetMailboxCounters(day=tomorrow.isoformat())
    await warmup.publish(reset)

    async def was_reset() -> bool:
        return (await warmup.row(a)).counters_day == tomorrow

    await eventually(was_reset, what="the midnight reset")
    ra = await warmup.row(a)
    assert (ra.emails_sent_today, ra.total_emails_sent, ra.bounce_count) == (0, 2, 1)
    # a send counted on the new day, then the same reset again (redelivered): nothing is lost
    await warmup.publish(sent(a, when=datetime.combine(tomorrow, datetime.min.time(), UTC) + timedelta(hours=1)))
    await eventually(lambda: _total(warmup, a, 3), what="a send of the new day")
    again = await warmup.publish(reset, dedup=False)
    await eventually(lambda: _handled(warmup, "warmup-jobs", again.event_id), what="the second reset handled")
    assert (await warmup.row(a)).emails_sent_today == 1


async def _handled(warmup: Warmup, consumer: str, event_id: uuid.UUID) -> bool:
    assert warmup.service.ctx is not None
    inbox = warmup.service.ctx.tables.inbox
    async with warmup.service.ctx.sessions() as s:
        found = await s.execute(sa.select(inbox).where(inbox.c.consumer == consumer, inbox.c.event_id == event_id))
        return found.first() is not None


async def _total(warmup: Warmup, mailbox_id: uuid.UUID, n: int) -> bool:
    return (await warmup.row(mailbox_id)).total_emails_sent == n
