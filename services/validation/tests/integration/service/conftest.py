"""Validation and the gateway in-process on the embedded NATS and Postgres, driven through the HTTP API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from ra_contracts.catalog import STREAMS
from ra_gateway.testing import RunningGateway, bearer, running_gateway
from ra_runtime.config import ServiceConfig
from ra_runtime.embedded import free_port
from ra_runtime.messaging import declare_stream
from ra_runtime.service import Service
from ra_runtime.testing import eventually, migrate
from ra_validation.main import definition as validation


@dataclass
class Api:
    gateway: RunningGateway
    validation: Service
    http: httpx.AsyncClient
    """Logged in as the admin."""

    async def as_role(self, role: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=str(self.http.base_url), timeout=30)
        client.headers.update(bearer(await self.gateway.user_token(role)))
        return client


@pytest.fixture
async def api(database_url: str, nats_url: str) -> AsyncIterator[Api]:
    definition = validation()
    await migrate(database_url, definition)
    async with running_gateway(database_url, nats_url) as gw:
        # Enrichment is not running here: its stream is declared so validation's consumer can bind to it.
        await declare_stream(gw.nc.jetstream(), STREAMS["ENRICHMENT_EVENTS"])
        config = ServiceConfig(
            nats_url=nats_url, database_url=database_url, http_host="127.0.0.1", http_port=free_port()
        )
        service = Service(definition, config)
        await service.start()
        assert service.ctx is not None
        settings = service.ctx.settings

        async def live() -> bool:
            return settings.state == "live"

        await eventually(live, what="validation watching the settings")
        http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{gw.config.http_port}/api/v1", timeout=60)
        http.headers.update(bearer(await gw.token()))
        try:
            yield Api(gw, service, http)
        finally:
            await http.aclose()
            await service.stop()
