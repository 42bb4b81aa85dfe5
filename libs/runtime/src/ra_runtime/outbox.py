"""Transactional outbox: events are written with the state change and published after commit.

Writing: :func:`add_events` inserts the envelopes into ``<schema>.outbox`` in the caller's transaction and
notifies the relay (``NOTIFY`` is delivered at commit, so nothing is announced before it is durable).

Publishing: :class:`OutboxRelay` runs in every replica. It claims unsent rows with
``FOR UPDATE SKIP LOCKED`` (so replicas never publish the same row concurrently), publishes each with
``Nats-Msg-Id = event_id`` (so JetStream drops a re-publish after a crash inside its duplicate window),
awaits every PubAck, then marks the rows sent — all inside the claiming transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import asyncpg
import sqlalchemy as sa
from nats.js import JetStreamContext
from ra_contracts.envelope import Envelope, Payload
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from ra_runtime.db import asyncpg_dsn
from ra_runtime.faults import crash_point
from ra_runtime.tables import MessagingTables
from ra_runtime.telemetry import OUTBOX_PUBLISHED, inject_headers

log = logging.getLogger(__name__)


def notify_channel(schema: str) -> str:
    return f"{schema}_outbox"


class Outbox:
    """Writes events into one service's outbox table."""

    def __init__(self, tables: MessagingTables, producer: str) -> None:
        self.table = tables.outbox
        self.producer = producer
        self.channel = notify_channel(str(tables.outbox.schema))

    def envelope(self, payload: Payload, correlation_id: str | None = None) -> Envelope:
        return Envelope.wrap(payload, producer=self.producer, subject=payload.subject(), correlation_id=correlation_id)

    async def add(
        self,
        db: AsyncSession | AsyncConnection,
        payloads: Sequence[Payload],
        correlation_id: str | None = None,
    ) -> list[Envelope]:
        envelopes = [self.envelope(p, correlation_id) for p in payloads]
        await self.add_envelopes(db, envelopes)
        return envelopes

    async def add_envelopes(self, db: AsyncSession | AsyncConnection, envelopes: Sequence[Envelope]) -> None:
        if not envelopes:
            return
        # One trace context for the batch: the events were caused by the same operation.
        headers = json.dumps(inject_headers())
        await db.execute(
            sa.text(
                f"INSERT INTO {self.table.fullname} (event_id, subject, data, headers) "
                "SELECT e, s, d, CAST(:headers AS jsonb) "
                "FROM unnest(CAST(:ids AS uuid[]), CAST(:subjects AS text[]), CAST(:data AS bytea[])) AS u(e, s, d)"
            ),
            {
                "ids": [e.event_id for e in envelopes],
                "subjects": [e.subject for e in envelopes],
                "data": [e.model_dump_json().encode() for e in envelopes],
                "headers": headers,
            },
        )
        await db.execute(sa.select(sa.func.pg_notify(self.channel, "")))


class OutboxRelay:
    """Publishes committed outbox rows to JetStream, in every replica."""

    def __init__(
        self,
        engine: AsyncEngine,
        js: JetStreamContext,
        tables: MessagingTables,
        database_url: str,
        *,
        service: str,
        batch_size: int = 1000,
        poll_interval: float = 1.0,
        ack_timeout: float = 10.0,
        keep_sent: timedelta = timedelta(hours=24),
    ) -> None:
        self.engine = engine
        self.js = js
        self.table = tables.outbox
        self.schema = str(tables.outbox.schema)
        self.database_url = database_url
        self.service = service
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.ack_timeout = ack_timeout
        self.keep_sent = keep_sent
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._listener: asyncpg.Connection | None = None

    async def publish_pending(self) -> int:
        """Publish one batch of unsent rows; returns how many were published."""
        t = self.table
        async with self.engine.begin() as conn:
            rows = (
                await conn.execute(
                    sa.select(t.c.seq, t.c.event_id, t.c.subject, t.c.data, t.c.headers)
                    .where(t.c.sent_at.is_(None))
                    .order_by(t.c.seq)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            results = await self._publish(rows)
            crash_point("after-publish", self.service)
            sent = [r.seq for r, res in zip(rows, results, strict=True) if res is None]
            failed = [(r.seq, res) for r, res in zip(rows, results, strict=True) if res is not None]
            if sent:
                await conn.execute(sa.update(t).where(t.c.seq.in_(sent)).values(sent_at=sa.func.now()))
            if failed:
                await conn.execute(
                    sa.update(t)
                    .where(t.c.seq.in_([s for s, _ in failed]))
                    .values(attempts=t.c.attempts + 1, last_error=repr(failed[0][1])[:500])
                )
                log.warning("outbox publish failed for %d rows: %r", len(failed), failed[0][1])
        OUTBOX_PUBLISHED.labels(self.service).inc(len(sent))
        if failed:
            raise ConnectionError(f"{len(failed)} outbox rows could not be published")
        return len(sent)

    async def _publish(self, rows: Sequence[Any]) -> list[BaseException | None]:
        """Publish every row without waiting for each PubAck in turn (``publish_async``), then collect the
        acks; a row whose ack has not come back within ``ack_timeout`` counts as not published."""
        futures: list[asyncio.Future[Any]] = []
        results: list[BaseException | None] = []
        try:
            for r in rows:
                headers = {**(r.headers or {}), "Nats-Msg-Id": str(r.event_id)}
                # No wait_stall: a batch is far below nats-py's 4,000 pending publishes, and a stall timeout
                # would wrap every publish in a timer and a yield (one socket write per message).
                futures.append(await self.js.publish_async(r.subject, r.data, headers=headers))
        except Exception as exc:
            # The rest of the batch stays unsent and is retried; what was already handed over is awaited below.
            results = [exc] * (len(rows) - len(futures))
        if futures:
            _, pending = await asyncio.wait(futures, timeout=self.ack_timeout)
            for f in pending:
                f.cancel()  # also frees its slot in nats-py's pending-publish semaphore
        acked = [TimeoutError("no PubAck in time") if f.cancelled() else f.exception() for f in futures]
        return acked + results

    async def purge_sent(self) -> None:
        t = self.table
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.delete(t).where(
                    t.c.sent_at < sa.func.now() - sa.text(f"interval '{int(self.keep_sent.total_seconds())} seconds'")
                )
            )

    async def _listen(self) -> None:
        try:
            self._listener = await asyncpg.connect(asyncpg_dsn(self.database_url))
            await self._listener.add_listener(notify_channel(self.schema), lambda *_: self._wake.set())
        except Exception as exc:  # the relay still works by polling
            log.warning("outbox LISTEN unavailable, polling only: %s", exc)
            self._listener = None

    async def run(self) -> None:
        await self._listen()
        backoff = 0.1
        purge_every, since_purge = 600, 0
        try:
            while not self._stopping.is_set():
                # Cleared before publishing, so a NOTIFY that lands meanwhile wakes the next round at once.
                self._wake.clear()
                try:
                    n = await self.publish_pending()
                    backoff = 0.1
                except Exception as exc:
                    log.warning("outbox relay error: %s", exc)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    if self._listener is None or self._listener.is_closed():
                        await self._listen()
                    continue
                if n >= self.batch_size:
                    continue
                since_purge += 1
                if since_purge >= purge_every:
                    since_purge = 0
                    with contextlib.suppress(Exception):
                        await self.purge_sent()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            # Drain: whatever committed before shutdown goes out now rather than at the next start.
            with contextlib.suppress(Exception):
                while await self.publish_pending() >= self.batch_size:
                    pass
        finally:
            if self._listener is not None and not self._listener.is_closed():
                await self._listener.close()

    async def stop(self) -> None:
        """Stop after a last flush (SIGTERM drain)."""
        self._stopping.set()
        self._wake.set()
