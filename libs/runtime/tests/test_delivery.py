"""The delivery guarantees on real NATS and Postgres: outbox → JetStream → inbox consumer, retries, dead letters."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import nats
import pytest
import sqlalchemy as sa
from ra_contracts.catalog import ConsumerSpec, StreamSpec
from ra_contracts.events import LeadEnriched
from ra_runtime.db import create_engine, session_factory
from ra_runtime.messaging import DurableConsumer, Inbound, count_dead_letters, declare_stream
from ra_runtime.outbox import Outbox, OutboxRelay
from ra_runtime.tables import add_messaging_tables
from ra_runtime.testing import eventually

pytestmark = pytest.mark.integration

SCHEMA = "rt_test"
STREAM = StreamSpec("TEST_EVENTS", ("lead.enriched",), owner="test", duplicate_window=timedelta(minutes=2))


def consumer_spec(max_deliver: int = 3) -> ConsumerSpec:
    return ConsumerSpec("test", "test-lead-enriched", "TEST_EVENTS", ("lead.enriched",), (LeadEnriched,), max_deliver)


@pytest.fixture
async def env(database_url: str, nats_url: str):
    md = sa.MetaData(schema=SCHEMA)
    tables = add_messaging_tables(md)
    effects = sa.Table("effects", md, sa.Column("lead_id", sa.Uuid, primary_key=True))
    engine = create_engine(database_url, SCHEMA)
    async with engine.begin() as conn:
        await conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
        await conn.run_sync(md.create_all)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await declare_stream(js, STREAM)
    yield engine, js, tables, effects, database_url
    await nc.close()
    await engine.dispose()


def lead_enriched() -> LeadEnriched:
    return LeadEnriched(lead_id=uuid.uuid4(), contact_count=1, provider="demo", enriched_at=datetime.now(UTC))


async def stream_count(js) -> int:
    return (await js.stream_info("TEST_EVENTS")).state.messages


async def test_outbox_rows_are_published_once_even_when_the_relay_dies_before_marking_them(env):
    engine, js, tables, _, url = env
    outbox = Outbox(tables, "test")
    async with session_factory(engine)() as s, s.begin():
        await outbox.add(s, [lead_enriched() for _ in range(5)])
    # A relay that published but crashed before marking the rows sent: publish by hand, leave rows unsent.
    async with engine.connect() as conn:
        rows = (
            await conn.execute(sa.select(tables.outbox.c.event_id, tables.outbox.c.subject, tables.outbox.c.data))
        ).all()
    for r in rows:
        await js.publish(r.subject, r.data, headers={"Nats-Msg-Id": str(r.event_id)})
    relay = OutboxRelay(engine, js, tables, url, service="test")
    assert await relay.publish_pending() == 5
    assert await stream_count(js) == 5  # the duplicate window dropped the re-publishes
    async with engine.connect() as conn:
        unsent = (await conn.execute(sa.select(sa.func.count()).where(tables.outbox.c.sent_at.is_(None)))).scalar()
    assert unsent == 0


async def test_relay_is_woken_by_notify_and_consumer_applies_each_event_once(env):
    engine, js, tables, effects, url = env
    sessions = session_factory(engine)
    seen: list[uuid.UUID] = []

    async def handler(session, batch: list[Inbound]) -> None:
        for p in batch:
            seen.append(p.payload.lead_id)
            await session.execute(sa.insert(effects).values(lead_id=p.payload.lead_id))

    relay = OutboxRelay(engine, js, tables, url, service="test", poll_interval=30)
    relay_task = asyncio.create_task(relay.run())
    consumer = DurableConsumer(consumer_spec(), handler, sessions, tables, batch_size=50)
    consumer_task = asyncio.create_task(consumer.run(js))
    outbox = Outbox(tables, "test")
    async with sessions() as s, s.begin():
        envelopes = await outbox.add(s, [lead_enriched() for _ in range(120)])

    async def done():
        async with engine.connect() as conn:
            return (await conn.execute(sa.select(sa.func.count()).select_from(effects))).scalar() == 120

    await eventually(done, timeout=10, what="120 effects (poll interval is 30s, so NOTIFY must wake the relay)")
    # Redeliver every event again (as JetStream would after a lost ack): the inbox makes it a no-op.
    for e in envelopes:
        await js.publish(e.subject, e.model_dump_json().encode())
    await eventually(lambda: _pending_zero(js), what="redeliveries consumed")
    assert len(seen) == 120
    await consumer.stop()
    await relay.stop()
    await asyncio.gather(consumer_task, relay_task)


async def _pending_zero(js) -> bool:
    info = await js.consumer_info("TEST_EVENTS", "test-lead-enriched")
    return info.num_pending == 0 and info.num_ack_pending == 0


async def test_a_failing_message_is_retried_then_parked_while_the_rest_of_its_batch_goes_through(env):
    engine, js, tables, effects, _ = env
    sessions = session_factory(engine)
    poison = lead_enriched()
    attempts = {"poison": 0}

    async def handler(session, batch: list[Inbound]) -> None:
        for p in batch:
            if p.payload.lead_id == poison.lead_id:
                attempts["poison"] += 1
                raise RuntimeError("cannot handle this one")
            await session.execute(sa.insert(effects).values(lead_id=p.payload.lead_id))

    outbox = Outbox(tables, "test")
    good = [lead_enriched() for _ in range(4)]
    for p in [*good[:2], poison, *good[2:]]:
        e = outbox.envelope(p)
        await js.publish(e.subject, e.model_dump_json().encode())
    await js.publish("lead.enriched", b"{not json")
    consumer = DurableConsumer(consumer_spec(max_deliver=3), handler, sessions, tables, batch_size=10)
    task = asyncio.create_task(consumer.run(js))
    await eventually(lambda: _dead(engine, tables, 2), timeout=20, what="two dead letters")
    async with engine.connect() as conn:
        ids = set((await conn.execute(sa.select(effects.c.lead_id))).scalars())
        reasons = (await conn.execute(sa.select(tables.dead_letter.c.error, tables.dead_letter.c.deliveries))).all()
    assert ids == {g.lead_id for g in good}
    assert attempts["poison"] >= 3
    assert sorted(r.deliveries for r in reasons) == [3, 3]
    assert any("malformed" in r.error for r in reasons) and any("cannot handle" in r.error for r in reasons)
    await consumer.stop()
    await task


async def _dead(engine, tables, n: int) -> bool:
    return await count_dead_letters(engine, tables) >= n
