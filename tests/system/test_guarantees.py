"""No event lost, no effect duplicated — with real processes killed at the worst moments."""

from __future__ import annotations

import asyncio
import json
import re

import asyncpg
import httpx
import nats
import pytest
from ra_runtime.db import asyncpg_dsn
from ra_runtime.testing import eventually

from .test_slice import run_status, scalar, send_run

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FAST = {"RA_ACK_WAIT_SECONDS": "3", "RA_BATCH_SIZE": "64"}


async def stream_events(nats_url: str, stream: str) -> list[dict]:
    """Every message of ``stream``, decoded, read with an ephemeral ordered consumer."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    total = (await js.stream_info(stream)).state.messages
    out: list[dict] = []
    if total:
        sub = await js.subscribe(">", stream=stream, ordered_consumer=True)
        while len(out) < total:
            msg = await sub.next_msg(timeout=5)
            out.append(json.loads(msg.data))
        await sub.unsubscribe()
    await nc.close()
    return out


async def all_enriched(db: str) -> bool:
    leads = await scalar(db, "SELECT count(*) FROM sourcing.leads")
    done = await scalar(db, "SELECT count(*) FROM sourcing.leads WHERE status='ENRICHED'")
    return leads > 0 and leads == done


async def assert_each_lead_enriched_exactly_once(db: str, nats_url: str) -> None:
    leads = await scalar(db, "SELECT count(*) FROM sourcing.leads")
    events = await stream_events(nats_url, "ENRICHMENT_EVENTS")
    enriched = [e for e in events if e["type"] == "lead.enriched"]
    created = [e for e in events if e["type"] == "contact.created"]
    assert len({e["event_id"] for e in events}) == len(events), "an event was published twice"
    assert len(enriched) == len({e["payload"]["lead_id"] for e in enriched}) == leads
    contacts = await scalar(db, "SELECT count(*) FROM enrichment.contacts")
    assert len(created) == contacts
    # Each lead's contact count on the lead matches the rows: nothing missing, nothing doubled.
    assert (
        await scalar(
            db,
            """SELECT count(*) FROM sourcing.leads l
               LEFT JOIN (SELECT lead_id, count(*) n FROM enrichment.contacts GROUP BY lead_id) c USING (lead_id)
               WHERE l.contact_count <> coalesce(c.n, 0)""",
        )
        == 0
    )


async def test_enrichment_killed_after_commit_before_ack_neither_loses_nor_doubles_contacts(spawn, migrated, nats_url):
    src = spawn("ra_sourcing")
    doomed = spawn("ra_enrichment", RA_CRASH_AT="after-commit:enrichment-lead-created", **FAST)
    await src.wait_ready()
    await doomed.wait_ready()
    run_id = await send_run(nats_url, 400)
    assert await doomed.wait_exit() == -9  # SIGKILL right after its first commit
    assert await eventually(lambda: run_status(migrated, run_id)) == "completed"
    survivor = spawn("ra_enrichment", **FAST)
    await survivor.wait_ready()
    await eventually(lambda: all_enriched(migrated), timeout=60, what="every lead ENRICHED after restart")
    await assert_each_lead_enriched_exactly_once(migrated, nats_url)
    # The unacked batch comes back one ack wait after the crash; the inbox recognises it instead of
    # applying it again. (The leads are ENRICHED before that: the committed outbox rows were published by
    # the survivor's relay.)
    await eventually(
        lambda: metric(survivor.port, "enrichment-lead-created", "duplicate"), what="the redelivered batch"
    )
    await assert_each_lead_enriched_exactly_once(migrated, nats_url)


async def test_relay_killed_after_publishing_before_marking_sent_delivers_each_event_once(spawn, migrated, nats_url):
    doomed = spawn("ra_sourcing", RA_CRASH_AT="after-publish:sourcing", **FAST)
    enr = spawn("ra_enrichment", **FAST)
    await doomed.wait_ready()
    await enr.wait_ready()
    run_id = await send_run(nats_url, 300)
    assert await doomed.wait_exit() == -9
    unsent = await scalar(migrated, "SELECT count(*) FROM sourcing.outbox WHERE sent_at IS NULL")
    assert unsent >= 1  # published, never marked: exactly the window under test
    spawn("ra_sourcing", **FAST)
    assert await eventually(lambda: run_status(migrated, run_id), timeout=60) == "completed"
    await eventually(lambda: all_enriched(migrated), timeout=60, what="every lead ENRICHED")
    events = await stream_events(nats_url, "SOURCING_EVENTS")
    assert len({e["event_id"] for e in events}) == len(events), "an outbox row reached the stream twice"
    created = [e for e in events if e["type"] == "lead.created"]
    assert len(created) == await scalar(migrated, "SELECT count(*) FROM sourcing.leads")
    await assert_each_lead_enriched_exactly_once(migrated, nats_url)


async def test_a_transient_database_error_leads_to_redelivery_not_loss(spawn, migrated, nats_url):
    src = spawn("ra_sourcing")
    enr = spawn("ra_enrichment", RA_RETRY_BACKOFF_BASE="0.3")
    await src.wait_ready()
    await enr.wait_ready()
    conn = await asyncpg.connect(asyncpg_dsn(migrated))
    # The contacts table vanishing mid-flight is a real database error for the consumer's transaction.
    await conn.execute("ALTER TABLE enrichment.contacts RENAME TO contacts_away")
    run_id = await send_run(nats_url, 150)
    await eventually(lambda: metric(enr.port, "enrichment-lead-created", "retry"), what="a NAKed delivery")
    await conn.execute("ALTER TABLE enrichment.contacts_away RENAME TO contacts")
    await conn.close()
    assert await eventually(lambda: run_status(migrated, run_id)) == "completed"
    await eventually(lambda: all_enriched(migrated), timeout=60, what="every lead ENRICHED after the error")
    assert await scalar(migrated, "SELECT count(*) FROM enrichment.dead_letter") == 0
    await assert_each_lead_enriched_exactly_once(migrated, nats_url)


async def test_a_malformed_message_lands_in_the_dead_letter_table_after_max_deliver(spawn, migrated, nats_url):
    enr = spawn("ra_enrichment")
    await enr.wait_ready()
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await eventually(lambda: _stream_exists(js, "SOURCING_EVENTS"), what="stream")
    await js.publish("lead.created", b'{"type": "lead.created", "payload": {"lead_id": "not-a-uuid"}}')
    await nc.close()

    async def parked():
        return await scalar(migrated, "SELECT deliveries FROM enrichment.dead_letter")

    assert await eventually(parked, timeout=60, what="dead letter") == 8
    error = await scalar(migrated, "SELECT error FROM enrichment.dead_letter")
    assert "malformed" in error


async def _stream_exists(js, name: str) -> bool:
    try:
        await js.stream_info(name)
        return True
    except Exception:
        # The sourcing service owns that stream; declare it as ops would when sourcing is not running.
        from ra_contracts.catalog import STREAMS
        from ra_runtime.messaging import declare_stream

        await declare_stream(js, STREAMS[name])
        return False


async def test_two_enrichment_processes_share_one_durable_consumer_and_handle_each_lead_once(spawn, migrated, nats_url):
    src = spawn("ra_sourcing")
    a = spawn("ra_enrichment", RA_BATCH_SIZE="32")
    b = spawn("ra_enrichment", RA_BATCH_SIZE="32")
    for p in (src, a, b):
        await p.wait_ready()
    run_id = await send_run(nats_url, 2500)
    assert await eventually(lambda: run_status(migrated, run_id)) == "completed"
    await eventually(lambda: all_enriched(migrated), timeout=120, what="every lead ENRICHED")
    handled_a = await metric(a.port, "enrichment-lead-created", "ok")
    handled_b = await metric(b.port, "enrichment-lead-created", "ok")
    leads = await scalar(migrated, "SELECT count(*) FROM sourcing.leads")
    assert handled_a > 0 and handled_b > 0, (handled_a, handled_b)
    assert handled_a + handled_b == leads
    await assert_each_lead_enriched_exactly_once(migrated, nats_url)
    # SIGTERM drains: both exit cleanly.
    assert a.terminate() == 0 and b.terminate() == 0


async def test_consumers_resume_after_the_nats_server_restarts(migrated, nats_server, tmp_path):
    from ra_runtime.testing import ServiceProcess

    env = {"NATS_URL": nats_server.url, "DATABASE_URL": migrated, **FAST}
    src = ServiceProcess("ra_sourcing", env, tmp_path / "src.log").start()
    enr = ServiceProcess("ra_enrichment", env, tmp_path / "enr.log").start()
    try:
        await src.wait_ready()
        await enr.wait_ready()
        nats_server.restart()
        await asyncio.sleep(0)  # the services reconnect on their own
        run_id = await send_run(nats_server.url, 100)
        assert await eventually(lambda: run_status(migrated, run_id), timeout=60) == "completed"
        await eventually(lambda: all_enriched(migrated), timeout=60, what="enrichment after the restart")
    finally:
        src.kill()
        enr.kill()


async def metric(port: int, consumer: str, outcome: str) -> float:
    async with httpx.AsyncClient() as c:
        text = (await c.get(f"http://127.0.0.1:{port}/metrics")).text
    m = re.search(rf'ra_messages_total\{{consumer="{consumer}",outcome="{outcome}"\}} ([0-9.e+]+)', text)
    return float(m.group(1)) if m else 0.0
