"""Pytest fixtures shared by every test suite (registered with ``pytest_plugins = ["ra_runtime.testing"]``).

Real servers only: NATS with JetStream and Postgres. When ``NATS_URL`` / ``DATABASE_URL`` are set the tests
use those servers; otherwise they start the embedded ones.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from ra_runtime.db import admin_execute, database_url_with_name
from ra_runtime.embedded import EmbeddedNats, EmbeddedPostgres
from ra_runtime.queries import QueryError


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    tmp = Path(tempfile.mkdtemp(prefix="ra-pg-"))
    pg = EmbeddedPostgres(tmp, cleanup=True).start()
    try:
        yield pg.url
    finally:
        pg.stop()


@pytest.fixture
async def database_url(postgres_server_url: str) -> AsyncIterator[str]:
    """A brand-new, empty database for one test, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    await admin_execute(postgres_server_url, f'CREATE DATABASE "{name}"')
    try:
        yield database_url_with_name(postgres_server_url, name)
    finally:
        await admin_execute(postgres_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A fresh embedded nats-server for one test (restartable: ``.restart()``, ``.stop(kill=True)``)."""
    server = EmbeddedNats(tmp_path / "nats").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def nats_url(tmp_path: Path) -> AsyncIterator[str]:
    """NATS for one test: the external ``NATS_URL`` with every stream and bucket removed, or a fresh server."""
    url = os.environ.get("NATS_URL")
    if url:
        import nats

        nc = await nats.connect(url)
        js = nc.jetstream()
        for info in await js.streams_info():
            if info.config.name:
                await js.delete_stream(info.config.name)
        await nc.close()
        yield url
        return
    server = EmbeddedNats(tmp_path / "nats").start()
    try:
        yield server.url
    finally:
        server.stop()


async def eventually(
    check: Callable[[], Awaitable[Any]], timeout: float = 20.0, interval: float = 0.05, what: str = "condition"
) -> Any:
    """Wait until ``check()`` returns a truthy value (no fixed sleeps in tests)."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while True:
        last = await check()
        if last:
            return last
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")
        await asyncio.sleep(interval)


# --- running services in tests -------------------------------------------------------------------------


async def migrate(database_url: str, definition: Any) -> None:
    from ra_runtime.migrations import upgrade_async

    await upgrade_async(database_url, definition.migrations_dir, definition.schema)


class ServiceProcess:
    """A service as its own OS process (``python -m <module>``), for crash and scaling tests."""

    def __init__(self, module: str, env: dict[str, str], log_path: Path) -> None:
        from ra_runtime.embedded import free_port

        self.module = module
        self.port = free_port()
        self.env = {**os.environ, **env, "HTTP_PORT": str(self.port), "HTTP_HOST": "127.0.0.1"}
        self.log_path = log_path
        self.proc: Any = None

    def start(self, **extra_env: str) -> ServiceProcess:
        import subprocess
        import sys

        env = {**self.env, **extra_env}
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", self.module], env=env, stdout=log, stderr=log)
        return self

    async def wait_ready(self, timeout: float = 30.0) -> None:
        import httpx

        async def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.module} exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                async with httpx.AsyncClient() as c:
                    r = await c.get(f"http://127.0.0.1:{self.port}/readyz", timeout=1)
                return r.status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(ready, timeout=timeout, interval=0.1, what=f"{self.module} ready")

    async def wait_exit(self, timeout: float = 30.0) -> int:
        async def exited() -> bool:
            return self.proc.poll() is not None

        await eventually(exited, timeout=timeout, what=f"{self.module} to exit")
        return int(self.proc.returncode)

    def kill(self) -> None:
        import signal

        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def terminate(self) -> int:
        import signal

        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            return int(self.proc.wait(40))
        return int(self.proc.returncode) if self.proc else 0

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""


@dataclass
class FakeOwner:
    """A stand-in for an owning service: answers query subjects in the wire format and keeps every request.

    ``reply`` gets the request's parameters and returns the data (or an awaitable of it); raising
    :class:`QueryError` answers that refusal, as a real owner would.
    """

    nc: NATS
    asked: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _subs: list[Subscription] = field(default_factory=list)

    async def answer(self, subject: str, reply: Callable[[dict[str, Any]], Any]) -> None:
        async def respond(msg: Msg) -> None:
            params = json.loads(msg.data)
            self.asked.append((msg.subject, params))
            try:
                data = reply(params)
                if inspect.isawaitable(data):
                    data = await data
                body: dict[str, Any] = {"ok": True, "data": data}
            except QueryError as exc:
                body = {"ok": False, "status": exc.status, "detail": exc.detail}
            await msg.respond(json.dumps(body, default=str).encode())

        self._subs.append(await self.nc.subscribe(subject, cb=respond))
        await self.nc.flush()

    def params(self, subject: str) -> list[dict[str, Any]]:
        """The parameters of every request on ``subject``, oldest first."""
        return [params for asked, params in self.asked if asked == subject]

    async def stop(self) -> None:
        """Stop answering (the owner goes down)."""
        for sub in self._subs:
            await sub.unsubscribe()
        self._subs.clear()
        await self.nc.flush()
