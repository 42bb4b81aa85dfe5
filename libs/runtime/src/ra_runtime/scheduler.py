"""Scheduled jobs without a leader (architecture §6): every replica runs the same timer; each firing publishes
the job's command to JetStream with ``Nats-Msg-Id = <job>@<slot>``, so the stream's duplicate window keeps one
copy and one replica runs it. The command's event id is derived from the same key, so a copy published after
the window (a replica starting late) is still a duplicate for the consumer's inbox.

On start-up each job also fires for its current slot (the latest one already due): a slot missed while no
replica was running is caught up. That is safe because jobs are idempotent per slot.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from nats.js import JetStreamContext
from ra_contracts.envelope import Envelope, Payload

from ra_runtime.telemetry import inject_headers

log = logging.getLogger(__name__)

#: Namespace of the event ids of scheduled commands (uuid5 of ``<job>@<slot>``).
SCHEDULE_NAMESPACE = uuid.UUID("5f0c3c53-2f55-4f8e-9a43-6c1c4b7d1e20")


class Schedule(Protocol):
    def latest(self, now: datetime) -> datetime:
        """The most recent slot at or before ``now``."""
        ...

    def following(self, now: datetime) -> datetime:
        """The first slot strictly after ``now``."""
        ...


@dataclass(frozen=True)
class Daily:
    """Every day at ``hour:minute`` UTC (the SOP's "00:00", "00:05", "06:00" jobs)."""

    hour: int = 0
    minute: int = 0

    def latest(self, now: datetime) -> datetime:
        slot = now.astimezone(UTC).replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        return slot if slot <= now else slot - timedelta(days=1)

    def following(self, now: datetime) -> datetime:
        return self.latest(now) + timedelta(days=1)


@dataclass(frozen=True)
class Every:
    """Every ``interval``, aligned to the Unix epoch (e.g. every 12 hours: 00:00 and 12:00 UTC)."""

    interval: timedelta

    def latest(self, now: datetime) -> datetime:
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        n = (now - epoch) // self.interval
        return epoch + n * self.interval

    def following(self, now: datetime) -> datetime:
        return self.latest(now) + self.interval


@dataclass(frozen=True)
class ScheduledJob:
    """``name``: the job (part of the dedup key); ``command``: the command to publish for a slot."""

    name: str
    schedule: Schedule
    command: Callable[[datetime], Payload]
    #: fire for the current slot at start-up (a slot missed while nothing ran)
    catch_up: bool = True
    #: asked at each slot: a job switched off by a setting publishes nothing (None: always on)
    enabled: Callable[[], bool] | None = None


def slot_key(job: str, slot: datetime) -> str:
    return f"{job}@{slot.astimezone(UTC).isoformat()}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Scheduler:
    js: JetStreamContext
    producer: str
    jobs: Sequence[ScheduledJob]
    clock: Callable[[], datetime] = _utcnow
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    #: the last slot each job was published for (by this replica)
    last: dict[str, datetime] = field(default_factory=dict)

    async def fire(self, job: ScheduledJob, slot: datetime) -> None:
        """Publish the job's command for ``slot``, retrying until JetStream acknowledges it."""
        if job.enabled is not None and not job.enabled():
            self.last[job.name] = slot
            return
        key = slot_key(job.name, slot)
        payload = job.command(slot)
        envelope = Envelope.wrap(
            payload,
            producer=self.producer,
            subject=payload.subject(),
            correlation_id=key,
            event_id=uuid.uuid5(SCHEDULE_NAMESPACE, key),
        )
        data = envelope.model_dump_json().encode()
        delay = 0.5
        while True:
            try:
                ack = await self.js.publish(envelope.subject, data, headers=inject_headers({"Nats-Msg-Id": key}))
                log.info("scheduled %s", key, extra={"duplicate": bool(ack.duplicate)})
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("could not publish scheduled %s, retrying: %r", key, exc)
                await self.sleep(delay)
                delay = min(delay * 2, 30.0)
        self.last[job.name] = slot

    async def run_job(self, job: ScheduledJob) -> None:
        if job.catch_up:
            await self.fire(job, job.schedule.latest(self.clock()))
        while True:
            slot = job.schedule.following(self.clock())
            # A timer may wake a little early (or the wall clock may step): sleep until the slot really began.
            while (wait := (slot - self.clock()).total_seconds()) > 0:
                await self.sleep(wait)
            await self.fire(job, slot)

    async def run(self) -> None:
        await asyncio.gather(*(self.run_job(job) for job in self.jobs))

    def status(self) -> list[dict[str, Any]]:
        now = self.clock()
        return [
            {"job": j.name, "last_slot": self.last.get(j.name), "next_slot": j.schedule.following(now)}
            for j in self.jobs
        ]
