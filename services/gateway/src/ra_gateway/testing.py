"""A real gateway started in-process, for this service's tests and for end-to-end suites.

Imports test-only packages (httpx) lazily; nothing here runs in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import nats
from fastapi import FastAPI
from nats.aio.client import Client as NATS
from ra_runtime.embedded import free_port
from ra_runtime.migrations import upgrade
from ra_runtime.service import Service, ServiceContext

from ra_gateway.config import GatewayConfig
from ra_gateway.main import MIGRATIONS_DIR, definition

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "correct horse battery staple"
JWT_SECRET = "test-only-jwt-secret-0123456789abcdefghijklmnop"
#: The most a teardown step may take (the service's own drain is bounded well below this).
TEARDOWN_SECONDS = 60.0

log = logging.getLogger(__name__)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class RunningGateway:
    service: Service
    config: GatewayConfig
    http: httpx.AsyncClient
    #: A NATS connection of the test's own: fake owners, reading streams and the settings bucket.
    nc: NATS

    @property
    def app(self) -> FastAPI:
        assert self.service.wiring is not None and isinstance(self.service.wiring.http_app, FastAPI)
        return self.service.wiring.http_app

    @property
    def ctx(self) -> ServiceContext:
        assert self.service.ctx is not None
        return self.service.ctx

    async def login(self, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> dict[str, Any]:
        response = await self.http.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def token(self, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> str:
        return str((await self.login(email, password))["access_token"])

    async def user_token(self, role: str) -> str:
        """Register a user with ``role`` (as the admin) and return an access token of theirs."""
        email, password = f"{role}@example.com", f"{role}-password-123"
        response = await self.http.post(
            "/api/v1/auth/register",
            json={"email": email, "password": password, "full_name": role.title(), "role": role},
            headers=bearer(await self.token()),
        )
        assert response.status_code == 201, response.text
        return await self.token(email, password)


@contextlib.asynccontextmanager
async def running_gateway(database_url: str, nats_url: str, **overrides: Any) -> AsyncIterator[RunningGateway]:
    """Migrate, start the gateway on a free port, wait until it answers; stop it afterwards."""
    await asyncio.to_thread(upgrade, database_url, MIGRATIONS_DIR, "gateway")
    config = GatewayConfig(
        **{
            "nats_url": nats_url,
            "database_url": database_url,
            "http_host": "127.0.0.1",
            "http_port": free_port(),
            "jwt_secret": JWT_SECRET,
            "admin_email": ADMIN_EMAIL,
            "admin_password": ADMIN_PASSWORD,
            **overrides,
        }
    )
    service = Service(definition(), config)
    await service.start()
    nc = await nats.connect(nats_url)
    http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{config.http_port}", timeout=15)
    try:
        # Imported here: importing the pytest plugin early would keep pytest from rewriting its asserts.
        from ra_runtime.testing import eventually

        await eventually(lambda: _serving(service), timeout=15, what="the gateway's HTTP server")
        yield RunningGateway(service=service, config=config, http=http, nc=nc)
    finally:
        # Each step is bounded: a client or server that does not close (seen once, after a JetStream pull
        # subscription on the test's connection) costs a warning, not the suite's per-test timeout.
        steps: tuple[tuple[str, Callable[[], Awaitable[None]]], ...] = (
            ("http client", http.aclose),
            ("test NATS client", nc.close),
            ("gateway", service.stop),
        )
        for step, close in steps:
            try:
                await asyncio.wait_for(close(), TEARDOWN_SECONDS)
            except TimeoutError:
                log.warning("test gateway teardown: the %s did not close within %ss", step, TEARDOWN_SECONDS)


async def _serving(service: Service) -> bool:
    return bool(service.http and service.http.started)
