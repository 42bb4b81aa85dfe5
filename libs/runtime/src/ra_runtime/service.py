"""The lifecycle every service shares: connect, declare, consume, answer, relay, drain on SIGTERM.

A service module provides a :class:`ServiceDefinition`; ``python -m ra_<service>`` calls :func:`main` with it
(``migrate`` as the first argument applies its migrations and exits).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import uvicorn
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from ra_contracts.catalog import SERVICES, STREAMS, consumer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette

from ra_runtime import migrations
from ra_runtime.config import ServiceConfig
from ra_runtime.db import create_engine, session_factory
from ra_runtime.health import health_app
from ra_runtime.messaging import BatchHandler, DurableConsumer, connect, declare_stream
from ra_runtime.outbox import Outbox, OutboxRelay
from ra_runtime.queries import QueryHandler, QueryResponder
from ra_runtime.secrets import SecretBox
from ra_runtime.settings_view import SettingsView
from ra_runtime.tables import MessagingTables
from ra_runtime.telemetry import setup_logging, setup_tracing

log = logging.getLogger(__name__)


@dataclass
class ServiceContext:
    """Everything a service's handlers need, built once at start-up (no import-time globals)."""

    name: str
    config: ServiceConfig
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    nc: NATS
    js: JetStreamContext
    settings: SettingsView
    outbox: Outbox
    tables: MessagingTables
    secrets: SecretBox
    draining: bool = False


@dataclass
class Wiring:
    """What a service plugs into the runtime."""

    consumers: dict[str, BatchHandler] = field(default_factory=dict)
    queries: dict[str, QueryHandler] = field(default_factory=dict)
    #: Long-running extra tasks (each gets cancelled on shutdown).
    tasks: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    #: An HTTP app served instead of the bare health app (the gateway's FastAPI).
    http_app: Starlette | None = None
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    schema: str
    metadata: sa.MetaData
    tables: MessagingTables
    migrations_dir: Path
    build: Callable[[ServiceContext], Awaitable[Wiring]]
    config_class: type[ServiceConfig] = ServiceConfig


class _EmbeddedHttpServer(uvicorn.Server):
    """uvicorn inside the service's lifecycle. uvicorn's ``serve()`` would otherwise take over SIGTERM and
    SIGINT and stop the HTTP server first; here the service owns the signals and stops HTTP last, so
    ``/readyz`` reports the drain while it happens."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Service:
    """One running service process."""

    def __init__(self, definition: ServiceDefinition, config: ServiceConfig) -> None:
        self.definition = definition
        self.config = config
        self.ctx: ServiceContext | None = None
        self.consumers: list[DurableConsumer] = []
        self.relay: OutboxRelay | None = None
        self.responder: QueryResponder | None = None
        self.http: uvicorn.Server | None = None
        self.wiring: Wiring | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._extra: list[asyncio.Task[Any]] = []
        self.started = asyncio.Event()

    async def start(self) -> ServiceContext:
        d, cfg = self.definition, self.config
        cfg.refuse_unsafe_production()
        engine = create_engine(cfg.database_url, d.schema, application_name=d.name)
        nc = await connect(cfg.nats_url, d.name)
        js = nc.jetstream(timeout=10)
        for spec in STREAMS.values():
            if spec.owner == d.name:
                await declare_stream(js, spec)
        box = SecretBox.from_setting(cfg.secret_key)
        settings = SettingsView(js, box)
        await settings.start()
        ctx = ServiceContext(
            name=d.name,
            config=cfg,
            engine=engine,
            sessions=session_factory(engine),
            nc=nc,
            js=js,
            settings=settings,
            outbox=Outbox(d.tables, d.name),
            tables=d.tables,
            secrets=box,
        )
        self.ctx = ctx
        wiring = await d.build(ctx)
        self.wiring = wiring
        declared = {c.durable for c in SERVICES[d.name].consumers}
        for durable, handler in wiring.consumers.items():
            if durable not in declared:
                raise ValueError(f"consumer {durable} is not declared for {d.name} in ra_contracts.catalog")
            dc = DurableConsumer(
                consumer(durable),
                handler,
                ctx.sessions,
                d.tables,
                batch_size=cfg.batch_size,
                backoff_base=cfg.retry_backoff_base,
                ack_wait=cfg.ack_wait_seconds,
            )
            self.consumers.append(dc)
        self.relay = OutboxRelay(engine, js, d.tables, cfg.database_url, service=d.name)
        self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        for dc in self.consumers:
            self._tasks.append(asyncio.create_task(dc.run(js), name=dc.spec.durable))
        if wiring.queries:
            self.responder = QueryResponder(nc, d.name, ctx.sessions, wiring.queries)
            await self.responder.start()
        for fn in wiring.tasks:
            self._extra.append(asyncio.create_task(fn()))
        app = wiring.http_app or health_app(ctx)
        self.http = _EmbeddedHttpServer(
            uvicorn.Config(
                app, host=cfg.http_host, port=cfg.http_port, log_config=None, lifespan="off", access_log=False
            )
        )
        self._tasks.append(asyncio.create_task(self.http.serve(), name="http"))
        self.started.set()
        log.info("%s started", d.name, extra={"http_port": cfg.http_port})
        return ctx

    async def stop(self) -> None:
        """Graceful drain: stop taking work, finish in-flight batches, flush the outbox, close."""
        ctx = self.ctx
        if ctx is None:
            return
        ctx.draining = True
        if self.responder:
            with contextlib.suppress(Exception):
                await self.responder.stop()
        for dc in self.consumers:
            await dc.stop()
        consumer_tasks = [t for t in self._tasks if t.get_name() not in ("outbox-relay", "http")]
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*consumer_tasks, return_exceptions=True), 30)
        for t in self._extra:
            t.cancel()
        await asyncio.gather(*self._extra, return_exceptions=True)
        if self.wiring:
            for hook in self.wiring.on_shutdown:
                with contextlib.suppress(Exception):
                    await hook()
        if self.relay:
            await self.relay.stop()
        relay_task = next((t for t in self._tasks if t.get_name() == "outbox-relay"), None)
        if relay_task:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(relay_task, 15)
        await ctx.settings.stop()
        if self.http:
            self.http.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ctx.nc.drain(), 5)
        await ctx.engine.dispose()
        for t in self._tasks:
            if not t.done():
                t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        log.info("%s stopped", self.definition.name)


async def serve(definition: ServiceDefinition, config: ServiceConfig) -> None:
    service = Service(definition, config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await service.start()
    await stop.wait()
    log.info("shutdown requested; draining")
    await service.stop()


def main(definition: ServiceDefinition, argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    config = definition.config_class()
    setup_logging(definition.name, config.log_level)
    config.refuse_unsafe_production()
    if args and args[0] == "migrate":
        migrations.upgrade(config.database_url, definition.migrations_dir, definition.schema)
        log.info("%s migrated", definition.name)
        return
    setup_tracing(definition.name)
    asyncio.run(serve(definition, config))
