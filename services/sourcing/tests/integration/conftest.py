"""Sourcing and the gateway in-process on the embedded NATS and Postgres, driven through the HTTP API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from ra_gateway.testing import RunningGateway, bearer, running_gateway
from ra_runtime.config import ServiceConfig
from ra_runtime.embedded import free_port
from ra_runtime.service import Service
from ra_runtime.testing import eventually, migrate
from ra_sourcing.main import definition as sourcing


@dataclass
class Api:
    gateway: RunningGateway
    sourcing: Service
    http: httpx.AsyncClient
    """Logged in as the admin."""
    exports_dir: Path

    async def as_role(self, role: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=str(self.http.base_url), timeout=30)
        client.headers.update(bearer(await self.gateway.user_token(role)))
        return client


@pytest.fixture
async def api(database_url: str, nats_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    definition = sourcing()
    await migrate(database_url, definition)
    async with running_gateway(database_url, nats_url) as gw:
        config = ServiceConfig(
            nats_url=nats_url,
            database_url=database_url,
            http_host="127.0.0.1",
            http_port=free_port(),
            exports_dir=str(tmp_path / "exports"),
        )
        service = Service(definition, config)
        await service.start()
        assert service.ctx is not None
        settings = service.ctx.settings

        async def live() -> bool:
            return settings.state == "live"

        await eventually(live, what="sourcing watching the settings")
        http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{gw.config.http_port}/api/v1", timeout=60)
        http.headers.update(bearer(await gw.token()))
        try:
            yield Api(gw, service, http, tmp_path / "exports")
        finally:
            await http.aclose()
            await service.stop()
