"""The lead → contact slice with every service as its own process, on real NATS and Postgres."""

from __future__ import annotations

import uuid

import asyncpg
import nats
import pytest
from ra_contracts.envelope import Envelope
from ra_contracts.events import RunLeadSourcing
from ra_runtime.db import asyncpg_dsn
from ra_runtime.testing import eventually

pytestmark = pytest.mark.integration


async def send_run(nats_url: str, max_results: int = 200, sources: list[str] | None = None) -> uuid.UUID:
    run_id = uuid.uuid4()
    cmd = RunLeadSourcing(run_id=run_id, requested_by="test", max_results=max_results, sources=sources)
    env = Envelope.wrap(cmd, producer="test", subject=cmd.subject(), correlation_id=str(run_id))
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await js.publish(cmd.subject(), env.model_dump_json().encode(), headers={"Nats-Msg-Id": str(env.event_id)})
    await nc.close()
    return run_id


async def scalar(db: str, sql: str, *args):
    conn = await asyncpg.connect(asyncpg_dsn(db))
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def run_status(db: str, run_id: uuid.UUID):
    return await scalar(db, "SELECT status FROM sourcing.job_runs WHERE run_id=$1 AND status <> 'running'", run_id)


async def test_a_sourcing_run_yields_enriched_leads_and_a_second_run_inserts_nothing(spawn, migrated, nats_url):
    src = spawn("ra_sourcing")
    enr = spawn("ra_enrichment")
    await src.wait_ready()
    await enr.wait_ready()
    run_id = await send_run(nats_url, 300)
    assert await eventually(lambda: run_status(migrated, run_id), what="run finished") == "completed"
    counts = await scalar(migrated, "SELECT counts FROM sourcing.job_runs WHERE run_id=$1", run_id)
    import json

    counts = json.loads(counts)
    leads = await scalar(migrated, "SELECT count(*) FROM sourcing.leads")
    assert counts["inserted"] == leads > 0
    assert counts["fetched"] == counts["inserted"] + counts["skipped"]
    assert counts["skipped_duplicate_in_batch"] > 0

    async def all_enriched():
        return await scalar(migrated, "SELECT count(*) FROM sourcing.leads WHERE status='ENRICHED'") == leads

    await eventually(all_enriched, what="every lead ENRICHED")
    contacts = await scalar(migrated, "SELECT count(*) FROM enrichment.contacts")
    assert contacts >= leads
    assert await scalar(migrated, "SELECT count(*) FROM sourcing.leads WHERE contact_email IS NULL") == 0
    assert (
        await scalar(migrated, "SELECT max(c) FROM (SELECT count(*) c FROM enrichment.contacts GROUP BY lead_id) x")
        <= 4
    )

    again = await send_run(nats_url, 300)
    assert await eventually(lambda: run_status(migrated, again), what="second run finished") == "completed"
    counts2 = json.loads(await scalar(migrated, "SELECT counts FROM sourcing.job_runs WHERE run_id=$1", again))
    assert counts2["inserted"] == 0
    assert counts2["skipped_duplicate_in_db"] == leads
    assert await scalar(migrated, "SELECT count(*) FROM sourcing.leads") == leads


async def test_a_run_fails_only_when_no_source_could_be_fetched(spawn, migrated, nats_url):
    src = spawn("ra_sourcing")
    await src.wait_ready()
    only_bad = await send_run(nats_url, 50, sources=["nosuch"])
    assert await eventually(lambda: run_status(migrated, only_bad)) == "failed"
    error = await scalar(migrated, "SELECT error_message FROM sourcing.job_runs WHERE run_id=$1", only_bad)
    assert "nosuch" in error
    mixed = await send_run(nats_url, 50, sources=["demo", "nosuch"])
    assert await eventually(lambda: run_status(migrated, mixed)) == "completed"
    import json

    counts = json.loads(await scalar(migrated, "SELECT counts FROM sourcing.job_runs WHERE run_id=$1", mixed))
    assert counts["errors"] == 1 and counts["inserted"] > 0
