"""Composition root: ``definition()`` tells the runtime how to build and run the gateway."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from ra_runtime.service import ServiceContext, ServiceDefinition, Wiring

from ra_gateway.app import create_app
from ra_gateway.auth import Authenticator
from ra_gateway.config import GatewayConfig
from ra_gateway.models import SCHEMA, messaging_tables, metadata
from ra_gateway.settings_service import SettingsService

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: Expired revocations, tokens and login attempts are cleared this often.
PURGE_INTERVAL_SECONDS = 3600.0


def gateway_config(ctx: ServiceContext) -> GatewayConfig:
    if isinstance(ctx.config, GatewayConfig):
        return ctx.config
    # Started with the runtime's plain config (a test, a tool): the gateway's own defaults fill the rest.
    return GatewayConfig.model_validate(ctx.config.model_dump())


async def build(ctx: ServiceContext) -> Wiring:
    config = gateway_config(ctx)
    config.refuse_unsafe_production()
    authenticator = Authenticator(ctx.sessions, config)
    settings = SettingsService(ctx.engine, ctx.js, ctx.secrets, ctx.outbox)

    await authenticator.bootstrap_first_admin()
    await authenticator.prepare()
    async with ctx.sessions() as session, session.begin():
        await settings.initialize_defaults(session)
    # Whatever happened while the gateway was down (a restore, a manual edit), the bucket now equals the DB.
    await settings.mirror()

    async def keep_settings_mirrored() -> None:
        await settings.keep_mirrored(config.settings_resync_seconds)

    async def purge_expired_credentials() -> None:
        while True:
            try:
                await authenticator.purge_expired()
            except Exception as exc:
                log.warning("purging expired credentials failed: %s", exc)
            await asyncio.sleep(PURGE_INTERVAL_SECONDS)

    app = create_app(ctx, config, authenticator=authenticator, settings=settings)
    return Wiring(http_app=app, tasks=[keep_settings_mirrored, purge_expired_credentials])


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="gateway",
        schema=SCHEMA,
        metadata=metadata,
        tables=messaging_tables,
        migrations_dir=MIGRATIONS_DIR,
        build=build,
        config_class=GatewayConfig,
    )
