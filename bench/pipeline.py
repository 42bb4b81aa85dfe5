#!/usr/bin/env python
"""Benchmark of the lead → contact pipeline, every service as its own process on real NATS and Postgres.

    .venv/bin/python bench/pipeline.py [--leads N] [--enrichment-replicas K] [--keep]

Starts an embedded NATS (JetStream) and Postgres unless ``NATS_URL`` / ``DATABASE_URL`` are set (a fresh
database is created on that server either way), migrates sourcing and enrichment, starts ``ra_sourcing`` and
K ``ra_enrichment`` processes, sends one ``RunLeadSourcing`` command sized for N leads and measures the time
until every lead of the run has been seen as ``lead.enriched``, the per-lead latency ``lead.created`` →
``lead.enriched``, and the memory of each service process. See ``bench/README.md`` for reading the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
import psutil
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.errors import NotFoundError
from ra_contracts.envelope import Envelope
from ra_contracts.events import RunLeadSourcing
from ra_enrichment.main import definition as enrichment_definition
from ra_runtime.db import admin_execute, asyncpg_dsn, database_url_with_name
from ra_runtime.embedded import EmbeddedNats, EmbeddedPostgres
from ra_runtime.testing import ServiceProcess, migrate
from ra_sourcing.main import definition as sourcing_definition
from ra_sourcing.rules import dedup_batch, screen_postings
from ra_sourcing.sources.base import JobPosting, SourcingCriteria
from ra_sourcing.sources.demo import DemoJobSource

MIB = 1024 * 1024
TARGET_LEADS_PER_S = 1000.0
TARGET_P99_MS = 2000.0
TARGET_IDLE_MIB = 150.0
#: ``max_contacts_per_job`` default setting.
MAX_CONTACTS_PER_LEAD = 4
RSS_SAMPLE_S = 0.2


# --- sizing the run ------------------------------------------------------------------------------------


def predicted_leads(postings: list[JobPosting], criteria: SourcingCriteria) -> int:
    """Leads a fresh database gets from ``postings``: screening, in-batch dedup, then unique job links."""
    kept = dedup_batch(screen_postings(postings, criteria).kept).kept
    links = [p.job_link for p in kept if p.job_link]
    return len(kept) - len(links) + len(set(links))


def choose_max_results(leads: int) -> tuple[int, int]:
    """Smallest ``max_results`` for which the demo source yields at least ``leads`` leads, and that count.

    The demo batch is prefix-stable (posting *i* depends only on the seed and the postings before it), so
    one batch is generated and its prefixes are bisected with the service's own screening and dedup rules.
    """
    criteria = SourcingCriteria()
    source = DemoJobSource()
    hi = max(16, math.ceil(leads / 0.55))
    while True:
        batch = source.generate(criteria.model_copy(update={"max_results": hi}))
        if predicted_leads(batch, criteria) >= leads:
            break
        hi *= 2
    # Narrow the bracket around the estimate the whole batch gives, so bisection takes a few steps only.
    estimate = leads * len(batch) / predicted_leads(batch, criteria)
    upper = math.ceil(estimate * 1.01)
    if upper < hi and predicted_leads(batch[:upper], criteria) >= leads:
        hi = upper
    lower = math.floor(estimate * 0.99)
    lo = lower if 1 < lower < hi and predicted_leads(batch[:lower], criteria) < leads else 1
    while lo < hi:
        mid = (lo + hi) // 2
        if predicted_leads(batch[:mid], criteria) >= leads:
            hi = mid
        else:
            lo = mid + 1
    return hi, predicted_leads(batch[:hi], criteria)


# --- processes and measurements ------------------------------------------------------------------------


@dataclass
class Tracked:
    """A service process with its memory and CPU figures."""

    label: str
    service: ServiceProcess
    idle_rss: float = 0.0
    peak_rss: float = 0.0
    cpu_start: float = 0.0
    cpu_end: float = 0.0

    @property
    def pid(self) -> int:
        return int(self.service.proc.pid)

    def rss(self) -> float:
        return float(psutil.Process(self.pid).memory_info().rss) / MIB

    def cpu(self) -> float:
        t = psutil.Process(self.pid).cpu_times()
        return float(t.user + t.system)


class CpuGroup:
    """CPU seconds used by a process and its children (nats-server; the postmaster and its backends)."""

    def __init__(self, label: str, root_pid: int) -> None:
        self.label = label
        self.root_pid = root_pid
        self._start: dict[int, float] = {}
        self.used = 0.0

    def _snapshot(self) -> dict[int, float]:
        out: dict[int, float] = {}
        try:
            root = psutil.Process(self.root_pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return out
        for p in procs:
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                out[p.pid] = float(t.user + t.system)
        return out

    def start(self) -> None:
        self._start = self._snapshot()

    def stop(self) -> None:
        end = self._snapshot()
        self.used = sum(v - self._start.get(pid, 0.0) for pid, v in end.items())


def postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Prometheus text exposition → {(name, labels): value}."""
    out: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        labels = frozenset(_LABEL.findall(m.group(2) or ""))
        with contextlib.suppress(ValueError):
            out[(m.group(1), labels)] = float(m.group(3))
    return out


def metric(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(t: Tracked, save_to: Path) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The process's ``/metrics``, parsed; the raw text is saved next to its log."""
    try:
        async with httpx.AsyncClient() as c:
            r = await c.get(f"http://127.0.0.1:{t.service.port}/metrics", timeout=5)
    except httpx.HTTPError:
        return {}
    await asyncio.to_thread(save_to.write_text, r.text)
    return parse_metrics(r.text)


def start_service(sp: ServiceProcess, profile_to: Path | None) -> None:
    """``ServiceProcess.start``, or the same command under ``cProfile`` (stats written on graceful exit)."""
    if profile_to is None:
        sp.start()
        return
    cmd = [sys.executable, "-m", "cProfile", "-o", str(profile_to), "-m", sp.module]
    with open(sp.log_path, "ab") as log:  # the child keeps its own copy of the descriptor
        sp.proc = subprocess.Popen(cmd, env=sp.env, stdout=log, stderr=log)


def print_profile(label: str, path: Path, top: int) -> None:
    import pstats

    if not path.exists():
        print(f"(no profile written for {label})")
        return
    print(f"--- cProfile of {label}: top {top} by own time (tottime), then by cumulative time ---")
    stats = pstats.Stats(str(path)).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


async def wait_for(check: Any, timeout: float, what: str, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(interval)


def stop_processes(tracked: list[Tracked]) -> None:
    """SIGTERM every service at once (they drain in parallel), then wait; SIGKILL whatever hangs."""
    live = [t.service.proc for t in tracked if t.service.proc is not None and t.service.proc.poll() is None]
    for proc in live:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
    for proc in live:
        try:
            proc.wait(40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# --- the benchmark -------------------------------------------------------------------------------------


@dataclass
class Observed:
    run_id: uuid.UUID
    created: dict[uuid.UUID, float] = field(default_factory=dict)
    enriched: dict[uuid.UUID, float] = field(default_factory=dict)
    foreign: int = 0

    async def on_message(self, msg: Msg) -> None:
        now = time.monotonic()
        env = Envelope.model_validate_json(msg.data)
        run_id = env.payload.get("run_id")
        if run_id is None or uuid.UUID(str(run_id)) != self.run_id:
            self.foreign += 1
            return
        seen = self.created if env.type == "lead.created" else self.enriched
        seen.setdefault(uuid.UUID(str(env.payload["lead_id"])), now)


@dataclass
class Settings:
    leads: int
    replicas: int
    keep: bool
    timeout: float
    log_level: str
    workdir: Path
    profile: bool = False


async def run_benchmark(cfg: Settings, nats_url: str, server_db_url: str, cpu_groups: list[CpuGroup]) -> int:
    max_results, predicted = choose_max_results(cfg.leads)
    print(
        f"sizing: demo source max_results={max_results} → {predicted} leads predicted "
        f"({predicted / max_results:.1%} of fetched postings survive screening, dedup and unique links)"
    )
    db_name = f"bench_{uuid.uuid4().hex[:10]}"
    await admin_execute(server_db_url, f'CREATE DATABASE "{db_name}"')
    db_url = database_url_with_name(server_db_url, db_name)
    tracked: list[Tracked] = []
    # Ctrl-C / SIGTERM: stop waiting, then clean up in ``finally`` (the services get SIGTERM there).
    interrupted: list[str] = []
    main_task = asyncio.current_task()
    loop = asyncio.get_running_loop()

    def interrupt(name: str) -> None:
        interrupted.append(name)
        print(f"\n{name}: stopping the services and servers", file=sys.stderr)
        if main_task is not None:
            main_task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, interrupt, sig.name)
    nc: NATS | None = None
    db: asyncpg.Connection | None = None
    try:
        for d in (sourcing_definition(), enrichment_definition()):
            await migrate(db_url, d)
        base_env = {"NATS_URL": nats_url, "DATABASE_URL": db_url, "LOG_LEVEL": cfg.log_level}

        def spawn(module: str, label: str) -> Tracked:
            sp = ServiceProcess(module, base_env, cfg.workdir / f"{label}.log")
            start_service(sp, cfg.workdir / f"{label}.prof" if cfg.profile else None)
            t = Tracked(label, sp)
            tracked.append(t)
            return t

        # Sourcing first: it declares SOURCING_EVENTS, which enrichment's consumer binds to.
        src = spawn("ra_sourcing", "sourcing")
        await src.service.wait_ready(60)
        enr = [spawn("ra_enrichment", f"enrichment-{i + 1}") for i in range(cfg.replicas)]
        for t in enr:
            await t.service.wait_ready(60)

        async def quiet(exc: Exception) -> None:
            pass

        nc = await nats.connect(nats_url, name="bench", error_cb=quiet, allow_reconnect=False)
        js = nc.jetstream()

        async def consumers_pulling() -> bool:
            wanted = [
                ("SOURCING_CMD", "sourcing-run", 1),
                ("ENRICHMENT_EVENTS", "sourcing-lead-enriched", 1),
                ("SOURCING_EVENTS", "enrichment-lead-created", cfg.replicas),
            ]
            for stream, durable, pulls in wanted:
                try:
                    info = await js.consumer_info(stream, durable)
                except NotFoundError:
                    return False
                if (info.num_waiting or 0) < pulls:
                    return False
            return True

        await wait_for(consumers_pulling, 60, "every consumer to be bound and pulling")

        for t in tracked:
            samples = []
            for _ in range(5):
                samples.append(t.rss())
                await asyncio.sleep(RSS_SAMPLE_S)
            t.idle_rss = max(samples)
            t.peak_rss = t.idle_rss

        run_id = uuid.uuid4()
        seen = Observed(run_id)
        await nc.subscribe("lead.created", cb=seen.on_message)
        await nc.subscribe("lead.enriched", cb=seen.on_message)
        await nc.flush()
        db = await asyncpg.connect(asyncpg_dsn(db_url))

        stop_sampling = asyncio.Event()

        async def sample_rss() -> None:
            while not stop_sampling.is_set():
                for t in tracked:
                    with contextlib.suppress(psutil.Error):
                        t.peak_rss = max(t.peak_rss, t.rss())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop_sampling.wait(), RSS_SAMPLE_S)

        for t in tracked:
            t.cpu_start = t.cpu()
        for g in cpu_groups:
            g.start()
        bench_cpu_start = time.process_time()
        sampler = asyncio.create_task(sample_rss())

        cmd = RunLeadSourcing(run_id=run_id, requested_by="bench", max_results=max_results)
        env = Envelope.wrap(cmd, producer="bench", subject=cmd.subject(), correlation_id=str(run_id))
        t_send = time.monotonic()
        await js.publish(cmd.subject(), env.model_dump_json().encode(), headers={"Nats-Msg-Id": str(env.event_id)})

        inserted: int | None = None
        counts: dict[str, Any] = {}
        t_run_done = math.nan
        t_db_done = math.nan
        next_db_poll = 0.0
        deadline = t_send + cfg.timeout
        while True:
            now = time.monotonic()
            if interrupted:
                raise KeyboardInterrupt(interrupted[0])
            for t in tracked:
                if t.service.proc.poll() is not None:
                    raise RuntimeError(f"{t.label} exited with {t.service.proc.returncode}:\n{t.service.log_tail()}")
            if now > deadline:
                raise TimeoutError(
                    f"timed out after {cfg.timeout:.0f}s: run finished={inserted is not None}, leads={inserted}, "
                    f"lead.created seen={len(seen.created)}, lead.enriched seen={len(seen.enriched)}"
                )
            if now >= next_db_poll:
                next_db_poll = now + 0.25
                if inserted is None:
                    row = await db.fetchrow(
                        "SELECT status, counts FROM sourcing.job_runs WHERE run_id=$1 AND status <> 'running'", run_id
                    )
                    if row is not None:
                        t_run_done = time.monotonic()
                        counts = json.loads(row["counts"]) if isinstance(row["counts"], str) else dict(row["counts"])
                        if row["status"] != "completed":
                            raise RuntimeError(f"sourcing run ended {row['status']}: {counts}")
                        inserted = int(counts["inserted"])
                if (
                    inserted is not None
                    and len(seen.created) >= inserted
                    and len(seen.enriched) >= inserted
                    and len(seen.created.keys() & seen.enriched.keys()) >= inserted
                ):
                    n = await db.fetchval("SELECT count(*) FROM sourcing.leads WHERE status='ENRICHED'")
                    if n == inserted:
                        t_db_done = time.monotonic()
                        break
            await asyncio.sleep(0.05)

        stop_sampling.set()
        await sampler
        for t in tracked:
            t.cpu_end = t.cpu()
        for g in cpu_groups:
            g.stop()
        bench_cpu = time.process_time() - bench_cpu_start
        assert inserted is not None

        # --- figures ------------------------------------------------------------------------------------
        leads = inserted
        contacts = int(await db.fetchval("SELECT count(*) FROM enrichment.contacts"))
        duplicates = await db.fetch(
            "SELECT lead_id FROM enrichment.contacts GROUP BY lead_id, email HAVING count(*) > 1"
        )
        max_per_lead = int(
            await db.fetchval(
                "SELECT coalesce(max(c), 0) FROM (SELECT count(*) c FROM enrichment.contacts GROUP BY lead_id) x"
            )
        )
        latencies = sorted(
            (seen.enriched[lid] - t_created) * 1000 for lid, t_created in seen.created.items() if lid in seen.enriched
        )
        t_first_created = min(seen.created.values())
        t_last_created = max(seen.created.values())
        t_last_enriched = max(seen.enriched[lid] for lid in seen.created)
        wall = t_last_enriched - t_send
        rate = leads / wall if wall > 0 else math.inf
        p50, p99, pmax = percentile(latencies, 50), percentile(latencies, 99), latencies[-1]
        metrics = {t.label: await scrape(t, cfg.workdir / f"{t.label}.metrics.txt") for t in tracked}

        rule = "-" * 78
        print(rule)
        print(f"lead → contact pipeline: {leads} leads, 1 sourcing + {cfg.replicas} enrichment process(es)")
        print(rule)
        print(f"fetched postings (max_results)      {counts.get('fetched', max_results):>10}")
        print(f"leads created by the run            {leads:>10}   (predicted {predicted})")
        print(f"contacts                            {contacts:>10}   ({contacts / max(leads, 1):.2f} per lead)")
        print(f"sourcing.job_runs counts            {json.dumps(counts, sort_keys=True)}")
        print(f"wall time (command → last enriched) {wall:>10.2f} s")
        print(
            f"leads/s end to end                  {rate:>10.0f}       target ≥ {TARGET_LEADS_PER_S:.0f}   "
            f"{verdict(rate >= TARGET_LEADS_PER_S)}"
        )
        print(f"latency lead.created → lead.enriched  p50 {p50:>8.0f} ms")
        print(
            f"                                      p99 {p99:>8.0f} ms   target < {TARGET_P99_MS:.0f}   "
            f"{verdict(p99 < TARGET_P99_MS)}"
        )
        print(f"                                      max {pmax:>8.0f} ms")
        print("phases (from sending the command):")
        print(f"  sourcing run committed (job_runs)   {t_run_done - t_send:>8.2f} s  (polled every 0.25 s)")
        print(f"  first lead.created seen             {t_first_created - t_send:>8.2f} s")
        print(
            f"  last lead.created seen              {t_last_created - t_send:>8.2f} s  "
            f"(relay: {leads / max(t_last_created - t_first_created, 1e-9):.0f} lead.created/s)"
        )
        print(f"  last lead.enriched seen             {t_last_enriched - t_send:>8.2f} s")
        print(f"  all leads ENRICHED in sourcing DB   {t_db_done - t_send:>8.2f} s")
        print("memory (RSS, MiB; 1 MiB = 1,048,576 bytes):")
        for t in tracked:
            print(
                f"  {t.label:<14} idle {t.idle_rss:>7.1f}   peak during run {t.peak_rss:>7.1f}   "
                f"idle target < {TARGET_IDLE_MIB:.0f}   {verdict(t.idle_rss < TARGET_IDLE_MIB)}"
            )
        print(f"CPU seconds during the run ({wall:.1f} s wall, {os.cpu_count()} cores):")
        for t in tracked:
            print(f"  {t.label:<14} {t.cpu_end - t.cpu_start:>7.2f}")
        for g in cpu_groups:
            print(f"  {g.label:<14} {g.used:>7.2f}")
        print(f"  {'bench':<14} {bench_cpu:>7.2f}")
        print("consumers (from each process's /metrics):")
        for t in tracked:
            m = metrics[t.label]
            for durable in sorted({dict(k[1]).get("consumer", "") for k in m if k[0] == "ra_messages_total"}):
                ok = metric(m, "ra_messages_total", consumer=durable, outcome="ok")
                dup = metric(m, "ra_messages_total", consumer=durable, outcome="duplicate")
                retry = metric(m, "ra_messages_total", consumer=durable, outcome="retry")
                batches = metric(m, "ra_batch_seconds_count", consumer=durable)
                secs = metric(m, "ra_batch_seconds_sum", consumer=durable)
                print(
                    f"  {t.label:<14} {durable:<26} ok {ok:>7.0f}  dup {dup:>4.0f}  retry {retry:>4.0f}  "
                    f"fetches {batches:>5.0f}  per fetch {ok / max(batches, 1):>6.1f} msgs / "
                    f"{1000 * secs / max(batches, 1):>6.0f} ms"
                )
            published = sum(v for k, v in m.items() if k[0] == "ra_outbox_published_total")
            print(f"  {t.label:<14} {'outbox rows published':<26} {published:>7.0f}")
        if cfg.replicas > 1:
            print("messages handled per enrichment replica (enrichment-lead-created, outcome=ok):")
            for t in enr:
                ok = metric(metrics[t.label], "ra_messages_total", consumer="enrichment-lead-created", outcome="ok")
                print(f"  {t.label:<14} {ok:>7.0f}")
        print("checks:")
        checks = {
            "every lead of the run seen as lead.created and lead.enriched": len(latencies) == leads,
            f"sourcing.leads ENRICHED = {leads}": not math.isnan(t_db_done),
            "no lead got the same contact twice": not duplicates,
            f"at most {MAX_CONTACTS_PER_LEAD} contacts per lead (max {max_per_lead})": max_per_lead
            <= MAX_CONTACTS_PER_LEAD,
        }
        for what, ok in checks.items():
            print(f"  {'OK  ' if ok else 'FAIL'} {what}")
        if seen.foreign:
            print(f"  note: {seen.foreign} lead events of other runs were ignored")
        print(rule)
        return 0 if all(checks.values()) else 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        raise KeyboardInterrupt from None
    except BaseException:
        for t in tracked:
            print(f"--- {t.label} log tail ({t.service.log_path}) ---\n{t.service.log_tail(2000)}", file=sys.stderr)
        raise
    finally:
        if db is not None:
            with contextlib.suppress(Exception):
                await db.close()
        if nc is not None:
            with contextlib.suppress(Exception):
                await nc.close()
        stop_processes(tracked)
        if cfg.profile:
            for t in tracked:
                print_profile(t.label, cfg.workdir / f"{t.label}.prof", 25)
        if not cfg.keep:
            with contextlib.suppress(Exception):
                await admin_execute(server_db_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        else:
            print(f"kept database {db_name} and the logs in {cfg.workdir}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=10_000, help="leads the run should create (default 10000)")
    parser.add_argument("--enrichment-replicas", type=int, default=1, help="ra_enrichment processes (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the database, NATS store and logs afterwards")
    parser.add_argument("--timeout", type=float, default=300.0, help="overall timeout of the run, seconds")
    parser.add_argument("--log-level", default="INFO", help="LOG_LEVEL of the services (default INFO)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the services under cProfile and print their hottest functions (slows them down)",
    )
    args = parser.parse_args(argv)
    if args.leads < 1 or args.enrichment_replicas < 1:
        parser.error("--leads and --enrichment-replicas must be at least 1")

    workdir = Path(tempfile.mkdtemp(prefix="ra-bench-"))
    cfg = Settings(args.leads, args.enrichment_replicas, args.keep, args.timeout, args.log_level, workdir, args.profile)
    nats_server: EmbeddedNats | None = None
    pg: EmbeddedPostgres | None = None
    cpu_groups: list[CpuGroup] = []
    try:
        nats_url = os.environ.get("NATS_URL")
        if not nats_url:
            nats_server = EmbeddedNats(workdir / "nats").start()
            nats_url = nats_server.url
            assert nats_server.proc is not None
            cpu_groups.append(CpuGroup("nats-server", nats_server.proc.pid))
        db_url = os.environ.get("DATABASE_URL")
        if not db_url:
            pg = EmbeddedPostgres(workdir / "pg", cleanup=not args.keep).start()
            db_url = pg.url
            pid = postmaster_pid(workdir / "pg")
            if pid:
                cpu_groups.append(CpuGroup("postgres", pid))
        print(
            f"NATS {'embedded' if nats_server else 'external'} at {nats_url}; "
            f"Postgres {'embedded' if pg else 'external'}; work dir {workdir}"
        )
        return asyncio.run(run_benchmark(cfg, nats_url, db_url, cpu_groups))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if nats_server is not None:
            with contextlib.suppress(Exception):
                nats_server.stop()
        if pg is not None:
            with contextlib.suppress(Exception):
                pg.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
