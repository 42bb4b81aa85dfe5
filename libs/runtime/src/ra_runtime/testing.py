"""Pytest fixtures shared by every test suite (registered with ``pytest_plugins = ["ra_runtime.testing"]``).

Real servers only: NATS with JetStream and Postgres. When ``NATS_URL`` / ``DATABASE_URL`` are set the tests
use those servers; otherwise they start the embedded ones.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ra_runtime.db import admin_execute, database_url_with_name
from ra_runtime.embedded import EmbeddedNats, EmbeddedPostgres


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
