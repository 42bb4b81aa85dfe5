"""The warmup service in-process on the embedded NATS and Postgres, with real mail servers for its tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import KeyValueConfig
from ra_contracts.catalog import SETTINGS_BUCKET, STREAMS
from ra_runtime.config import ServiceConfig
from ra_runtime.embedded import free_port
from ra_runtime.mailtesting import Certificate, self_signed
from ra_runtime.messaging import declare_stream
from ra_runtime.service import Service
from ra_runtime.testing import migrate
from ra_warmup.main import definition

from .support import Warmup

#: Every step of a connection test may take this long (the smallest the setting allows): the silent server's
#: test ends after it.
TEST_TIMEOUT_SECONDS = 1


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Certificate]:
    d: Path = tmp_path_factory.mktemp("warmup-certs")
    return {
        "trusted": self_signed(d, "trusted", dns_names=("localhost",)),
        "stranger": self_signed(d, "stranger", dns_names=("localhost",)),
    }


StartWarmup = Callable[..., Awaitable[Warmup]]


@pytest.fixture
async def start_warmup(database_url: str, nats_url: str, certs: dict[str, Certificate]) -> AsyncIterator[StartWarmup]:
    """Start the warmup service (config overrides as keyword arguments); stopped at the end of the test."""
    d = definition()
    await migrate(database_url, d)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    # Outreach is not running here: its stream is declared so warmup's consumer can bind to it.
    await declare_stream(js, STREAMS["OUTREACH_EVENTS"])
    kv = await js.create_key_value(KeyValueConfig(bucket=SETTINGS_BUCKET))
    await kv.put("mailbox_connection_timeout_seconds", json.dumps({"value": TEST_TIMEOUT_SECONDS}).encode())
    running: list[Warmup] = []

    async def start(**overrides: Any) -> Warmup:
        settings: dict[str, Any] = {
            "nats_url": nats_url,
            "database_url": database_url,
            "http_host": "127.0.0.1",
            "http_port": free_port(),
            "allow_private_mail_hosts": True,
            "mail_ca_file": str(certs["trusted"].cert_file),
        }
        settings.update(overrides)
        service = Service(d, ServiceConfig(**settings))
        warmup = Warmup(service, nc, js)
        await warmup.start()
        running.append(warmup)
        return warmup

    try:
        yield start
    finally:
        for w in running:
            await w.stop()
        await nc.close()


@pytest.fixture
async def warmup(start_warmup: StartWarmup) -> Warmup:
    return await start_warmup()
