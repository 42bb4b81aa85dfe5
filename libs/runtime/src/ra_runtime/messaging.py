"""NATS and JetStream: connection, stream declaration, and the durable batch consumer.

The consumer is written on nats-py directly rather than on FastStream subscribers because every batch must
be one database transaction with its inbox rows, each message must be acked only after that commit, a
failing message must be NAKed with a growing delay and parked after ``max_deliver`` — and a pull
subscription that goes silent after a server restart must be rebuilt (nats.py#504). See docs/architecture.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import nats
import sqlalchemy as sa
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from nats.js.errors import NotFoundError
from opentelemetry import trace
from pydantic import ValidationError
from ra_contracts.catalog import ConsumerSpec, StreamSpec
from ra_contracts.envelope import Envelope, Payload
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from ra_runtime.faults import crash_point
from ra_runtime.tables import MessagingTables
from ra_runtime.telemetry import BATCH_SECONDS, MESSAGES, extract_context, tracer

log = logging.getLogger(__name__)


async def connect(url: str, name: str) -> NATS:
    async def on_error(exc: Exception) -> None:
        log.warning("nats error: %s", exc)

    return await nats.connect(
        url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        error_cb=on_error,
        ping_interval=10,
    )


async def declare_stream(js: JetStreamContext, spec: StreamSpec) -> None:
    """Create or update a stream this service owns (idempotent)."""
    cfg = api.StreamConfig(
        name=spec.name,
        subjects=list(spec.subjects),
        retention=api.RetentionPolicy.WORK_QUEUE if spec.retention == "workqueue" else api.RetentionPolicy.LIMITS,
        storage=api.StorageType.FILE,
        max_age=spec.max_age.total_seconds(),
        duplicate_window=spec.duplicate_window.total_seconds(),
        description=spec.description or None,
    )
    try:
        await js.stream_info(spec.name)
        await js.update_stream(cfg)
    except NotFoundError:
        await js.add_stream(cfg)


def backoff_delay(deliveries: int, base: float = 0.5) -> float:
    """NAK delay before the next delivery: ``base``, 2×, 4× … capped at 60 s."""
    return float(min(60.0, base * 2 ** max(0, deliveries - 1)))


@dataclass
class Inbound:
    """One delivered message, parsed."""

    msg: Msg
    envelope: Envelope
    payload: Payload

    @property
    def event_id(self) -> Any:
        return self.envelope.event_id


#: A batch handler: runs inside the consumer's transaction; must not commit.
BatchHandler = Callable[[AsyncSession, list[Inbound]], Awaitable[None]]


def parse_message(msg: Msg, models: Sequence[type[Payload]]) -> Inbound:
    envelope = Envelope.model_validate_json(msg.data)
    for model in models:
        if model.TYPE == envelope.type:
            return Inbound(msg, envelope, envelope.open(model))
    raise ValueError(f"unexpected message type {envelope.type!r} on {msg.subject}")


@dataclass
class DurableConsumer:
    """A durable pull consumer processing batches, each in one transaction with its inbox rows.

    * a redelivered event (already in the inbox) is acked without effect;
    * on error the batch is retried message by message, so one poison message does not hold back the rest;
    * a failing message is NAKed with :func:`backoff_delay` and, once delivered ``max_deliver`` times,
      written to ``dead_letter`` and terminated.
    """

    spec: ConsumerSpec
    handler: BatchHandler
    sessions: async_sessionmaker[AsyncSession]
    tables: MessagingTables
    batch_size: int = 256
    fetch_timeout: float = 1.0
    backoff_base: float = 0.5
    #: Overrides the catalog's ack wait (tests use a short one so a crashed batch comes back quickly).
    ack_wait: float | None = None
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _idle: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def ack_wait_seconds(self) -> float:
        return self.ack_wait or self.spec.ack_wait.total_seconds()

    def config(self) -> api.ConsumerConfig:
        return api.ConsumerConfig(
            durable_name=self.spec.durable,
            description=self.spec.description or None,
            ack_policy=api.AckPolicy.EXPLICIT,
            deliver_policy=api.DeliverPolicy.ALL,
            filter_subjects=list(self.spec.filter_subjects),
            max_deliver=self.spec.max_deliver,
            ack_wait=self.ack_wait_seconds,
            max_ack_pending=max(4 * self.batch_size, 1000),
            max_waiting=512,
        )

    async def bind(self, js: JetStreamContext) -> JetStreamContext.PullSubscription:
        cfg = self.config()
        try:
            await js.consumer_info(self.spec.stream, self.spec.durable)
        except NotFoundError:
            await js.add_consumer(self.spec.stream, cfg)
        else:
            # An existing consumer keeps its delivery state; only its settings move to this code's.
            with contextlib.suppress(Exception):
                await js.add_consumer(self.spec.stream, cfg)
        return await js.pull_subscribe_bind(durable=self.spec.durable, stream=self.spec.stream)

    async def run(self, js: JetStreamContext) -> None:
        sub: JetStreamContext.PullSubscription | None = None
        silent_since = time.monotonic()
        while not self._stopping.is_set():
            try:
                if sub is None:
                    sub = await self.bind(js)
                    silent_since = time.monotonic()
                try:
                    msgs = await sub.fetch(self.batch_size, timeout=self.fetch_timeout)
                except TimeoutError:
                    # A pull subscription can go silent after a server restart (nats.py#504): rebuild it
                    # when nothing has arrived for a while; rebinding a durable is cheap and loses nothing.
                    if time.monotonic() - silent_since > 30:
                        with contextlib.suppress(Exception):
                            await sub.unsubscribe()
                        sub = None
                    continue
                silent_since = time.monotonic()
                self._idle.clear()
                heartbeat = asyncio.create_task(self._keep_alive(msgs))
                try:
                    await self.process(msgs)
                finally:
                    heartbeat.cancel()
                    self._idle.set()
            except asyncio.CancelledError:
                raise
            except NotFoundError:
                log.info("stream %s or consumer %s not there yet; retrying", self.spec.stream, self.spec.durable)
                sub = None
                await asyncio.sleep(1.0)
            except Exception as exc:
                log.warning("consumer %s: %s", self.spec.durable, exc)
                with contextlib.suppress(Exception):
                    if sub is not None:
                        await sub.unsubscribe()
                sub = None
                await asyncio.sleep(1.0)
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def stop(self) -> None:
        self._stopping.set()

    async def _keep_alive(self, msgs: list[Msg]) -> None:
        """Tell JetStream the batch is still being worked on, so a long batch is not redelivered meanwhile;
        a batch whose process died stops these and comes back after one ack wait."""
        while True:
            await asyncio.sleep(self.ack_wait_seconds / 3)
            for m in msgs:
                with contextlib.suppress(Exception):
                    await m.in_progress()

    async def process(self, msgs: list[Msg]) -> None:
        started = time.perf_counter()
        parsed: list[Inbound] = []
        broken: list[tuple[Msg, str]] = []
        for m in msgs:
            try:
                parsed.append(parse_message(m, self.spec.messages))
            except (ValidationError, ValueError) as exc:
                broken.append((m, f"malformed message: {exc}"[:2000]))
        if parsed:
            try:
                await self._handle(parsed)
                crash_point("after-commit", self.spec.durable)
                await self._ack_all(p.msg for p in parsed)
                MESSAGES.labels(self.spec.durable, "ok").inc(len(parsed))
            except Exception as exc:
                if len(parsed) == 1:
                    await self._fail(parsed[0].msg, exc)
                else:
                    log.warning("batch of %d failed (%s); retrying one by one", len(parsed), exc)
                    for p in parsed:
                        try:
                            await self._handle([p])
                            await p.msg.ack()
                            MESSAGES.labels(self.spec.durable, "ok").inc()
                        except Exception as one_exc:
                            await self._fail(p.msg, one_exc)
        for m, reason in broken:
            await self._fail(m, reason)
        BATCH_SECONDS.labels(self.spec.durable).observe(time.perf_counter() - started)

    async def _handle(self, batch: list[Inbound]) -> None:
        inbox = self.tables.inbox
        ctx = extract_context(batch[0].msg.headers)
        with tracer().start_as_current_span(
            f"handle {self.spec.durable}",
            context=ctx,
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "messaging.batch.message_count": len(batch),
                "messaging.consumer.group.name": self.spec.durable,
            },
        ):
            async with self.sessions() as session, session.begin():
                fresh_ids = set(
                    (
                        await session.execute(
                            pg_insert(inbox).on_conflict_do_nothing().returning(inbox.c.event_id),
                            [{"consumer": self.spec.durable, "event_id": p.event_id} for p in batch],
                        )
                    ).scalars()
                )
                # Within one batch the same event can appear twice (redelivery racing the first copy).
                fresh: list[Inbound] = []
                for p in batch:
                    if p.event_id in fresh_ids:
                        fresh.append(p)
                        fresh_ids.discard(p.event_id)
                if len(fresh) < len(batch):
                    MESSAGES.labels(self.spec.durable, "duplicate").inc(len(batch) - len(fresh))
                if fresh:
                    await self.handler(session, fresh)

    async def _ack_all(self, msgs: Any) -> None:
        for m in msgs:
            await m.ack()

    async def _fail(self, msg: Msg, error: Exception | str) -> None:
        deliveries = msg.metadata.num_delivered or 1
        reason = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        if deliveries >= self.spec.max_deliver:
            await self._park(msg, reason, deliveries)
            await msg.term()
            MESSAGES.labels(self.spec.durable, "dead_letter").inc()
            log.error(
                "message parked in dead_letter after %d deliveries",
                deliveries,
                extra={"consumer": self.spec.durable, "subject": msg.subject, "reason": reason[:500]},
            )
        else:
            await msg.nak(delay=backoff_delay(deliveries, self.backoff_base))
            MESSAGES.labels(self.spec.durable, "retry").inc()
            log.warning(
                "message failed, redelivery %d of %d scheduled: %s",
                deliveries,
                self.spec.max_deliver,
                reason[:500],
                extra={"consumer": self.spec.durable, "subject": msg.subject},
            )

    async def _park(self, msg: Msg, reason: str, deliveries: int) -> None:
        event_id: str | None = None
        with contextlib.suppress(Exception):
            event_id = str(json.loads(msg.data).get("event_id"))
        dl = self.tables.dead_letter
        async with self.sessions() as session, session.begin():
            await session.execute(
                pg_insert(dl)
                .values(
                    consumer=self.spec.durable,
                    stream=msg.metadata.stream,
                    stream_seq=msg.metadata.sequence.stream,
                    subject=msg.subject,
                    event_id=event_id,
                    data=msg.data,
                    headers=dict(msg.headers or {}),
                    error=reason[:4000],
                    deliveries=deliveries,
                )
                .on_conflict_do_nothing()
            )


async def count_dead_letters(engine: AsyncEngine, tables: MessagingTables) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(tables.dead_letter))).scalar_one())
