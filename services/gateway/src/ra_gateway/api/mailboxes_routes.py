"""``/mailboxes`` (SOP §6): sender mailboxes, owned by the warmup service, reached over NATS request/reply.

Reads are open to every role; adding, editing, status changes, deleting and connection tests need an
operator or an admin. Bodies are checked here (address, host names, ports, security modes, limits), so a
bad one is a 422 naming the field before the owner sees it. A mailbox's password is write-only: it is
sent to the owner, which keeps it encrypted, and no answer ever carries it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints, field_validator, model_validator
from ra_contracts.events import ConnectionStatus, MailboxStatus
from ra_contracts.mailboxes import MailboxSort, MailSecurity, email_address, host_name
from ra_runtime.queries import ask

from ra_gateway.api.deps import Config, Context
from ra_gateway.api.schemas import PageSize
from ra_gateway.auth import AnyUser, OperatorUser

router = APIRouter(prefix="/mailboxes", tags=["mailboxes"])

_OWNER_DOWN: dict[int | str, dict[str, Any]] = {503: {"description": "The warmup service is not answering"}}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown mailbox"}, **_OWNER_DOWN}
_DUPLICATE: dict[int | str, dict[str, Any]] = {409: {"description": "A mailbox with this address exists"}}

#: A test connects to a mail server (DNS, TCP, TLS, login; SMTP then IMAP), each step with its own timeout.
TEST_TIMEOUT_SECONDS = 90.0
#: Every mailbox tested, a few at a time.
TEST_ALL_TIMEOUT_SECONDS = 300.0

Port = Annotated[int, Field(ge=1, le=65535)]
DailyLimit = Annotated[int, Field(ge=0, le=10_000, description="Most emails this mailbox sends a day")]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Provider = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50, pattern=r"^[^\x00-\x1f\x7f]+$"),
    Field(description="gmail, microsoft365, smtp, … (free text)"),
]
Username = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320, pattern=r"^[^\x00-\x1f\x7f]*$")]
Password = Annotated[
    SecretStr,
    Field(min_length=1, max_length=1024, description="The mailbox's (app) password; stored encrypted, never shown"),
]


class _MailboxFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("email", check_fields=False)
    @classmethod
    def _check_email(cls, value: str | None) -> str | None:
        return None if value is None else email_address(value)

    @field_validator("smtp_host", check_fields=False)
    @classmethod
    def _check_smtp_host(cls, value: str | None) -> str | None:
        return None if value is None else host_name(value)

    @field_validator("imap_host", check_fields=False)
    @classmethod
    def _check_imap_host(cls, value: str | None) -> str | None:
        # Empty means "no IMAP server", like null.
        return host_name(value) if value and value.strip() else None


class MailboxInput(_MailboxFields):
    """A new sender mailbox. Absent ``smtp_security`` means ``ssl`` on port 465 and ``starttls`` otherwise."""

    email: str = Field(max_length=320)
    display_name: DisplayName | None = None
    password: Password
    provider: Provider
    smtp_host: str = Field(max_length=253)
    smtp_port: Port = 587
    smtp_security: MailSecurity | None = None
    smtp_username: Username | None = Field(None, description="Login name when it differs from the address")
    imap_host: str | None = Field(None, max_length=253, description="For reply and warmup checks (optional)")
    imap_port: Port | None = None
    imap_security: MailSecurity | None = None
    daily_send_limit: DailyLimit | None = Field(None, description="Default 30")
    is_active: bool | None = None

    def for_owner(self) -> dict[str, Any]:
        fields = self.model_dump(mode="json", exclude_unset=True, exclude={"password"})
        return fields | {"password": self.password.get_secret_value()}


#: Fields a change may not set to null (they always have a value).
_NOT_NULL = ("email", "provider", "smtp_host", "smtp_port", "smtp_security", "daily_send_limit", "is_active")


class MailboxPatch(_MailboxFields):
    """``PUT /mailboxes/{id}``: the fields to change (absent = unchanged; ``null`` clears an optional one).
    An absent or empty password keeps the stored one. Changing the host, port, security, user name or
    password makes the connection untested again. The status has its own route."""

    email: str | None = Field(None, max_length=320)
    display_name: DisplayName | None = None
    password: SecretStr | None = Field(None, max_length=1024, description="Empty or absent: keep the stored one")
    provider: Provider | None = None
    smtp_host: str | None = Field(None, max_length=253)
    smtp_port: Port | None = None
    smtp_security: MailSecurity | None = None
    smtp_username: Username | None = None
    imap_host: str | None = Field(None, max_length=253)
    imap_port: Port | None = None
    imap_security: MailSecurity | None = None
    daily_send_limit: DailyLimit | None = None
    is_active: bool | None = None

    @field_validator(*_NOT_NULL, mode="before")
    @classmethod
    def _not_cleared(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be cleared")
        return value

    def for_owner(self) -> dict[str, Any]:
        changes = self.model_dump(mode="json", exclude_unset=True, exclude={"password"})
        if self.password is not None and self.password.get_secret_value():
            changes["password"] = self.password.get_secret_value()
        return changes


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: MailboxStatus
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = Field(
        None, description="Why (kept as the pause reason when pausing)"
    )


class BulkDelete(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mailbox_ids: list[uuid.UUID] = Field(min_length=1, max_length=1000)


# --- answers --------------------------------------------------------------------------------------------


class MailboxView(BaseModel):
    """A mailbox as the warmup service shows it (SOP §6.2): every field but the password."""

    model_config = ConfigDict(extra="allow")

    mailbox_id: uuid.UUID
    version: int | None = None
    email: str
    display_name: str | None = None
    provider: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: MailSecurity | None = None
    smtp_username: str | None = None
    imap_host: str | None = None
    imap_port: int | None = None
    imap_security: MailSecurity | None = None
    has_password: bool | None = None
    warmup_status: MailboxStatus
    is_active: bool | None = None
    connection_status: ConnectionStatus
    last_tested_at: datetime | None = None
    last_test_result: dict[str, Any] | None = Field(None, description="The last connection test's answer")
    daily_send_limit: int | None = None
    emails_sent_today: int | None = None
    total_emails_sent: int | None = None
    bounce_count: int | None = None
    reply_count: int | None = None
    complaint_count: int | None = None
    warmup_started_at: datetime | None = None
    warmup_days_completed: int | None = None
    warmup_emails_sent: int | None = None
    warmup_emails_received: int | None = None
    warmup_opens: int | None = None
    warmup_replies: int | None = None
    dns_score: int | None = None
    is_blacklisted: bool | None = None
    paused_reason: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        # Whatever an owner sends by mistake, a password (encrypted or not) never leaves the gateway.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if "password" not in k or k == "has_password"}
        return data


class MailboxPage(BaseModel):
    items: list[MailboxView]
    total: int
    page: int
    page_size: int


class MailboxStats(BaseModel):
    model_config = ConfigDict(extra="allow")

    total: int
    active: int
    by_status: dict[str, int]
    by_connection: dict[str, int]
    by_provider: dict[str, int]
    sent_today: int
    daily_capacity: int = Field(description="Sum of the active mailboxes' daily limits")
    blacklisted: int


class ConnectionCheck(BaseModel):
    """One protocol's part of a test: where it stopped (``stage``) and why (``kind``), with the server's reply."""

    model_config = ConfigDict(extra="allow")

    ok: bool
    kind: Literal["ok", "blocked", "dns", "refused", "timeout", "tls", "auth", "protocol"]
    stage: Literal["guard", "resolve", "connect", "tls", "login"] | None = None
    message: str | None = None
    elapsed_ms: float | None = None


class ConnectionTestResult(BaseModel):
    model_config = ConfigDict(extra="allow")

    mailbox_id: uuid.UUID
    email: str
    ok: bool
    tested_at: datetime
    smtp: ConnectionCheck
    imap: ConnectionCheck | None = Field(None, description="Null when no IMAP host is configured")
    mailbox: MailboxView | None = Field(None, description="The mailbox after the test (its status may have moved)")


class ConnectionTestSummary(BaseModel):
    results: list[ConnectionTestResult]
    ok: int
    failed: int


class BulkDeleteResult(BaseModel):
    deleted: int
    not_found: list[uuid.UUID]


# --- routes ---------------------------------------------------------------------------------------------


@router.get("", responses=_OWNER_DOWN)
async def list_mailboxes(
    _: AnyUser,
    ctx: Context,
    config: Config,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[PageSize, Query()] = PageSize.TWENTY_FIVE,
    search: Annotated[str | None, Query(max_length=200, description="Part of the address or display name")] = None,
    warmup_status: Annotated[MailboxStatus | None, Query()] = None,
    connection_status: Annotated[ConnectionStatus | None, Query()] = None,
    provider: Annotated[str | None, Query(min_length=1, max_length=50)] = None,
    is_active: Annotated[bool | None, Query()] = None,
    sort: Annotated[MailboxSort, Query()] = "created_at",
    order: Annotated[Literal["asc", "desc"], Query()] = "desc",
) -> MailboxPage:
    """Sender mailboxes, newest first by default."""
    params = {
        "page": page,
        "page_size": int(page_size),
        "search": (search.strip() or None) if search else None,
        "warmup_status": warmup_status,
        "connection_status": connection_status,
        "provider": provider.strip() if provider else None,
        "is_active": is_active,
        "sort": sort,
        "order": order,
    }
    data = await ask(
        ctx.nc,
        "q.warmup.mailboxes.list",
        {k: v for k, v in params.items() if v is not None},
        timeout=config.query_timeout_seconds,
    )
    return MailboxPage.model_validate(data)


@router.post("", status_code=status.HTTP_201_CREATED, responses={**_DUPLICATE, **_OWNER_DOWN})
async def create_mailbox(user: OperatorUser, ctx: Context, config: Config, mailbox: MailboxInput) -> MailboxView:
    """Add a sender mailbox (emits ``mailbox.created``). It starts INACTIVE with an untested connection;
    a successful connection test moves it to WARMING_UP."""
    body = {"actor": user.email, "mailbox": mailbox.for_owner()}
    data = await ask(ctx.nc, "q.warmup.mailboxes.create", body, timeout=config.query_timeout_seconds)
    return MailboxView.model_validate(data)


# Declared before /{mailbox_id} so that "stats" is not read as an id.
@router.get("/stats", responses=_OWNER_DOWN)
async def mailbox_stats(_: AnyUser, ctx: Context, config: Config) -> MailboxStats:
    """Counts by lifecycle status, connection status and provider; today's sends against the capacity."""
    data = await ask(ctx.nc, "q.warmup.mailboxes.stats", {}, timeout=config.query_timeout_seconds)
    return MailboxStats.model_validate(data)


@router.post("/bulk-delete", responses=_OWNER_DOWN)
async def bulk_delete(user: OperatorUser, ctx: Context, config: Config, body: BulkDelete) -> BulkDeleteResult:
    """Delete several mailboxes at once; ids that do not exist are listed, not refused."""
    request = {"actor": user.email, "mailbox_ids": [str(i) for i in dict.fromkeys(body.mailbox_ids)]}
    data = await ask(ctx.nc, "q.warmup.mailboxes.bulk_delete", request, timeout=config.query_timeout_seconds)
    return BulkDeleteResult.model_validate(data)


@router.post("/test-all", responses=_OWNER_DOWN)
async def test_all(user: OperatorUser, ctx: Context) -> ConnectionTestSummary:
    """Test every mailbox's connection (a few at a time); each result as ``test-connection`` gives it."""
    data = await ask(ctx.nc, "q.warmup.mailboxes.test_all", {"actor": user.email}, timeout=TEST_ALL_TIMEOUT_SECONDS)
    return ConnectionTestSummary.model_validate(data)


@router.get("/{mailbox_id}", responses=_NOT_FOUND)
async def get_mailbox(mailbox_id: uuid.UUID, _: AnyUser, ctx: Context, config: Config) -> MailboxView:
    data = await ask(
        ctx.nc, "q.warmup.mailboxes.get", {"mailbox_id": str(mailbox_id)}, timeout=config.query_timeout_seconds
    )
    return MailboxView.model_validate(data)


@router.put("/{mailbox_id}", responses={**_DUPLICATE, **_NOT_FOUND})
async def update_mailbox(
    mailbox_id: uuid.UUID, user: OperatorUser, ctx: Context, config: Config, changes: MailboxPatch
) -> MailboxView:
    """Change a mailbox (only the fields sent; emits ``mailbox.updated``)."""
    body = {"actor": user.email, "mailbox_id": str(mailbox_id), "changes": changes.for_owner()}
    data = await ask(ctx.nc, "q.warmup.mailboxes.update", body, timeout=config.query_timeout_seconds)
    return MailboxView.model_validate(data)


@router.put("/{mailbox_id}/status", responses={409: {"description": "Not an allowed status change"}, **_NOT_FOUND})
async def change_status(
    mailbox_id: uuid.UUID, user: OperatorUser, ctx: Context, config: Config, change: StatusChange
) -> MailboxView:
    """Move a mailbox in its lifecycle (SOP §6.1) by hand: pause it, resume it, mark it ready …"""
    body: dict[str, Any] = {"actor": user.email, "mailbox_id": str(mailbox_id), "status": change.status}
    if change.reason:
        body["reason"] = change.reason
    data = await ask(ctx.nc, "q.warmup.mailboxes.status", body, timeout=config.query_timeout_seconds)
    return MailboxView.model_validate(data)


@router.delete("/{mailbox_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_NOT_FOUND)
async def delete_mailbox(mailbox_id: uuid.UUID, user: OperatorUser, ctx: Context, config: Config) -> Response:
    await ask(
        ctx.nc,
        "q.warmup.mailboxes.delete",
        {"actor": user.email, "mailbox_id": str(mailbox_id)},
        timeout=config.query_timeout_seconds,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{mailbox_id}/test-connection", responses=_NOT_FOUND)
async def test_connection(mailbox_id: uuid.UUID, user: OperatorUser, ctx: Context) -> ConnectionTestResult:
    """Connect to the mailbox's SMTP server (STARTTLS or implicit TLS, then login), and to its IMAP server
    when one is configured. A failure is an answer, not an error: ``ok`` false with the failing ``stage``
    and ``kind`` (dns, refused, timeout, tls, auth, …) and the server's reply. A success moves an INACTIVE
    mailbox to WARMING_UP."""
    body = {"actor": user.email, "mailbox_id": str(mailbox_id)}
    data = await ask(ctx.nc, "q.warmup.mailboxes.test", body, timeout=TEST_TIMEOUT_SECONDS)
    return ConnectionTestResult.model_validate(data)
