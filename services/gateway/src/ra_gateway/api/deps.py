"""Dependencies that hand routes what ``create_app`` built (kept on ``app.state``, no module globals)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from ra_runtime.service import ServiceContext

from ra_gateway.auth import Authenticator, authenticator
from ra_gateway.config import GatewayConfig
from ra_gateway.pipeline_runs import PipelineRuns
from ra_gateway.settings_service import SettingsService


def service_context(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


def gateway_config(request: Request) -> GatewayConfig:
    config: GatewayConfig = request.app.state.config
    return config


def settings_service(request: Request) -> SettingsService:
    service: SettingsService = request.app.state.settings_service
    return service


def pipeline_runs(request: Request) -> PipelineRuns:
    runs: PipelineRuns = request.app.state.pipeline_runs
    return runs


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


Auth = Annotated[Authenticator, Depends(authenticator)]
Context = Annotated[ServiceContext, Depends(service_context)]
Config = Annotated[GatewayConfig, Depends(gateway_config)]
Settings = Annotated[SettingsService, Depends(settings_service)]
Runs = Annotated[PipelineRuns, Depends(pipeline_runs)]
ClientIp = Annotated[str, Depends(client_ip)]
