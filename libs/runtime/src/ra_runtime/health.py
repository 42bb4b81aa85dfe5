"""``/healthz`` (the process is alive), ``/readyz`` (NATS and Postgres reachable) and ``/metrics``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ra_runtime.db import ping

if TYPE_CHECKING:
    from ra_runtime.service import ServiceContext


async def readiness(ctx: ServiceContext) -> dict[str, str]:
    checks: dict[str, str] = {}
    checks["nats"] = "ok" if ctx.nc.is_connected else "disconnected"
    try:
        await asyncio.wait_for(ping(ctx.engine), 2.0)
        checks["postgres"] = "ok"
    except Exception as exc:
        checks["postgres"] = f"error: {type(exc).__name__}"
    # Informational: a service works on the catalogue defaults until the gateway has created the bucket.
    checks["settings"] = ctx.settings.state
    if ctx.draining:
        checks["draining"] = "yes"
    return checks


def health_routes(ctx: ServiceContext) -> list[Route]:
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", "service": ctx.name})

    async def readyz(_: Request) -> Response:
        checks = await readiness(ctx)
        ok = all(v == "ok" for k, v in checks.items() if k not in ("draining", "settings")) and not ctx.draining
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503
        )

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return [Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics)]


def health_app(ctx: ServiceContext) -> Starlette:
    return Starlette(routes=health_routes(ctx))
