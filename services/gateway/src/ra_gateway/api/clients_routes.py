"""``/clients`` (the SOP's ClientInfo, "Company/client management"): owned by the sourcing service.

Clients are created by lead sourcing as companies are seen and can be added or edited by hand. Reads are
open to every role; changes need an operator or an admin.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from ra_contracts.leads import CLIENT_SORT_FIELDS, ClientCategory, ClientInput, ClientPatch, ClientStatus
from ra_runtime.queries import ask

from ra_gateway.api.deps import Config, Context
from ra_gateway.api.schemas import Page, PageSize
from ra_gateway.auth import AnyUser, OperatorUser

router = APIRouter(prefix="/clients", tags=["clients"])

_OWNER_DOWN: dict[int | str, dict[str, Any]] = {503: {"description": "The sourcing service is not answering"}}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown client"}, **_OWNER_DOWN}

ClientSort = Literal[CLIENT_SORT_FIELDS]  # type: ignore[valid-type]


@router.get("", responses=_OWNER_DOWN)
async def list_clients(
    _: AnyUser,
    ctx: Context,
    config: Config,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[PageSize, Query()] = PageSize.TWENTY_FIVE,
    search: Annotated[str | None, Query(max_length=200, description="Part of the name or industry")] = None,
    status: Annotated[ClientStatus | None, Query()] = None,
    category: Annotated[ClientCategory | None, Query(description="How often the company posts jobs")] = None,
    industry: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[ClientSort, Query()] = "last_seen_at",
    order: Annotated[Literal["asc", "desc"], Query()] = "desc",
) -> Page:
    params = {
        "page": page,
        "page_size": int(page_size),
        "search": (search.strip() or None) if search else None,
        "status": status.value if status else None,
        "category": category.value if category else None,
        "industry": industry,
        "sort": sort,
        "order": order,
    }
    data = await ask(
        ctx.nc,
        "q.sourcing.clients.list",
        {k: v for k, v in params.items() if v is not None},
        timeout=config.query_timeout_seconds,
    )
    return Page.model_validate(data)


@router.post("", status_code=status.HTTP_201_CREATED, responses={409: {"description": "Already a client"}})
async def create_client(user: OperatorUser, ctx: Context, config: Config, client: ClientInput) -> dict[str, Any]:
    body = {"actor": user.email, "client": client.model_dump(mode="json")}
    data: dict[str, Any] = await ask(ctx.nc, "q.sourcing.clients.create", body, timeout=config.query_timeout_seconds)
    return data


@router.get("/{client_id}", responses=_NOT_FOUND)
async def get_client(client_id: uuid.UUID, _: AnyUser, ctx: Context, config: Config) -> dict[str, Any]:
    data: dict[str, Any] = await ask(
        ctx.nc, "q.sourcing.clients.get", {"client_id": str(client_id)}, timeout=config.query_timeout_seconds
    )
    return data


@router.put("/{client_id}", responses=_NOT_FOUND)
async def update_client(
    client_id: uuid.UUID, user: OperatorUser, ctx: Context, config: Config, changes: ClientPatch
) -> dict[str, Any]:
    """Change a client's details. Renaming changes the name shown; leads still match it by the old name."""
    body = {
        "actor": user.email,
        "client_id": str(client_id),
        "changes": changes.model_dump(mode="json", exclude_unset=True),
    }
    data: dict[str, Any] = await ask(ctx.nc, "q.sourcing.clients.update", body, timeout=config.query_timeout_seconds)
    return data


@router.delete(
    "/{client_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={409: {"description": "The client still has leads"}, **_NOT_FOUND},
)
async def delete_client(client_id: uuid.UUID, user: OperatorUser, ctx: Context, config: Config) -> Response:
    await ask(
        ctx.nc,
        "q.sourcing.clients.delete",
        {"actor": user.email, "client_id": str(client_id)},
        timeout=config.query_timeout_seconds,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
