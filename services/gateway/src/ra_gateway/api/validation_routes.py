"""``/validation`` (SOP §4): results per address and a check of one address now; owned by the validation
service. Runs are started under ``/pipelines/email-validation/run``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from ra_runtime.queries import ask

from ra_gateway.api.deps import Config, Context
from ra_gateway.api.schemas import Page, PageSize
from ra_gateway.auth import AnyUser, OperatorUser

router = APIRouter(prefix="/validation", tags=["validation"])

_OWNER_DOWN: dict[int | str, dict[str, Any]] = {503: {"description": "The validation service is not answering"}}
#: A check may probe a mail server (the built-in verifier) or call a provider: give it time.
CHECK_TIMEOUT_SECONDS = 60.0


class CheckRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)


@router.get("/results", responses=_OWNER_DOWN)
async def list_results(
    _: AnyUser,
    ctx: Context,
    config: Config,
    status: Annotated[Literal["valid", "invalid", "catch_all", "unknown"] | None, Query()] = None,
    provider: Annotated[str | None, Query(pattern=r"^[a-z0-9_-]{1,32}$")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[PageSize, Query()] = PageSize.TWENTY_FIVE,
) -> Page:
    """The latest result per address, newest first, with the provider's own answer (``raw``)."""
    params = {"status": status, "provider": provider, "page": page, "page_size": int(page_size)}
    data = await ask(
        ctx.nc,
        "q.validation.results.list",
        {k: v for k, v in params.items() if v is not None},
        timeout=config.query_timeout_seconds,
    )
    return Page.model_validate(data)


@router.post("/check", responses={409: {"description": "No validator configured"}, **_OWNER_DOWN})
async def check_address(_: OperatorUser, ctx: Context, body: CheckRequest) -> dict[str, Any]:
    """Check one address now with the configured provider (the dashboard's test box)."""
    data: dict[str, Any] = await ask(ctx.nc, "q.validation.check", {"email": body.email}, timeout=CHECK_TIMEOUT_SECONDS)
    return data
