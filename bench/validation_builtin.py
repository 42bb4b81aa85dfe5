#!/usr/bin/env python
"""Benchmark of the built-in (key-free) email verifier against local DNS and SMTP servers.

    .venv/bin/python bench/validation_builtin.py [--addresses 10000] [--domains 50]

Starts the test DNS server (dnslib, in a thread of this process) with one MX per domain, all pointing at
127.0.0.1, and the test SMTP server (aiosmtpd) in its own process, so the verifier and the server do not
share a core. Each domain has a policy: most know a set of mailboxes and reject the rest with
``550 5.1.1``, some accept everyone (catch-all), some greylist, some know nobody. The addresses are
shuffled and checked through :class:`BuiltinVerifier` with at most ``--in-flight`` checks outstanding, as the
validation pipeline does. Prints addresses/s, the verdict counts (checked against what the policies
imply), latency percentiles, CPU time per process, and the highest number of concurrent sessions the
SMTP server saw for any one domain, which must not exceed ``--per-domain-connections``.

Exit status 0 when every verdict is as expected and no domain saw more sessions than the cap, else 1.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import random
import resource
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SERVERS_PY = ROOT / "services/validation/tests/integration/builtin/servers.py"
sys.path.append(str(ROOT / "services/validation/src"))  # when ra_validation is not installed


def load_servers() -> ModuleType:
    """The local DNS/SMTP servers the verifier's tests use (a test helper module, loaded by path)."""
    spec = importlib.util.spec_from_file_location("ra_validation_builtin_test_servers", SERVERS_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


servers = load_servers()

#: 70% of the addresses at a domain that knows its mailboxes exist.
MAILBOXES = frozenset(f"person{i}" for i in range(10_000) if i % 10 < 7)


def domain_plan(domains: int) -> dict[str, Any]:
    """Domain name → its policy: 80% known mailboxes, 10% catch-all, 6% greylisting, 4% nobody."""
    plan: dict[str, Any] = {}
    for i in range(domains):
        name = f"dom{i:03d}.test"
        slot = i % 50
        if slot < 40:
            plan[name] = servers.MailPolicy(accept="known", mailboxes=MAILBOXES)
        elif slot < 45:
            plan[name] = servers.MailPolicy(accept="all")
        elif slot < 48:
            plan[name] = servers.MailPolicy(reply=servers.GREYLISTED)
        else:
            plan[name] = servers.MailPolicy(accept="none")
    return plan


def expected_status(policy: Any, local: str) -> str:
    if policy.reply is not None:
        return "unknown"
    if policy.accept == "all":
        return "catch_all"
    if policy.accept == "known" and local in policy.mailboxes:
        return "valid"
    return "invalid"


# ------------------------------------------------------------------------------------- the SMTP process


async def serve(port: int, domains: int) -> None:
    """Run the SMTP server until stdin closes or says ``stats``; then print its counters as JSON."""
    rules = servers.MailServerRules(domain_plan(domains))
    server = await servers.serve_smtp(rules, "127.0.0.1", port)
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    server.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    stats = {
        "max_sessions": dict(rules.max_sessions),
        "commands": dict(rules.commands),
        "connections": rules.connections,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
    }
    print(json.dumps(stats), flush=True)


# ---------------------------------------------------------------------------------------- the benchmark


def start_smtp_process(port: int, domains: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port), "--domains", str(domains)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != "ready":
        proc.kill()
        raise RuntimeError(f"the SMTP server process did not start (said {line!r})")
    return proc


def stop_smtp_process(proc: subprocess.Popen[str]) -> dict[str, Any]:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("stats\n")
    proc.stdin.flush()
    stats: dict[str, Any] = json.loads(proc.stdout.readline())
    proc.wait(timeout=10)
    return stats


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


async def run(args: argparse.Namespace) -> int:
    from ra_runtime.embedded import free_port
    from ra_validation.builtin import BuiltinConfig, BuiltinVerifier

    plan = domain_plan(args.domains)
    zone = servers.Zone()
    for name in plan:
        zone.add_domain(name)
    rng = random.Random(7)
    per_domain = args.addresses // args.domains
    addresses = [(f"person{i}", name) for name in plan for i in range(per_domain)]
    rng.shuffle(addresses)

    port = free_port()
    proc = start_smtp_process(port, args.domains)
    try:
        with servers.LocalDns(zone) as dns_server:
            config = BuiltinConfig(
                helo_name="probe.bench.test",
                mail_from="verify@bench.test",
                smtp_port=port,
                nameservers=dns_server.nameservers,
                timeout_seconds=10.0,
                per_domain_connections=args.per_domain_connections,
                per_domain_rate=args.per_domain_rate,
                max_concurrency=args.max_concurrency,
                test_environment=True,
            )
            verifier = BuiltinVerifier(config)
            gate = asyncio.Semaphore(args.in_flight)
            latencies: list[float] = []

            async def one(local: str, domain: str) -> tuple[str, str, str]:
                async with gate:
                    began = time.perf_counter()
                    verdict = await verifier.check(f"{local}@{domain}")
                    latencies.append(time.perf_counter() - began)
                return verdict.status, expected_status(plan[domain], local), verdict.sub_status or ""

            cpu_before = time.process_time()
            started = time.perf_counter()
            results = await asyncio.gather(*(one(local, domain) for local, domain in addresses))
            wall = time.perf_counter() - started
            cpu_self = time.process_time() - cpu_before
            dns_lookups = verifier.domain_lookups
    finally:
        stats = stop_smtp_process(proc)

    rate = len(addresses) / wall
    by_status = Counter(status for status, _, _ in results)
    wrong = [(status, expected) for status, expected, _ in results if status != expected]
    max_sessions: dict[str, int] = stats["max_sessions"]
    worst = max(max_sessions.values(), default=0)
    print(f"addresses      {len(addresses):,} over {args.domains} domains, {args.in_flight} in flight")
    print(
        f"limits         {args.per_domain_connections} sessions and {args.per_domain_rate:g} starts/s per domain, "
        f"{args.max_concurrency} sessions in all"
    )
    print(f"wall time      {wall:.2f} s")
    print(f"addresses/s    {rate:,.0f}   target >= 500: {'PASS' if rate >= 500 else 'MISS'}")
    print(
        f"latency        p50 {percentile(latencies, 50) * 1000:.0f} ms, p99 {percentile(latencies, 99) * 1000:.0f} ms"
    )
    print(f"verdicts       {dict(sorted(by_status.items()))}")
    print(f"MX lookups     {dns_lookups} (one per domain expected)")
    print(f"SMTP sessions  {stats['connections']:,}; commands {dict(sorted(stats['commands'].items()))}")
    print(f"CPU seconds    verifier process {cpu_self:.1f}, SMTP server process {stats['cpu_seconds']:.1f}")
    print(
        f"max concurrent sessions per domain (server side): {worst} "
        f"(cap {args.per_domain_connections}): {'OK' if worst <= args.per_domain_connections else 'EXCEEDED'}"
    )
    checks = {
        "every verdict as the domain's policy implies": not wrong,
        "no domain over the session cap": worst <= args.per_domain_connections,
        "DATA never sent": stats["commands"].get("DATA", 0) == 0,
        "one MX lookup per domain": dns_lookups == args.domains,
    }
    for label, ok in checks.items():
        print(f"check          {label}: {'OK' if ok else 'FAILED'}")
    if wrong:
        print(f"               e.g. {Counter(wrong).most_common(3)}")
    return 0 if all(checks.values()) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--addresses", type=int, default=10_000)
    parser.add_argument("--domains", type=int, default=50)
    parser.add_argument("--in-flight", type=int, default=200, help="checks outstanding at once (the caller's cap)")
    parser.add_argument("--per-domain-connections", type=int, default=2)
    parser.add_argument(
        "--per-domain-rate", type=float, default=20.0, help="session starts/s per domain (the service default is 5)"
    )
    parser.add_argument("--max-concurrency", type=int, default=100, help="SMTP sessions at once over all domains")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us through stdin
        asyncio.run(serve(args.serve, args.domains))
        return
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
