#!/usr/bin/env python
"""Benchmark of direct sending: N sends over M mailboxes to a local SMTP sink, then the rate limit held.

    .venv/bin/python bench/outreach.py [--sends 5000] [--mailboxes 5] [--rate 600]

Starts an embedded NATS (JetStream) and Postgres unless ``NATS_URL`` / ``DATABASE_URL`` are set (a fresh
database either way), migrates warmup and outreach, starts one process of each and an SMTP sink (aiosmtpd,
with AUTH) in this process. It adds M mailboxes through warmup's queries, tests their connection and marks
them ACTIVE, then feeds outreach N valid contacts (``contact.created`` + ``contact.validated``).

1. **Limits lifted** (global and per-mailbox daily limits above N, ``rate_limit_per_minute = 0``): one
   ``cmd.outreach.run`` in send mode; measured from the command to the run's completion, and from the first
   to the last message the sink accepted. Target: ≥ 500 messages/s.
2. **Limits on** (``rate_limit_per_minute = --rate``): another run over fresh contacts; the sink's arrival
   times must never show more messages in any window than the configured rate allows (one message every
   60 / rate seconds; a window of k gaps must last at least (k - 1) × 60 / rate, with 20 ms slack for
   the measuring).

Every message must arrive exactly once (one per address).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import nats
from nats.js.api import KeyValueConfig, StorageType
from ra_contracts.catalog import SETTINGS_BUCKET, STREAMS
from ra_contracts.envelope import Envelope, Payload
from ra_contracts.events import ContactCreated, ContactValidated, RunOutreach
from ra_outreach.main import definition as outreach_definition
from ra_runtime.db import admin_execute, asyncpg_dsn, database_url_with_name
from ra_runtime.embedded import servers
from ra_runtime.messaging import declare_stream
from ra_runtime.queries import ask
from ra_runtime.testing import ServiceProcess, migrate
from ra_warmup.main import definition as warmup_definition

TARGET_PER_S = 500.0
SLACK_S = 0.020


class Sink:
    """An aiosmtpd server in this loop that accepts every login and records (arrival time, recipient)."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, str]] = []
        self.port = 0
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        from aiosmtpd.smtp import SMTP, AuthResult

        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                now = time.perf_counter()
                for rcpt in envelope.rcpt_tos:
                    sink.arrivals.append((now, rcpt.lower()))
                return "250 2.0.0 accepted"

        def accept(*_: Any) -> AuthResult:
            return AuthResult(success=True)

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(Handler(), hostname="sink.bench", auth_require_tls=False, authenticator=accept, loop=loop),
            "127.0.0.1",
            0,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server:
            self._server.close()


async def publish_all(js: Any, payloads: list[Payload]) -> None:
    acks = []
    for p in payloads:
        envelope = Envelope.wrap(p, producer="bench", subject=p.subject())
        acks.append(
            await js.publish_async(
                p.subject(), envelope.model_dump_json().encode(), headers={"Nats-Msg-Id": str(envelope.event_id)}
            )
        )
        if len(acks) >= 2000:
            await asyncio.gather(*acks)
            acks.clear()
    await asyncio.gather(*acks)


def contacts(n: int, tag: str) -> list[Payload]:
    out: list[Payload] = []
    now = datetime.now(UTC)
    for i in range(n):
        contact_id, lead_id = uuid.uuid4(), uuid.uuid4()  # one contact per lead: the per-lead limit stays out
        address = f"person{i}.{tag}@recipient{i % 50}.bench.example"
        out.append(
            ContactCreated(
                contact_id=contact_id, lead_id=lead_id, first_name=f"Alex{i}", last_name="Morgan", email=address,
                title="HR Director", priority="P1", source="demo", company_name=f"Company {i}", state="OH",
                job_title="Plant Manager",
            )
        )  # fmt: skip
        out.append(
            ContactValidated(
                contact_id=contact_id, lead_id=lead_id, email=address, status="valid", provider="demo", checked_at=now
            )
        )
    return out


async def wait_for(what: str, check: Any, timeout: float = 300.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = await check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def run(args: argparse.Namespace, nats_url: str, server_db: str, workdir: Path) -> int:
    name = f"bench_outreach_{uuid.uuid4().hex[:8]}"
    await admin_execute(server_db, f'CREATE DATABASE "{name}"')
    db_url = database_url_with_name(server_db, name)
    procs: list[ServiceProcess] = []
    nc = await nats.connect(nats_url)
    sink = Sink()
    await sink.start()
    conn = await asyncpg.connect(asyncpg_dsn(db_url))
    try:
        for d in (warmup_definition(), outreach_definition()):
            await migrate(db_url, d)
        js = nc.jetstream()
        for stream in ("SOURCING_EVENTS", "ENRICHMENT_EVENTS", "VALIDATION_EVENTS"):
            await declare_stream(js, STREAMS[stream])  # those services are not running
        kv = await js.create_key_value(KeyValueConfig(bucket=SETTINGS_BUCKET, history=5, storage=StorageType.FILE))

        async def setting(key: str, value: Any) -> None:
            await kv.put(key, json.dumps({"value": value}).encode())

        await setting("outreach_postal_address", "Bench Staffing, 1 Main St, Dayton, OH 45402")
        await setting("daily_send_limit", 10_000)
        await setting("rate_limit_per_minute", 0)

        env = {
            "NATS_URL": nats_url,
            "DATABASE_URL": db_url,
            "LOG_LEVEL": "WARNING",
            "RA_ALLOW_PRIVATE_MAIL_HOSTS": "true",
        }
        procs.append(ServiceProcess("ra_warmup", env, workdir / "warmup.log").start())
        procs.append(ServiceProcess("ra_outreach", env, workdir / "outreach.log").start())
        for p in procs:
            await p.wait_ready(60)

        for i in range(args.mailboxes):
            box = await ask(
                nc,
                "q.warmup.mailboxes.create",
                {
                    "mailbox": {
                        "email": f"sender{i}@acme-staffing.bench", "display_name": f"Sender {i}",
                        "password": "app-password", "provider": "smtp", "smtp_host": "127.0.0.1",
                        "smtp_port": sink.port, "smtp_security": "none", "daily_send_limit": 10_000,
                    },
                    "actor": "bench",
                },
            )  # fmt: skip
            tested = await ask(nc, "q.warmup.mailboxes.test", {"mailbox_id": box["mailbox_id"], "actor": "bench"}, 60)
            if not tested["ok"]:
                raise SystemExit(f"mailbox test failed: {tested}")
            await ask(
                nc, "q.warmup.mailboxes.status", {"mailbox_id": box["mailbox_id"], "status": "ACTIVE", "actor": "bench"}
            )

        async def ready_mailboxes() -> bool:
            n = await conn.fetchval(
                "SELECT count(*) FROM outreach.mailboxes WHERE warmup_status = 'ACTIVE' AND deleted_at IS NULL"
            )
            return bool(n == args.mailboxes)

        await wait_for("outreach's copy of the mailboxes", ready_mailboxes)

        async def send_run(n: int, tag: str, limit: int | None = None) -> tuple[float, dict[str, Any]]:
            await publish_all(js, contacts(n, tag))

            async def known() -> bool:
                got = await conn.fetchval(
                    "SELECT count(*) FROM outreach.contacts WHERE validation_status = 'valid' AND email LIKE $1",
                    f"%.{tag}@%",
                )
                return bool(got == n)

            await wait_for(f"outreach's copy of {n} contacts", known)
            run_id = uuid.uuid4()
            started = time.perf_counter()
            await publish_all(js, [RunOutreach(run_id=run_id, requested_by="bench", mode="send", limit=limit)])

            async def finished() -> dict[str, Any] | None:
                with contextlib.suppress(Exception):
                    r: dict[str, Any] = await ask(nc, "q.outreach.runs.get", {"run_id": str(run_id)})
                    if r["status"] in ("completed", "failed", "cancelled"):
                        return r
                return None

            result = await wait_for("the run to finish", finished, timeout=args.timeout)
            return time.perf_counter() - started, result

        # 1. limits lifted
        seconds, result = await send_run(args.sends, "lifted")
        arrivals = list(sink.arrivals)
        per_address = Counter(a for _, a in arrivals)
        span = arrivals[-1][0] - arrivals[0][0] if len(arrivals) > 1 else float("nan")
        rate_run = len(arrivals) / seconds
        rate_wire = (len(arrivals) - 1) / span if span == span and span > 0 else float("nan")
        twice = sum(1 for c in per_address.values() if c > 1)
        print(
            f"\n{args.sends:,} sends over {args.mailboxes} mailboxes, limits lifted: run {result['status']}, counts {result['counts']}"
        )
        print(f"  sink accepted {len(arrivals):,} messages; addresses mailed twice: {twice}")
        print(f"  command → run completed: {seconds:.2f} s = {rate_run:,.0f} messages/s")
        print(f"  first → last message at the sink: {span:.2f} s = {rate_wire:,.0f} messages/s")
        ok = result["status"] == "completed" and len(arrivals) == args.sends and twice == 0
        print(
            f"  target ≥ {TARGET_PER_S:,.0f} messages/s (command → completed): {'PASS' if rate_run >= TARGET_PER_S else 'MISS'}"
        )

        # 2. limits on
        sink.arrivals.clear()
        await setting("rate_limit_per_minute", args.rate)
        await asyncio.sleep(1.0)  # the services' settings watch applies it (there is no query for it)
        n_limited = args.limited
        seconds, result = await send_run(n_limited, "limited")
        times = sorted(t for t, _ in sink.arrivals)
        gap = 60.0 / args.rate
        worst = float("-inf")  # how much faster than allowed the fastest window was (≤ 0: never)
        for k in range(1, len(times)):
            for j in range(max(0, k - 20), k):  # windows of up to 20 gaps ending at k
                allowed = (k - j) * gap - SLACK_S
                worst = max(worst, allowed - (times[k] - times[j]))
        measured = (len(times) - 1) / (times[-1] - times[0]) * 60 if len(times) > 1 else float("nan")
        print(
            f"\n{n_limited} sends with rate_limit_per_minute = {args.rate} (one every {gap:.3f} s): run {result['status']}"
        )
        print(f"  sink accepted {len(times)}; measured {measured:,.1f} messages/minute over the run")
        held = worst <= 0 and len(times) == n_limited
        tightest = (-worst - SLACK_S) * 1000  # the shortest window minus the time the rate requires for it
        verdict = "HELD" if held else "EXCEEDED"
        print(f"  tightest window of up to 20 gaps vs the time the rate requires: {tightest:+.1f} ms: {verdict}")
        return 0 if ok and held else 1
    finally:
        await conn.close()
        await sink.stop()
        await nc.close()
        for p in procs:
            with contextlib.suppress(Exception):
                p.terminate()
        with contextlib.suppress(Exception):
            await admin_execute(server_db, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd (the sink) warns about its own API
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sends", type=int, default=5000)
    parser.add_argument("--mailboxes", type=int, default=5)
    parser.add_argument("--rate", type=int, default=600, help="rate_limit_per_minute for the limited run")
    parser.add_argument("--limited", type=int, default=60, help="sends in the limited run")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="ra-bench-"))
    try:
        with servers(workdir) as (nats_url, db_url):
            return asyncio.run(run(args, nats_url, db_url, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
