"""The leaderless scheduler: every replica fires, JetStream keeps one command per slot."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import nats
import pytest
from ra_contracts.catalog import STREAMS
from ra_contracts.envelope import Envelope
from ra_contracts.events import ResetMailboxCounters
from ra_runtime.messaging import declare_stream
from ra_runtime.scheduler import Daily, Every, ScheduledJob, Scheduler, slot_key
from ra_runtime.testing import eventually


def test_daily_slots() -> None:
    midnight = Daily()
    now = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)
    assert midnight.latest(now) == datetime(2026, 3, 4, tzinfo=UTC)
    assert midnight.following(now) == datetime(2026, 3, 5, tzinfo=UTC)
    exactly = datetime(2026, 3, 5, tzinfo=UTC)
    assert midnight.latest(exactly) == exactly
    assert midnight.following(exactly) == datetime(2026, 3, 6, tzinfo=UTC)
    five_past = Daily(0, 5)
    assert five_past.latest(datetime(2026, 3, 4, 0, 1, tzinfo=UTC)) == datetime(2026, 3, 3, 0, 5, tzinfo=UTC)


def test_interval_slots() -> None:
    twice_a_day = Every(timedelta(hours=12))
    now = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)
    assert twice_a_day.latest(now) == datetime(2026, 3, 4, 12, tzinfo=UTC)
    assert twice_a_day.following(now) == datetime(2026, 3, 5, tzinfo=UTC)


class FakeTime:
    """A wall clock the schedulers sleep on: sleeping moves it forward, up to ``until``; beyond, a sleep parks."""

    def __init__(self, now: datetime, until: datetime) -> None:
        self.now = now
        self.until = until
        self.parked = 0

    def clock(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        target = self.now + timedelta(seconds=seconds)
        if target <= self.until:
            self.now = target
            await asyncio.sleep(0)
            return
        self.parked += 1
        await asyncio.Event().wait()


@pytest.mark.integration
async def test_two_replicas_publish_each_slot_once(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await declare_stream(js, STREAMS["WARMUP_CMD"])
    midnight = datetime(2026, 3, 5, tzinfo=UTC)
    times = [FakeTime(midnight - timedelta(seconds=2), until=midnight) for _ in range(2)]
    job = ScheduledJob("reset_daily_counters", Daily(), lambda slot: ResetMailboxCounters(day=slot.date().isoformat()))
    replicas = [Scheduler(js, "warmup", [job], clock=t.clock, sleep=t.sleep) for t in times]
    tasks = [asyncio.create_task(s.run()) for s in replicas]
    try:

        async def both_parked() -> bool:
            return all(t.parked for t in times) and all(s.last.get(job.name) == midnight for s in replicas)

        await eventually(both_parked, what="both replicas fired midnight and wait for the next one")
        info = await js.stream_info("WARMUP_CMD")
        # catch-up for 2026-03-04 00:00 and the new day 2026-03-05 00:00, once each despite two replicas
        assert info.state.messages == 2
        days, keys = [], []
        for seq in (info.state.first_seq, info.state.last_seq):
            msg = await js.get_msg("WARMUP_CMD", seq)
            envelope = Envelope.model_validate_json(msg.data)
            days.append(envelope.open(ResetMailboxCounters).day)
            keys.append((msg.headers or {}).get("Nats-Msg-Id"))
        assert days == ["2026-03-04", "2026-03-05"]
        assert keys == [
            slot_key(job.name, datetime(2026, 3, 4, tzinfo=UTC)),
            slot_key(job.name, datetime(2026, 3, 5, tzinfo=UTC)),
        ]
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await nc.close()


async def test_a_job_switched_off_publishes_nothing() -> None:
    class NoJetStream:
        async def publish(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("a switched-off job must not publish")

    on = False
    job = ScheduledJob(
        "reset_daily_counters",
        Daily(),
        lambda slot: ResetMailboxCounters(day=slot.date().isoformat()),
        enabled=lambda: on,
    )
    scheduler = Scheduler(NoJetStream(), "warmup", [job])  # type: ignore[arg-type]
    slot = datetime(2026, 3, 4, tzinfo=UTC)
    await scheduler.fire(job, slot)
    assert scheduler.last[job.name] == slot  # the slot is over, with nothing sent
