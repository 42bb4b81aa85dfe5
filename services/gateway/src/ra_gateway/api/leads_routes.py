"""``/leads`` (SOP Appendix B "Leads"): owned by the sourcing service, reached over NATS request/reply.

Reads are open to every role; creating, editing, status changes, deleting and importing need an operator
or an admin. Parameters are checked here, so a bad one is a 422 at the edge and the owner only ever sees
clean requests (it checks them again all the same).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, File, Form, Query, Response, UploadFile, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from ra_contracts.defaults import US_STATES
from ra_contracts.leads import LEAD_SORT_FIELDS, LeadInput, LeadPatch, LeadStatus
from ra_runtime.queries import ask, ask_raw
from ra_runtime.stats import DEFAULT_DAYS

from ra_gateway.api.deps import Config, Context
from ra_gateway.api.schemas import PageSize
from ra_gateway.api.trends import CreatedOnDay, TrendDaysQ
from ra_gateway.api.uploads import upload
from ra_gateway.auth import AnyUser, OperatorUser
from ra_gateway.errors import InvalidValue

router = APIRouter(prefix="/leads", tags=["leads"])

_OWNER_DOWN: dict[int | str, dict[str, Any]] = {503: {"description": "The sourcing service is not answering"}}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown lead"}, **_OWNER_DOWN}

LeadSort = Literal[LEAD_SORT_FIELDS]  # type: ignore[valid-type]

#: Uploads larger than this are refused before anything is read further (413).
MAX_IMPORT_BYTES = 50 * 1024 * 1024
#: An import of 100,000 rows takes ~20 s; the gateway waits this long for the owner's answer.
IMPORT_TIMEOUT_SECONDS = 300.0


class LeadPage(BaseModel):
    """A page of leads. ``total`` is exact up to 10,000 matches, an estimate above (``total_exact``)."""

    model_config = ConfigDict(extra="allow")

    items: list[dict[str, Any]]
    total: int
    total_exact: bool = True
    page: int | None = Field(None, description="The page number (null when the page came from a cursor)")
    page_size: int
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page (any depth)")
    prev_cursor: str | None = Field(None, description="Pass as ?cursor= for the previous page")


class LeadStats(BaseModel):
    """Lead counts now, and leads created per UTC day of the window."""

    model_config = ConfigDict(extra="allow")

    total: int
    by_status: dict[str, int] = Field(description="NEW, ENRICHED, VALIDATED, CONTACTED, …")
    by_source: dict[str, int] = Field(
        description="Per job source; a lead found by several sources counts under each ('none': no source)"
    )
    by_state: dict[str, int] = Field(description="Per US state code ('none': unknown)")
    trend: list[CreatedOnDay] = Field(description="One entry per UTC day, today included, oldest first")


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: LeadStatus


class ImportResult(BaseModel):
    """What an import found: ``preview`` (dry run, clean file), ``rejected`` (bad rows; nothing stored) or
    ``imported``. Row numbers are those of the spreadsheet (the header is row 1)."""

    model_config = ConfigDict(extra="allow")

    status: Literal["preview", "rejected", "imported"]
    rows: int
    valid: int
    invalid: int
    inserted: int
    skipped: dict[str, int]
    errors: list[dict[str, Any]]
    preview: list[dict[str, Any]]


def _present(**params: Any) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


def _day_start(day: date | None, *, next_day: bool = False) -> str | None:
    if day is None:
        return None
    moment = datetime.combine(day, time.min, tzinfo=UTC) + (timedelta(days=1) if next_day else timedelta())
    return moment.isoformat()


def _filters(
    status: str | None,
    source: str | None,
    state: str | None,
    search: str | None,
    created_from: date | None,
    created_to: date | None,
    origin: str | None,
    run_id: uuid.UUID | None,
    lead_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    if status is not None and status.upper() not in LeadStatus.__members__:
        allowed = ", ".join(LeadStatus.__members__)
        raise InvalidValue(("query", "status"), f"must be one of {allowed} (any case)")
    if state is not None and state.upper() not in US_STATES:
        raise InvalidValue(("query", "state"), "must be a two-letter US state code")
    if created_from and created_to and created_from > created_to:
        raise InvalidValue(("query", "created_to"), "is before created_from")
    return _present(
        status=status.upper() if status else None,
        source=source.lower() if source else None,
        state=state.upper() if state else None,
        search=(search.strip() or None) if search else None,
        created_from=_day_start(created_from),
        created_to=_day_start(created_to, next_day=True),
        origin=origin,
        run_id=str(run_id) if run_id else None,
        lead_id=str(lead_id) if lead_id else None,
    )


StatusQ = Annotated[
    str | None, Query(max_length=16, description="NEW, ENRICHED, VALIDATED, CONTACTED, RESPONDED, CONVERTED, ARCHIVED")
]
SourceQ = Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,32}$", description="jsearch, apollo, …")]
StateQ = Annotated[str | None, Query(min_length=2, max_length=2, description="Two-letter US state")]
SearchQ = Annotated[str | None, Query(max_length=200, description="Part of the company, job title or city")]
FromQ = Annotated[date | None, Query(description="Created on or after this day (UTC)")]
ToQ = Annotated[date | None, Query(description="Created on or before this day (UTC)")]
OriginQ = Annotated[Literal["sourcing", "manual", "import"] | None, Query()]
RunQ = Annotated[uuid.UUID | None, Query(description="Leads found by this run")]
LeadIdQ = Annotated[uuid.UUID | None, Query(description="Only this lead (a link from one of its contacts)")]
SortQ = Annotated[LeadSort, Query(description="Any column of the table")]
OrderQ = Annotated[Literal["asc", "desc"], Query()]
CursorQ = Annotated[str | None, Query(max_length=2000, description="next_cursor / prev_cursor of a page")]


def lead_filters(
    status: StatusQ = None,
    source: SourceQ = None,
    state: StateQ = None,
    search: SearchQ = None,
    created_from: FromQ = None,
    created_to: ToQ = None,
    origin: OriginQ = None,
    run_id: RunQ = None,
    lead_id: LeadIdQ = None,
    sort: SortQ = "created_at",
    order: OrderQ = "desc",
) -> dict[str, Any]:
    """The filters and order shared by the list and the CSV export, checked and shaped for the owner."""
    return _filters(status, source, state, search, created_from, created_to, origin, run_id, lead_id) | {
        "sort": sort,
        "order": order,
    }


LeadFilters = Annotated[dict[str, Any], Depends(lead_filters)]


@router.get("", response_model=LeadPage, responses=_OWNER_DOWN)
async def list_leads(
    _: AnyUser,
    ctx: Context,
    config: Config,
    filters: LeadFilters,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[PageSize, Query()] = PageSize.TWENTY_FIVE,
    cursor: CursorQ = None,
) -> Response:
    """Leads, newest first by default. Pages by number reach 10,000 rows deep; ``next_cursor`` goes on
    from any page to any depth at the same speed. Ties in the sort column are ordered by lead id."""
    params = filters | _present(page=page, page_size=int(page_size), cursor=cursor)
    # The owner's JSON goes to the client as it came (a page of leads is the API's hottest answer).
    data = await ask_raw(ctx.nc, "q.sourcing.leads.list", params, timeout=config.query_timeout_seconds)
    return Response(content=data, media_type="application/json")


@router.post("", status_code=status.HTTP_201_CREATED, responses={409: {"description": "Duplicate"}, **_OWNER_DOWN})
async def create_lead(user: OperatorUser, ctx: Context, config: Config, lead: LeadInput) -> dict[str, Any]:
    """Add a lead by hand. The dedup rules of runs apply: a duplicate is refused with the existing lead's id."""
    body = {"actor": user.email, "lead": lead.model_dump(mode="json", exclude_unset=True)}
    data: dict[str, Any] = await ask(ctx.nc, "q.sourcing.leads.create", body, timeout=config.query_timeout_seconds)
    return data


# Declared before /{lead_id} so that "stats" is not read as an id.
@router.get("/stats", responses=_OWNER_DOWN)
async def lead_stats(_: AnyUser, ctx: Context, config: Config, days: TrendDaysQ = DEFAULT_DAYS) -> LeadStats:
    """Counts by status, source and state, and leads created per UTC day over the last ``days`` days."""
    data = await ask(ctx.nc, "q.sourcing.leads.stats", {"days": days}, timeout=config.query_timeout_seconds)
    return LeadStats.model_validate(data)


# Declared before /{lead_id} so that "export" is not read as an id.
@router.get("/export/csv", responses={200: {"content": {"text/csv": {}}}, **_OWNER_DOWN})
async def export_csv(_: AnyUser, ctx: Context, config: Config, filters: LeadFilters) -> StreamingResponse:
    """Every matching lead as CSV, streamed slice by slice (memory stays flat however many there are).
    Cells that a spreadsheet would run as a formula are prefixed with ``'``."""
    params = filters
    # The owner formats the CSV (it knows the columns). The first slice is fetched before answering, so
    # an unavailable owner is a 503, not a broken download.
    first = await ask(ctx.nc, "q.sourcing.leads.export", params, timeout=config.query_timeout_seconds)

    async def body() -> AsyncIterator[str]:
        answer = first
        while True:
            yield answer["csv"]
            if not answer.get("next_cursor"):
                return
            answer = await ask(
                ctx.nc,
                "q.sourcing.leads.export",
                params | {"cursor": answer["next_cursor"], "header": False},
                timeout=config.query_timeout_seconds,
            )

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="leads-{stamp}.csv"'},
    )


@router.post("/import", responses={413: {"description": "File too large"}, **_OWNER_DOWN})
async def import_leads(
    user: OperatorUser,
    ctx: Context,
    file: Annotated[UploadFile, File(description="A .csv or .xlsx file; header row first")],
    dry_run: Annotated[bool, Form(description="Only check the file and show a preview")] = False,
) -> ImportResult:
    """Import leads from CSV or XLSX. Every row is checked first: a file with any bad row is rejected with
    each row's errors and changes nothing. ``dry_run`` shows the preview without importing. Duplicates
    (in the file or of existing leads) are skipped and counted, as in a run."""
    name = (file.filename or "").strip()
    suffix = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if suffix not in ("csv", "xlsx"):
        raise InvalidValue(("body", "file"), "must be a .csv or .xlsx file")
    import_id = uuid.uuid4()
    object_name = f"lead-imports/{import_id}.{suffix}"
    await upload(ctx, file, object_name, max_bytes=MAX_IMPORT_BYTES)
    request = {
        "actor": user.email,
        "import_id": str(import_id),
        "object_name": object_name,
        "format": suffix,
        "file_name": name[:300],
        "dry_run": dry_run,
    }
    data = await ask(ctx.nc, "q.sourcing.leads.import", request, timeout=IMPORT_TIMEOUT_SECONDS)
    return ImportResult.model_validate(data)


@router.get("/{lead_id}", responses=_NOT_FOUND)
async def get_lead(lead_id: uuid.UUID, _: AnyUser, ctx: Context, config: Config) -> dict[str, Any]:
    data: dict[str, Any] = await ask(
        ctx.nc, "q.sourcing.leads.get", {"lead_id": str(lead_id)}, timeout=config.query_timeout_seconds
    )
    return data


@router.put("/{lead_id}", responses={409: {"description": "Would duplicate another lead"}, **_NOT_FOUND})
async def update_lead(
    lead_id: uuid.UUID, user: OperatorUser, ctx: Context, config: Config, changes: Annotated[LeadPatch, Body()]
) -> dict[str, Any]:
    """Change a lead's fields (only those sent; ``null`` clears one). Status has its own route."""
    body = {
        "actor": user.email,
        "lead_id": str(lead_id),
        "changes": changes.model_dump(mode="json", exclude_unset=True),
    }
    data: dict[str, Any] = await ask(ctx.nc, "q.sourcing.leads.update", body, timeout=config.query_timeout_seconds)
    return data


@router.put("/{lead_id}/status", responses={409: {"description": "Not an allowed status change"}, **_NOT_FOUND})
async def change_status(
    lead_id: uuid.UUID, user: OperatorUser, ctx: Context, config: Config, change: StatusChange
) -> dict[str, Any]:
    """Move a lead to another status. Allowed: NEW → ENRICHED; ENRICHED → NEW / VALIDATED; VALIDATED →
    ENRICHED / CONTACTED; CONTACTED → VALIDATED / RESPONDED; RESPONDED → CONTACTED / CONVERTED;
    CONVERTED → RESPONDED; any → ARCHIVED; ARCHIVED → NEW."""
    body = {"actor": user.email, "lead_id": str(lead_id), "status": change.status.value}
    data: dict[str, Any] = await ask(ctx.nc, "q.sourcing.leads.status", body, timeout=config.query_timeout_seconds)
    return data


@router.delete("/{lead_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_NOT_FOUND)
async def delete_lead(lead_id: uuid.UUID, user: OperatorUser, ctx: Context, config: Config) -> Response:
    await ask(
        ctx.nc,
        "q.sourcing.leads.delete",
        {"actor": user.email, "lead_id": str(lead_id)},
        timeout=config.query_timeout_seconds,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
