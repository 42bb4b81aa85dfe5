#!/usr/bin/env python
"""Benchmark of contact enrichment on its own: N ``lead.created`` events, K ``ra_enrichment`` processes.

    .venv/bin/python bench/enrichment.py [--leads 10000] [--replicas 1]

Starts an embedded NATS (JetStream) and Postgres unless ``NATS_URL`` / ``DATABASE_URL`` are set (a fresh
database either way), migrates enrichment, starts K enrichment processes with the demo provider and waits
until their consumers pull. Then it publishes N ``lead.created`` events (realistic demo companies: about a
third of the leads share a company with another) and measures the time from the first publish to the last
``lead.enriched``, the leads/s, how the work was split between the replicas, and that no lead was enriched
twice (each lead has exactly one ``lead.enriched`` and no duplicate contact).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import asyncpg
import httpx
import nats
from nats.aio.msg import Msg
from nats.js.errors import NotFoundError
from ra_contracts.catalog import STREAMS
from ra_contracts.envelope import Envelope
from ra_contracts.events import LeadCreated
from ra_enrichment.main import definition as enrichment_definition
from ra_runtime.db import admin_execute, asyncpg_dsn, database_url_with_name
from ra_runtime.embedded import servers
from ra_runtime.messaging import declare_stream
from ra_runtime.testing import ServiceProcess, migrate
from ra_sourcing.rules import normalize_company_name
from ra_sourcing.sources.base import SourcingCriteria
from ra_sourcing.sources.demo import DemoJobSource

TARGET_LEADS_PER_S = 1500.0


def demo_leads(n: int) -> list[LeadCreated]:
    postings = DemoJobSource(count=n).generate(SourcingCriteria())
    return [
        LeadCreated(
            lead_id=uuid.uuid4(),
            company_name=p.company_name,
            normalized_company=normalize_company_name(p.company_name),
            job_title=p.job_title,
            city=p.city,
            state=p.state,
            sources=["demo"],
        )
        for p in postings
    ]


async def metric_ok(port: int) -> float:
    async with httpx.AsyncClient() as c:
        text = (await c.get(f"http://127.0.0.1:{port}/metrics")).text
    for line in text.splitlines():
        if (
            line.startswith("ra_messages_total")
            and 'consumer="enrichment-lead-created"' in line
            and 'outcome="ok"' in line
        ):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def run(args: argparse.Namespace, nats_url: str, server_db: str, workdir: Path) -> int:
    name = f"bench_enrich_{uuid.uuid4().hex[:8]}"
    await admin_execute(server_db, f'CREATE DATABASE "{name}"')
    db_url = database_url_with_name(server_db, name)
    procs: list[ServiceProcess] = []
    nc = await nats.connect(nats_url)
    try:
        await migrate(db_url, enrichment_definition())
        js = nc.jetstream()
        await declare_stream(js, STREAMS["SOURCING_EVENTS"])  # sourcing is not running: its stream is
        env = {"NATS_URL": nats_url, "DATABASE_URL": db_url, "LOG_LEVEL": "WARNING"}
        for i in range(args.replicas):
            procs.append(ServiceProcess("ra_enrichment", env, workdir / f"enrichment-{i + 1}.log").start())
        for p in procs:
            await p.wait_ready(60)

        async def pulling() -> bool:
            try:
                info = await js.consumer_info("SOURCING_EVENTS", "enrichment-lead-created")
            except NotFoundError:
                return False
            return (info.num_waiting or 0) >= args.replicas

        deadline = time.monotonic() + 60
        while not await pulling():
            if time.monotonic() > deadline:
                raise SystemExit("the enrichment consumers did not start pulling")
            await asyncio.sleep(0.1)

        leads = demo_leads(args.leads)
        companies = len({(x.normalized_company, x.state) for x in leads})
        enriched: Counter[str] = Counter()
        done = asyncio.Event()
        last = 0.0

        async def on_enriched(msg: Msg) -> None:
            nonlocal last
            envelope = Envelope.model_validate_json(msg.data)
            enriched[str(envelope.payload["lead_id"])] += 1
            last = time.perf_counter()
            if len(enriched) >= len(leads):
                done.set()

        await nc.subscribe("lead.enriched", cb=on_enriched)
        await nc.flush()
        started = time.perf_counter()
        acks = []
        for lead in leads:
            envelope = Envelope.wrap(lead, producer="bench", subject=lead.subject())
            acks.append(
                await js.publish_async(
                    lead.subject(), envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": str(envelope.event_id)}
                )
            )
        await asyncio.gather(*acks)
        published = time.perf_counter() - started
        await asyncio.wait_for(done.wait(), timeout=args.timeout)
        elapsed = last - started
        rate = len(leads) / elapsed
        split = [await metric_ok(p.port) for p in procs]

        conn = await asyncpg.connect(asyncpg_dsn(db_url))
        try:
            dup_contacts = await conn.fetchval(
                "SELECT count(*) FROM (SELECT 1 FROM enrichment.contacts GROUP BY lead_id, email HAVING count(*) > 1) d"
            )
            contacts = await conn.fetchval("SELECT count(*) FROM enrichment.contacts")
        finally:
            await conn.close()
        twice = sum(1 for n in enriched.values() if n > 1)
        print(
            f"\n{len(leads):,} leads ({companies:,} distinct company + state), {args.replicas} enrichment process(es)"
        )
        print(f"  published in {published:.2f} s; last lead.enriched after {elapsed:.2f} s")
        print(
            f"  {rate:,.0f} leads/s (target ≥ {TARGET_LEADS_PER_S:,.0f}): {'PASS' if rate >= TARGET_LEADS_PER_S else 'MISS'}"
        )
        print(f"  contacts {contacts:,}; work split {[int(x) for x in split]}")
        print(f"  leads enriched twice: {twice}; duplicate contacts: {dup_contacts}")
        return 0 if not twice and not dup_contacts else 1
    finally:
        await nc.close()
        for p in procs:
            with contextlib.suppress(Exception):
                p.terminate()
        with contextlib.suppress(Exception):
            await admin_execute(server_db, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="ra-bench-"))
    try:
        with servers(workdir) as (nats_url, db_url):
            return asyncio.run(run(args, nats_url, db_url, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
