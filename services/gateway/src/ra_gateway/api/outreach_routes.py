"""``/outreach`` (SOP §5): what was sent or skipped, today's quota, the do-not-contact list and the email
templates; owned by the outreach service. Runs are started under ``/pipelines/outreach/run``.

Reads are open to every role; changing the suppression list or the templates needs an operator or an admin.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator
from ra_runtime.queries import ask
from ra_runtime.stats import DEFAULT_DAYS

from ra_gateway.api.deps import Config, Context
from ra_gateway.api.schemas import Page, PageSize
from ra_gateway.api.trends import Day, TrendDaysQ
from ra_gateway.api.uploads import upload
from ra_gateway.auth import AnyUser, OperatorUser
from ra_gateway.errors import InvalidValue

router = APIRouter(prefix="/outreach", tags=["outreach"])

_OWNER_DOWN: dict[int | str, dict[str, Any]] = {503: {"description": "The outreach service is not answering"}}
_TEMPLATE_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown template"}, **_OWNER_DOWN}
_BAD_MERGE_FIELD: dict[int | str, dict[str, Any]] = {
    422: {"description": "A field is invalid (an unknown merge field)"}
}

#: Suppression lists are short CSVs; anything larger is refused before it is stored.
MAX_IMPORT_BYTES = 20 * 1024 * 1024
IMPORT_TIMEOUT_SECONDS = 300.0

Channel = Literal["smtp", "mailmerge"]
EventStatus = Literal["claimed", "sending", "sent", "skipped", "failed", "deferred", "uncertain", "cancelled"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
Search = Annotated[str | None, Query(max_length=200, description="Part of the email address")]


def _present(**params: Any) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- bodies and answers ---------------------------------------------------------------------------------


class OutreachDay(BaseModel):
    """One UTC day of outreach, by the day of each outcome."""

    model_config = ConfigDict(extra="allow")

    date: Day
    sent: int = Field(ge=0, description="Emails accepted by the receiving server")
    bounced: int = Field(ge=0, description="Emails refused for good (a 5xx SMTP reply)")
    failed: int = Field(ge=0, description="Emails given up on otherwise (after retries)")
    exported: int = Field(ge=0, description="Contacts exported in a mail merge (one CSV row each)")


class OutreachStats(BaseModel):
    model_config = ConfigDict(extra="allow")

    sent_today: int
    daily_limit: int = Field(description="The global daily send limit (setting daily_send_limit)")
    remaining_today: int
    by_status: dict[str, int]
    by_channel: dict[str, int]
    suppressed: int = Field(description="Addresses on the do-not-contact list")
    ready_mailboxes: int = Field(description="Mailboxes outreach may send through now")
    trend: list[OutreachDay] = Field(description="One entry per UTC day, today included, oldest first")
    sent_total: int = Field(description="Emails sent over the window")
    bounced_total: int = Field(description="Emails bounced over the window")
    bounce_rate: float = Field(
        ge=0.0, le=1.0, description="bounced / (sent + bounced) over the window; 0.0 when nothing was sent"
    )
    reply_rate: float | None = Field(None, description="Not tracked yet (needs inbox reading): always null")


class SuppressedAddress(BaseModel):
    model_config = ConfigDict(extra="allow")

    email: str
    reason: str = Field(description="manual, unsubscribe, bounce, import, …")
    created_by: str | None = None
    created_at: datetime | None = None


class SuppressionPage(BaseModel):
    items: list[SuppressedAddress]
    total: int
    page: int
    page_size: int


class SuppressionAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    emails: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]] = Field(
        min_length=1, max_length=1000, description="Addresses to suppress; unusable ones are reported, not refused"
    )
    reason: Reason = "manual"


class RefusedValue(BaseModel):
    model_config = ConfigDict(extra="allow")

    row: int | None = Field(None, description="Imports: the file's row (the header is row 1)")
    value: Any = None
    error: str


class SuppressionAdded(BaseModel):
    model_config = ConfigDict(extra="allow")

    added: int
    already: int = Field(description="Already on the list (unchanged)")
    invalid: list[RefusedValue]


class Template(BaseModel):
    model_config = ConfigDict(extra="allow")

    template_id: uuid.UUID
    name: str
    subject: str
    body: str
    is_default: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None


class TemplateList(BaseModel):
    items: list[Template]


def _one_line(value: str) -> str:
    # A subject is a header: a line break in it would let a template write headers of its own.
    if "\r" in value or "\n" in value:
        raise ValueError("must be a single line")
    return value


TemplateName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Subject = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(_one_line),
    Field(description="May use merge fields such as {{first_name}} or {{first_name|there}}"),
]
Body = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100_000),
    Field(
        description="Plain text with merge fields: {{first_name}}, {{last_name}}, {{full_name}}, {{email}}, "
        "{{title}}, {{company}}, {{state}}, {{job_title}}, {{sender_name}}, {{sender_email}}; "
        "a fallback after '|'. The unsubscribe footer is added when sending."
    ),
]


class TemplateInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: TemplateName
    subject: Subject
    body: Body
    is_default: bool | None = Field(None, description="Make it the template send runs use by default")


class TemplatePatch(BaseModel):
    """The fields to change (absent = unchanged)."""

    model_config = ConfigDict(extra="forbid")

    name: TemplateName | None = None
    subject: Subject | None = None
    body: Body | None = None
    is_default: bool | None = None

    @field_validator("name", "subject", "body", "is_default", mode="before")
    @classmethod
    def _not_cleared(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be cleared")
        return value


# --- events and stats -----------------------------------------------------------------------------------


@router.get("/events", responses=_OWNER_DOWN)
async def list_events(
    _: AnyUser,
    ctx: Context,
    config: Config,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[PageSize, Query()] = PageSize.TWENTY_FIVE,
    run_id: Annotated[uuid.UUID | None, Query()] = None,
    contact_id: Annotated[uuid.UUID | None, Query()] = None,
    lead_id: Annotated[uuid.UUID | None, Query()] = None,
    mailbox_id: Annotated[uuid.UUID | None, Query()] = None,
    channel: Annotated[Channel | None, Query()] = None,
    status: Annotated[EventStatus | None, Query()] = None,
    search: Search = None,
    since: Annotated[datetime | None, Query(description="At or after this moment (ISO 8601; UTC if no zone)")] = None,
    until: Annotated[datetime | None, Query(description="Before this moment")] = None,
) -> Page:
    """Outreach events (one per contact reached, skipped, failed or deferred), newest first."""
    since, until = _aware(since), _aware(until)
    if since and until and since > until:
        raise InvalidValue(("query", "until"), "is before since")
    params = _present(
        page=page,
        page_size=int(page_size),
        run_id=str(run_id) if run_id else None,
        contact_id=str(contact_id) if contact_id else None,
        lead_id=str(lead_id) if lead_id else None,
        mailbox_id=str(mailbox_id) if mailbox_id else None,
        channel=channel,
        status=status,
        search=(search.strip().lower() or None) if search else None,
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
    )
    data = await ask(ctx.nc, "q.outreach.events.list", params, timeout=config.query_timeout_seconds)
    return Page.model_validate(data)


@router.get("/stats", responses=_OWNER_DOWN)
async def outreach_stats(_: AnyUser, ctx: Context, config: Config, days: TrendDaysQ = DEFAULT_DAYS) -> OutreachStats:
    """Sent today against the daily limit, counts by status and channel, suppressed addresses, ready mailboxes;
    sent, bounced, failed and exported per UTC day over the last ``days`` days, with the bounce rate."""
    data = await ask(ctx.nc, "q.outreach.stats", {"days": days}, timeout=config.query_timeout_seconds)
    return OutreachStats.model_validate(data)


# --- suppression ----------------------------------------------------------------------------------------


@router.get("/suppression", responses=_OWNER_DOWN)
async def list_suppressed(
    _: AnyUser,
    ctx: Context,
    config: Config,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[PageSize, Query()] = PageSize.TWENTY_FIVE,
    search: Search = None,
) -> SuppressionPage:
    """The do-not-contact list: addresses outreach never writes to (unsubscribed, bounced, added by hand)."""
    params = _present(page=page, page_size=int(page_size), search=(search.strip().lower() or None) if search else None)
    data = await ask(ctx.nc, "q.outreach.suppression.list", params, timeout=config.query_timeout_seconds)
    return SuppressionPage.model_validate(data)


@router.post("/suppression", responses=_OWNER_DOWN)
async def add_suppressed(user: OperatorUser, ctx: Context, config: Config, body: SuppressionAdd) -> SuppressionAdded:
    """Add addresses to the do-not-contact list (each emits ``contact.suppressed``)."""
    request = {"actor": user.email, "emails": body.emails, "reason": body.reason}
    data = await ask(ctx.nc, "q.outreach.suppression.add", request, timeout=config.query_timeout_seconds)
    return SuppressionAdded.model_validate(data)


@router.post("/suppression/import", responses={413: {"description": "File too large"}, **_OWNER_DOWN})
async def import_suppressed(
    user: OperatorUser,
    ctx: Context,
    file: Annotated[UploadFile, File(description="A .csv file: a column named email (or the first column)")],
) -> SuppressionAdded:
    """Add every address of a CSV file to the do-not-contact list; unusable rows are reported by row."""
    name = (file.filename or "").strip()
    if not name.lower().endswith(".csv"):
        raise InvalidValue(("body", "file"), "must be a .csv file")
    object_name = f"suppression-imports/{uuid.uuid4()}.csv"
    await upload(ctx, file, object_name, max_bytes=MAX_IMPORT_BYTES)
    request = {"actor": user.email, "object_name": object_name, "file_name": name[:300]}
    data = await ask(ctx.nc, "q.outreach.suppression.import", request, timeout=IMPORT_TIMEOUT_SECONDS)
    return SuppressionAdded.model_validate(data)


@router.delete(
    "/suppression/{email}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": "Not on the list"}, **_OWNER_DOWN},
)
async def delete_suppressed(email: str, user: OperatorUser, ctx: Context, config: Config) -> Response:
    """Take an address off the do-not-contact list (outreach may write to it again)."""
    address = email.strip().lower()
    if not address or len(address) > 320 or "@" not in address:
        raise InvalidValue(("path", "email"), "not an email address")
    await ask(
        ctx.nc,
        "q.outreach.suppression.delete",
        {"actor": user.email, "email": address},
        timeout=config.query_timeout_seconds,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- templates ------------------------------------------------------------------------------------------


@router.get("/templates", responses=_OWNER_DOWN)
async def list_templates(_: AnyUser, ctx: Context, config: Config) -> TemplateList:
    data = await ask(ctx.nc, "q.outreach.templates.list", {}, timeout=config.query_timeout_seconds)
    return TemplateList.model_validate(data)


@router.post("/templates", status_code=status.HTTP_201_CREATED, responses={**_BAD_MERGE_FIELD, **_OWNER_DOWN})
async def create_template(user: OperatorUser, ctx: Context, config: Config, template: TemplateInput) -> Template:
    """Add an email template; an unknown merge field is refused (422 naming it)."""
    body = {"actor": user.email, "template": template.model_dump(mode="json", exclude_none=True)}
    data = await ask(ctx.nc, "q.outreach.templates.create", body, timeout=config.query_timeout_seconds)
    return Template.model_validate(data)


@router.get("/templates/{template_id}", responses=_TEMPLATE_NOT_FOUND)
async def get_template(template_id: uuid.UUID, _: AnyUser, ctx: Context, config: Config) -> Template:
    data = await ask(
        ctx.nc, "q.outreach.templates.get", {"template_id": str(template_id)}, timeout=config.query_timeout_seconds
    )
    return Template.model_validate(data)


@router.put("/templates/{template_id}", responses={**_BAD_MERGE_FIELD, **_TEMPLATE_NOT_FOUND})
async def update_template(
    template_id: uuid.UUID, user: OperatorUser, ctx: Context, config: Config, changes: TemplatePatch
) -> Template:
    body = {
        "actor": user.email,
        "template_id": str(template_id),
        "changes": changes.model_dump(mode="json", exclude_unset=True),
    }
    data = await ask(ctx.nc, "q.outreach.templates.update", body, timeout=config.query_timeout_seconds)
    return Template.model_validate(data)


@router.delete(
    "/templates/{template_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={409: {"description": "Refused (the default template, say)"}, **_TEMPLATE_NOT_FOUND},
)
async def delete_template(template_id: uuid.UUID, user: OperatorUser, ctx: Context, config: Config) -> Response:
    await ask(
        ctx.nc,
        "q.outreach.templates.delete",
        {"actor": user.email, "template_id": str(template_id)},
        timeout=config.query_timeout_seconds,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
