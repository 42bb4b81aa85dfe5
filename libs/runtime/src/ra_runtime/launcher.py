"""``make run``: the whole system on one machine.

Starts NATS (JetStream, file storage under ``data/nats``) and Postgres (``data/pg``) when ``NATS_URL`` /
``DATABASE_URL`` are not set, migrates every service, starts each service as its own process and the gateway
on http://localhost:8000 (``RA_GATEWAY_PORT`` for another port), and stops all of them cleanly on Ctrl-C.
A service whose own health port is taken gets a free one (only the gateway's port is public).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from ra_runtime.embedded import EmbeddedNats, EmbeddedPostgres, free_port

#: (module, HTTP port) — the gateway last, so that its first-admin message is the last thing printed.
SERVICES = (
    ("ra_sourcing", 8101),
    ("ra_enrichment", 8102),
    ("ra_validation", 8103),
    ("ra_warmup", 8104),
    ("ra_outreach", 8105),
    ("ra_gateway", 8000),
)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _say(msg: str) -> None:
    print(f"[run] {msg}", file=sys.stderr, flush=True)


def main() -> int:
    data = Path(os.environ.get("RA_DATA_DIR", "data")).resolve()
    data.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    nats_server: EmbeddedNats | None = None
    pg: EmbeddedPostgres | None = None
    procs: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        if not env.get("NATS_URL"):
            port = 4222 if _port_free(4222) else free_port()
            nats_server = EmbeddedNats(data / "nats", port=port).start()
            env["NATS_URL"] = nats_server.url
            _say(f"embedded NATS with JetStream at {nats_server.url} (data in {data / 'nats'})")
        if not env.get("DATABASE_URL"):
            pg = EmbeddedPostgres(data / "pg").start()
            env["DATABASE_URL"] = pg.url
            _say(f"embedded Postgres (data in {data / 'pg'})")
        env.setdefault("RA_EXPORTS_DIR", str(data / "exports"))
        for module, _ in SERVICES:
            _say(f"migrating {module}")
            subprocess.run([sys.executable, "-m", module, "migrate"], env=env, check=True)
        gateway_port = int(env.get("RA_GATEWAY_PORT") or 8000)
        for module, port in SERVICES:
            if module == "ra_gateway":
                penv = {**env, "HTTP_PORT": str(gateway_port)}
                penv.setdefault("HTTP_HOST", "0.0.0.0")
            else:
                penv = {**env, "HTTP_PORT": str(port if _port_free(port) else free_port())}
                penv.setdefault("HTTP_HOST", "127.0.0.1")
            procs.append((module, subprocess.Popen([sys.executable, "-m", module], env=penv)))
        _say(
            f"dashboard and API: http://localhost:{gateway_port}  (API under /api/v1, docs at /api/docs)"
            " — Ctrl-C stops everything"
        )
        while True:
            for module, p in procs:
                if p.poll() is not None:
                    _say(f"{module} exited with code {p.returncode}; stopping the system")
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        _say("stopping")
        return 0
    except subprocess.CalledProcessError as exc:
        _say(f"failed: {exc}")
        return 1
    finally:
        for _, p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 40
        for module, p in procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _say(f"{module} did not drain in time; killing it")
                p.kill()
        if nats_server:
            nats_server.stop()
        if pg:
            pg.stop()
        _say("stopped")


if __name__ == "__main__":
    # SIGTERM stops the system the same way Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    sys.exit(main())
