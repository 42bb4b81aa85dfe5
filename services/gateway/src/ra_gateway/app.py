"""The FastAPI application: /api/v1 routes, docs under /api, health and metrics at the root."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from pydantic import ValidationError
from ra_runtime.health import health_routes
from ra_runtime.queries import QueryError, ServiceUnavailable
from ra_runtime.service import ServiceContext

from ra_gateway.api import (
    auth_routes,
    clients_routes,
    contacts_routes,
    leads_routes,
    mailboxes_routes,
    outreach_routes,
    pipeline_routes,
    settings_routes,
    unsubscribe_routes,
    validation_routes,
)
from ra_gateway.auth import Authenticator, current_user
from ra_gateway.config import GatewayConfig
from ra_gateway.dashboard import mount_dashboard
from ra_gateway.errors import GatewayError
from ra_gateway.pipeline_runs import PipelineRuns
from ra_gateway.settings_service import SettingsService

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"


def create_app(
    ctx: ServiceContext,
    config: GatewayConfig,
    *,
    authenticator: Authenticator | None = None,
    settings: SettingsService | None = None,
) -> FastAPI:
    app = _new_app()
    app.state.ctx = ctx
    app.state.config = config
    app.state.authenticator = authenticator or Authenticator(ctx.sessions, config)
    app.state.settings_service = settings or SettingsService(ctx.engine, ctx.js, ctx.secrets, ctx.outbox)
    app.state.pipeline_runs = PipelineRuns(ctx.sessions, ctx.outbox, ctx.nc, config.query_timeout_seconds)
    add_exception_handlers(app)
    _include_routes(app)
    app.router.routes.extend(health_routes(ctx))
    # A request's trace continues into the commands and events it causes (outbox rows keep the context).
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    # Last: the dashboard answers every path no route above claims.
    mount_dashboard(app, Path(config.dashboard_dir))
    return app


def _new_app() -> FastAPI:
    return FastAPI(
        title="RA Cold-Email Automation API",
        version="1.0",
        description="Leads, contacts, pipelines and settings of the cold-email automation platform.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )


def _include_routes(app: FastAPI) -> None:
    api = APIRouter(prefix=API_PREFIX)
    api.include_router(auth_routes.public_router)
    # Everything else sits behind one router-level token check, so a new route cannot forget it.
    protected = APIRouter(dependencies=[Depends(current_user)])
    for module in (
        auth_routes,
        settings_routes,
        pipeline_routes,
        leads_routes,
        clients_routes,
        contacts_routes,
        validation_routes,
        mailboxes_routes,
        outreach_routes,
    ):
        protected.include_router(module.router)
    api.include_router(protected)
    app.include_router(api)
    # Public pages for email recipients (no login, outside /api/v1): the link in every outreach email.
    app.include_router(unsubscribe_routes.router)


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document, without a running system (the dashboard's typed client is built from it)."""
    app = _new_app()
    _include_routes(app)
    return app.openapi()


def _problem(status: int, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def add_exception_handlers(app: FastAPI) -> None:
    """Every refusal, the gateway's own or an owner's, reaches the client as ``{"detail": …}``."""

    async def gateway_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, GatewayError)
        return _problem(exc.status, exc.detail, exc.headers)

    async def query_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, QueryError)
        # An owner's own failure (5xx) is a bad gateway from the client's side; its 4xx pass through as is.
        status = exc.status if 400 <= exc.status < 500 else 502
        return _problem(status, exc.detail)

    async def service_unavailable(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ServiceUnavailable)
        return _problem(503, str(exc), {"Retry-After": "5"})

    async def invalid_request(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        # FastAPI would echo each bad input back; for a login or a secret that input is a password.
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()
        ]
        return _problem(422, errors)

    async def unexpected_answer(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected answer from a service for %s: %s", request.url.path, exc)
        return _problem(502, "a service answered in an unexpected format")

    app.add_exception_handler(GatewayError, gateway_error)
    app.add_exception_handler(QueryError, query_error)
    app.add_exception_handler(ServiceUnavailable, service_unavailable)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(ValidationError, unexpected_answer)
