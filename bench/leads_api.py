#!/usr/bin/env python
"""Benchmarks of the leads API through the gateway, every service its own process on real NATS and Postgres.

    .venv/bin/python bench/leads_api.py query  [--leads 1000000] [--clients 8] [--requests 400] [--data-dir D]
    .venv/bin/python bench/leads_api.py import [--rows 100000]

``query``: fills ``sourcing.leads`` with N synthetic leads (straight SQL, once: with ``--data-dir`` the
filled database is kept and reused), starts ``ra_sourcing`` and ``ra_gateway`` as processes, and measures
``GET /api/v1/leads`` — first page, a deep page (a cursor half-way through), a search term, sorts — each
with C concurrent keep-alive HTTP connections (a minimal asyncio client in this process) sending R requests
in all after a warm-up of 10 per connection. The latency is the client's: HTTP → gateway → NATS
request/reply → sourcing → Postgres and back.

``import``: writes an N-row CSV, posts it to ``POST /api/v1/leads/import`` and times it end to end (upload,
object store, validation pass, insert pass with dedup and ``lead.created`` events), sampling the RSS of the
gateway and sourcing processes throughout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx
import psutil
from ra_gateway.main import definition as gateway_definition
from ra_runtime.db import admin_execute, asyncpg_dsn, database_url_with_name
from ra_runtime.embedded import EmbeddedNats, EmbeddedPostgres
from ra_runtime.testing import ServiceProcess, migrate
from ra_sourcing.main import definition as sourcing_definition
from ra_sourcing.repository import Cursor

MIB = 1024 * 1024
ADMIN = {"RA_ADMIN_EMAIL": "bench@example.com", "RA_ADMIN_PASSWORD": "bench-password-123"}
TARGET_P99_MS = 50.0
TARGET_IMPORT_ROWS_S = 5000.0

_WORDS_A = (
    "Summit Keystone Pioneer Harbor Riverbend Ironwood Prairie Redstone Northstar Heartland Bayview Liberty "
    "Evergreen Frontier Lakeshore Magnolia Sierra Cascade Coastal Midland Allied Pinnacle Heritage Granite "
    "Meridian Orchard Copper Falcon Beacon Atlas Horizon Canyon Willow Sterling Vanguard Cornerstone Delta "
    "Everest Monarch Oakridge Patriot Quantum Regal Sapphire Titan Unity Valley Westfield Yellowstone Zenith"
).split()
_WORDS_B = (
    "Foods Logistics Manufacturing Health Plastics Metals Distribution Packaging Farms Freight Steel Textiles "
    "Motors Chemicals Paper Glass Energy Builders Dairy Lumber Brewing Pharmaceuticals Foundry Tooling"
).split()
_TITLES = (
    "HR Manager|Plant Manager|Operations Manager|Warehouse Manager|Production Supervisor|Maintenance Manager|"
    "Quality Manager|Logistics Coordinator|Human Resources Generalist|Talent Acquisition Specialist|"
    "Safety Manager|Distribution Center Manager|Shift Supervisor|Controller|Purchasing Manager"
).split("|")
_CITIES = (
    "Houston|Dallas|Austin|Columbus|Cleveland|Atlanta|Chicago|Phoenix|Denver|Nashville|Memphis|Springfield|"
    "Fort Wayne|Grand Rapids|Omaha|Tulsa|Louisville|Greenville|Spokane|Boise"
).split("|")
_STATES = "TX OH GA IL AZ CO TN MI NE OK KY SC WA ID IN PA NC FL CA NY".split()


def _sql_array(items: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + i.replace("'", "''") + "'" for i in items) + "]"


FILL_SQL = f"""
INSERT INTO sourcing.leads (
  lead_id, company_name, normalized_company, job_title, city, state, country, industry, job_link,
  salary_min, salary_max, salary_currency, posted_at, sources, dedup_key, quality_score, status,
  contact_count, origin, created_at, updated_at)
SELECT gen_random_uuid(), c.name, lower(c.name), t.title, ci.city, st.state, 'US', 'Manufacturing',
  'https://bench.example/job/' || i,
  CASE WHEN i % 3 = 0 THEN NULL ELSE 40000 + (i % 97) * 1000 END,
  CASE WHEN i % 3 = 0 THEN NULL ELSE 60000 + (i % 89) * 1500 END,
  CASE WHEN i % 3 = 0 THEN NULL ELSE 'USD' END,
  CASE WHEN i % 5 = 0 THEN NULL ELSE now() - (i % 2592000) * interval '1 second' END,
  ARRAY[(ARRAY['jsearch','apollo','jobspy','demo'])[1 + i % 4]],
  lower(c.name) || '|' || lower(t.title) || '|' || st.state,
  i % 17, (ARRAY['NEW','ENRICHED','VALIDATED','CONTACTED'])[1 + i % 4], i % 5, 'sourcing',
  now() - (i % 7776000) * interval '1 second', now()
FROM generate_series($1::int, $2::int) AS i
CROSS JOIN LATERAL (SELECT
  ({_sql_array(_WORDS_A)})[1 + i % {len(_WORDS_A)}] || ' ' ||
  ({_sql_array(_WORDS_B)})[1 + (i / {len(_WORDS_A)}) % {len(_WORDS_B)}] || ' ' || (i % 997) AS name) AS c
CROSS JOIN LATERAL (SELECT ({_sql_array(_TITLES)})[1 + (i / 7) % {len(_TITLES)}] AS title) AS t
CROSS JOIN LATERAL (SELECT ({_sql_array(_CITIES)})[1 + (i / 3) % {len(_CITIES)}] AS city) AS ci
CROSS JOIN LATERAL (SELECT ({_sql_array(_STATES)})[1 + (i / 11) % {len(_STATES)}] AS state) AS st
"""


@dataclass
class Servers:
    nats_url: str
    server_db_url: str
    stop: list[Any]


def start_servers(workdir: Path, data_dir: Path | None) -> Servers:
    stoppers: list[Any] = []
    nats_url = os.environ.get("NATS_URL")
    if not nats_url:
        n = EmbeddedNats(workdir / "nats").start()
        stoppers.append(n.stop)
        nats_url = n.url
    db_url = os.environ.get("DATABASE_URL")
    if not db_url:
        pg = EmbeddedPostgres(data_dir or (workdir / "pg"), cleanup=data_dir is None).start()
        stoppers.append(pg.stop)
        db_url = pg.url
    return Servers(nats_url, db_url, stoppers)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


PROFILE = False


def _start(sp: ServiceProcess, workdir: Path) -> ServiceProcess:
    if not PROFILE:
        return sp.start()
    # Under cProfile; the stats are written when the service exits on SIGTERM.
    cmd = [sys.executable, "-m", "cProfile", "-o", str(workdir / f"{sp.module}.prof"), "-m", sp.module]
    with open(sp.log_path, "ab") as log:
        sp.proc = subprocess.Popen(cmd, env=sp.env, stdout=log, stderr=log)
    return sp


def print_profiles(workdir: Path) -> None:
    import pstats

    for path in sorted(workdir.glob("*.prof")):
        print(f"--- {path.stem}: top 25 by own time ---")
        pstats.Stats(str(path)).strip_dirs().sort_stats("tottime").print_stats(25)


async def start_services(db_url: str, nats_url: str, workdir: Path) -> tuple[list[ServiceProcess], str]:
    env = {"NATS_URL": nats_url, "DATABASE_URL": db_url, "LOG_LEVEL": "INFO", **ADMIN}
    env["RA_EXPORTS_DIR"] = str(workdir / "exports")
    gw = _start(ServiceProcess("ra_gateway", env, workdir / "gateway.log"), workdir)
    await gw.wait_ready(60)
    src = _start(ServiceProcess("ra_sourcing", env, workdir / "sourcing.log"), workdir)
    await src.wait_ready(60)
    return [gw, src], f"http://127.0.0.1:{gw.port}/api/v1"


async def login(base: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        r = await c.post("/auth/login", json={"email": ADMIN["RA_ADMIN_EMAIL"], "password": ADMIN["RA_ADMIN_PASSWORD"]})
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def prepared_database(server_db_url: str, name: str, leads: int) -> str:
    db_url = database_url_with_name(server_db_url, name)
    with contextlib.suppress(asyncpg.DuplicateDatabaseError):
        await admin_execute(server_db_url, f'CREATE DATABASE "{name}"')
    for d in (sourcing_definition(), gateway_definition()):
        await migrate(db_url, d)
    conn = await asyncpg.connect(asyncpg_dsn(db_url))
    try:
        have = await conn.fetchval("SELECT count(*) FROM sourcing.leads")
        if have < leads:
            print(f"filling sourcing.leads: {have:,} → {leads:,} rows (kept for later runs with --data-dir)")
            started = time.perf_counter()
            step = 100_000
            for lo in range(have + 1, leads + 1, step):
                hi = min(leads, lo + step - 1)
                await conn.execute(FILL_SQL, lo, hi)
                print(f"  {hi:,} rows, {time.perf_counter() - started:.0f} s", flush=True)
            await conn.execute("VACUUM ANALYZE sourcing.leads")
        else:
            print(f"sourcing.leads already holds {have:,} rows")
    finally:
        await conn.close()
    return db_url


async def deep_cursor(db_url: str, depth: int) -> str:
    """The cursor of the page ``depth`` rows down the default order (created_at desc)."""
    conn = await asyncpg.connect(asyncpg_dsn(db_url))
    try:
        row = await conn.fetchrow(
            "SELECT created_at, lead_id FROM sourcing.leads ORDER BY created_at DESC, lead_id DESC OFFSET $1 LIMIT 1",
            depth,
        )
    finally:
        await conn.close()
    return Cursor("created_at", "desc", row["created_at"], row["lead_id"], True).encode()


class RawHttp:
    """A minimal HTTP/1.1 keep-alive client for GET requests (the load generator shares the 2 cores with the
    servers it measures, so it should cost as little CPU as possible: about a tenth of httpx's)."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\n{self.extra}\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if "content-length" in fields:
            body = await self.reader.readexactly(int(fields["content-length"]))
        else:  # chunked
            parts = []
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                parts.append(await self.reader.readexactly(size + 2))
            await self.reader.readuntil(b"\r\n")
            body = b"".join(p[:-2] for p in parts)
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def measure(
    base: str, headers: dict[str, str], params: dict[str, Any], clients: int, requests: int
) -> dict[str, float]:
    url = httpx.URL(base)
    target = f"{url.path}/leads?{urlencode(params)}"
    conns = [RawHttp(url.host, url.port or 80, headers) for _ in range(clients)]
    latencies: list[float] = []
    errors = 0

    async def worker(conn: RawHttp, n: int, record: bool) -> None:
        nonlocal errors
        for _ in range(n):
            t0 = time.perf_counter()
            status, _ = await conn.get(target)
            if record:
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += status != 200

    try:
        # Warm-up at full concurrency: every connection, pool slot and prepared plan exists before timing.
        await asyncio.gather(*(worker(c, 10, False) for c in conns))
        started = time.perf_counter()
        share = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
        await asyncio.gather(*(worker(c, n, True) for c, n in zip(conns, share, strict=True)))
        elapsed = time.perf_counter() - started
    finally:
        for c in conns:
            await c.close()
    return {
        "rps": len(latencies) / elapsed,
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "errors": errors,
    }


async def query_bench(args: argparse.Namespace, servers: Servers, workdir: Path) -> int:
    db_url = await prepared_database(servers.server_db_url, "bench_leads_api", args.leads)
    procs, base = await start_services(db_url, servers.nats_url, workdir)
    try:
        headers = await login(base)
        cursor = await deep_cursor(db_url, args.leads // 2)
        # The four cases (first page, a deep page, a search term, a sort), then harder extras.
        required = {
            "first page (50, newest first)": {"page_size": 50},
            f"deep page (cursor at row {args.leads // 2:,})": {"page_size": 50, "cursor": cursor},
            "search 'rehouse' (inside a title word)": {"page_size": 50, "search": "rehouse"},
            "sort company_name asc": {"page_size": 50, "sort": "company_name", "order": "asc"},
        }
        extra = {
            "page 100 by number (OFFSET 4,950)": {"page_size": 50, "page": 100},
            "search 'ironwood' (2% of leads, a company word)": {"page_size": 50, "search": "ironwood"},
            "sort salary_max desc + status filter": {"page_size": 50, "sort": "salary_max", "status": "VALIDATED"},
            "search 'fort wayne' + state filter (correlated)": {"page_size": 50, "search": "fort wayne", "state": "IN"},
        }
        print(
            f"\nGET /api/v1/leads over {args.leads:,} leads, {args.clients} concurrent clients, "
            f"{args.requests} requests per scenario"
        )
        header = f"{'scenario':52} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
        worst = 0.0
        for title, group in (("required (target p99 < 50 ms)", required), ("extra", extra)):
            print(f"\n{title}\n{header}")
            for label, params in group.items():
                if args.only and args.only not in label:
                    continue
                m = await measure(base, headers, params, args.clients, args.requests)
                if group is required:
                    worst = max(worst, m["p99"])
                ok = ("ok" if m["p99"] < TARGET_P99_MS and not m["errors"] else "MISSED") if group is required else ""
                errors = f"  {int(m['errors'])} errors" if m["errors"] else ""
                print(f"{label:52} {m['rps']:7.0f} {m['p50']:8.1f} {m['p95']:8.1f} {m['p99']:8.1f}  {ok}{errors}")
        print(f"\nworst p99 of the required cases: {worst:.1f} ms (target < {TARGET_P99_MS:.0f} ms)")
        return 0
    finally:
        for p in procs:
            p.terminate()


def postgres_cpu() -> float:
    """CPU seconds used so far by every postgres process on this machine (the embedded server's)."""
    total = 0.0
    for p in psutil.process_iter(["name"]):
        if p.info["name"] and p.info["name"].startswith("postgres"):
            with contextlib.suppress(psutil.Error):
                total += sum(p.cpu_times()[:2])
    return total


def write_csv(path: Path, rows: int) -> None:
    with path.open("w") as f:
        f.write("Company,Job Title,City,State,Job Link,Salary Min,Salary Max,Email\n")
        for i in range(rows):
            a, b = _WORDS_A[i % len(_WORDS_A)], _WORDS_B[(i // len(_WORDS_A)) % len(_WORDS_B)]
            f.write(
                f"{a} {b} {i % 4999} Inc,{_TITLES[(i // 7) % len(_TITLES)]},{_CITIES[(i // 3) % len(_CITIES)]},"
                f"{_STATES[(i // 11) % len(_STATES)]},https://import.example/job/{i},$55k,$75k,hr{i}@example.com\n"
            )


async def import_bench(args: argparse.Namespace, servers: Servers, workdir: Path) -> int:
    name = f"bench_import_{uuid.uuid4().hex[:8]}"
    db_url = await prepared_database(servers.server_db_url, name, 0)
    procs, base = await start_services(db_url, servers.nats_url, workdir)
    try:
        headers = await login(base)
        path = workdir / "leads.csv"
        write_csv(path, args.rows)
        size = path.stat().st_size
        watched = {p.module: psutil.Process(p.proc.pid) for p in procs}
        idle = {m: p.memory_info().rss / MIB for m, p in watched.items()}
        peak = dict(idle)
        done = asyncio.Event()

        async def sample() -> None:
            while not done.is_set():
                for m, p in watched.items():
                    peak[m] = max(peak[m], p.memory_info().rss / MIB)
                await asyncio.sleep(0.1)

        sampler = asyncio.create_task(sample())
        cpu_before = {m: sum(p.cpu_times()[:2]) for m, p in watched.items()}
        pg_before = postgres_cpu()
        started = time.perf_counter()
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as c:
            with path.open("rb") as f:
                r = await c.post("/leads/import", files={"file": ("leads.csv", f, "text/csv")})
        elapsed = time.perf_counter() - started
        cpu_used = {m: sum(p.cpu_times()[:2]) - cpu_before[m] for m, p in watched.items()}
        pg_used = postgres_cpu() - pg_before
        done.set()
        await sampler
        body = r.json()
        if r.status_code != 200 or body.get("status") != "imported":
            print(f"import failed: {r.status_code} {str(body)[:500]}")
            return 1
        rate = args.rows / elapsed
        print(f"\nPOST /api/v1/leads/import: {args.rows:,} rows ({size / MIB:.1f} MiB CSV)")
        print(
            f"  {elapsed:.1f} s end to end → {rate:,.0f} rows/s (target ≥ {TARGET_IMPORT_ROWS_S:,.0f}): "
            f"{'ok' if rate >= TARGET_IMPORT_ROWS_S else 'MISSED'}"
        )
        print(f"  inserted {body['inserted']:,}, skipped {body['skipped']}")
        for m in watched:
            print(
                f"  {m:12} RSS idle {idle[m]:6.1f} MiB, peak {peak[m]:6.1f} MiB (+{peak[m] - idle[m]:.1f}), "
                f"CPU {cpu_used[m]:.1f} s"
            )
        print(f"  {'postgres':12} CPU {pg_used:.1f} s (all backends)")
        return 0
    finally:
        for p in procs:
            p.terminate()
        if not args.keep:
            with contextlib.suppress(Exception):
                await admin_execute(servers.server_db_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="bench", required=True)
    q = sub.add_parser("query", help="GET /leads latency over a large table")
    q.add_argument("--leads", type=int, default=1_000_000)
    q.add_argument("--clients", type=int, default=8)
    q.add_argument("--requests", type=int, default=400)
    q.add_argument("--data-dir", type=Path, help="embedded Postgres data directory to keep and reuse")
    i = sub.add_parser("import", help="POST /leads/import of a large CSV")
    i.add_argument("--rows", type=int, default=100_000)
    for p in (q, i):
        p.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
        p.add_argument("--profile", action="store_true", help="run the services under cProfile and print it")
        p.add_argument("--only", help="query: run only the scenarios whose label contains this text")
    args = parser.parse_args(argv)
    global PROFILE
    PROFILE = args.profile
    workdir = Path(tempfile.mkdtemp(prefix="ra-bench-"))
    servers = start_servers(workdir, getattr(args, "data_dir", None))
    try:
        run = query_bench if args.bench == "query" else import_bench
        code = asyncio.run(run(args, servers, workdir))
        if args.profile:
            print_profiles(workdir)
        return code
    finally:
        for stop in servers.stop:
            with contextlib.suppress(Exception):
                stop()
        if args.keep:
            print(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
