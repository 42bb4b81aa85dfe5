"""The rules of sender mailboxes (SOP §6): what a person may enter, and how a mailbox moves in its lifecycle.

No database or broker here: pure functions the handlers call.
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from ra_contracts.events import MailboxState, MailboxStatus
from ra_contracts.mailboxes import MailSecurity, email_address, host_name

from ra_warmup.models import SenderMailbox

STATUSES: tuple[str, ...] = get_args(MailboxStatus)
#: States in which a mailbox may send (outreach uses only these).
SENDING = frozenset({"COLD_READY", "ACTIVE"})
#: Moving into these needs a mailbox whose last connection test passed.
NEEDS_CONNECTION = frozenset({"WARMING_UP", "COLD_READY", "ACTIVE"})

#: The SOP §6.1 graph plus what a person needs by hand (pause and deactivate from anywhere are added below).
MOVES: dict[str, frozenset[str]] = {
    "INACTIVE": frozenset({"WARMING_UP"}),
    # Skipping to ACTIVE: a mailbox that was warmed up elsewhere.
    "WARMING_UP": frozenset({"COLD_READY", "ACTIVE"}),
    "COLD_READY": frozenset({"ACTIVE"}),
    "ACTIVE": frozenset({"COLD_READY"}),
    "PAUSED": frozenset({"RECOVERING"}),
    "RECOVERING": frozenset({"WARMING_UP"}),
}


class MoveRefused(Exception):
    """A lifecycle move that is not allowed (HTTP 409)."""


def check_move(current: str, target: str, connection_status: str) -> None:
    """Raise :class:`MoveRefused` unless a person may move a mailbox from ``current`` to ``target``."""
    if target not in STATUSES:
        raise MoveRefused(f"unknown status {target!r}; one of {', '.join(STATUSES)}")
    allowed = target in ("PAUSED", "INACTIVE") or target in MOVES.get(current, frozenset())
    if not allowed:
        raise MoveRefused(f"a mailbox cannot move from {current} to {target}")
    if target in NEEDS_CONNECTION and connection_status != "ok":
        raise MoveRefused(
            f"the mailbox's connection is {connection_status}: test the connection successfully before moving it "
            f"to {target}"
        )


def default_smtp_security(port: int) -> MailSecurity:
    return "ssl" if port == 465 else "starttls"


def default_imap_security(port: int) -> MailSecurity:
    return "ssl" if port == 993 else "starttls"


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    display_name: str | None = Field(None, max_length=200)
    provider: str = Field("smtp", min_length=1, max_length=50)
    smtp_host: str = Field(max_length=253)
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: MailSecurity | None = None
    smtp_username: str | None = Field(None, max_length=320)
    imap_host: str | None = Field(None, max_length=253)
    imap_port: int | None = Field(None, ge=1, le=65535)
    imap_security: MailSecurity | None = None
    daily_send_limit: int = Field(30, ge=0, le=10_000)
    is_active: bool = True

    @field_validator("smtp_host")
    @classmethod
    def _smtp_host(cls, v: str) -> str:
        return host_name(v)

    @field_validator("imap_host")
    @classmethod
    def _imap_host(cls, v: str | None) -> str | None:
        return host_name(v) if v else None

    @field_validator("provider")
    @classmethod
    def _provider(cls, v: str) -> str:
        return v.lower()

    @field_validator("display_name", "smtp_username")
    @classmethod
    def _blank_is_none(cls, v: str | None) -> str | None:
        return v or None


class MailboxInput(_Fields):
    """A new mailbox as a person enters it (q.warmup.mailboxes.create)."""

    email: str = Field(max_length=254)
    password: str = Field(min_length=1, max_length=1024)

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        return email_address(v)

    @model_validator(mode="after")
    def _defaults(self) -> MailboxInput:
        if self.smtp_security is None:
            self.smtp_security = default_smtp_security(self.smtp_port)
        if self.imap_host:
            self.imap_port = self.imap_port or 993
            self.imap_security = self.imap_security or default_imap_security(self.imap_port)
        else:
            self.imap_port = self.imap_security = None
        return self


class MailboxChanges(BaseModel):
    """Changed fields (q.warmup.mailboxes.update); a missing or empty password keeps the stored one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str | None = Field(None, max_length=254)
    password: str | None = Field(None, max_length=1024)
    display_name: str | None = Field(None, max_length=200)
    provider: str | None = Field(None, min_length=1, max_length=50)
    smtp_host: str | None = Field(None, max_length=253)
    smtp_port: int | None = Field(None, ge=1, le=65535)
    smtp_security: MailSecurity | None = None
    smtp_username: str | None = Field(None, max_length=320)
    imap_host: str | None = Field(None, max_length=253)
    imap_port: int | None = Field(None, ge=1, le=65535)
    imap_security: MailSecurity | None = None
    daily_send_limit: int | None = Field(None, ge=0, le=10_000)
    is_active: bool | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        return email_address(v) if v is not None else None

    @field_validator("smtp_host")
    @classmethod
    def _smtp_host(cls, v: str | None) -> str | None:
        return host_name(v) if v is not None else None

    @field_validator("imap_host")
    @classmethod
    def _imap_host(cls, v: str | None) -> str | None:
        return host_name(v) if v else v

    @field_validator("provider")
    @classmethod
    def _provider(cls, v: str | None) -> str | None:
        return v.lower() if v is not None else None


#: Fields whose change makes the last connection test meaningless.
CONNECTION_FIELDS = frozenset(
    {"smtp_host", "smtp_port", "smtp_security", "smtp_username", "imap_host", "imap_port", "imap_security", "password"}
)
#: Fields that cannot be cleared (null in an update means "keep").
REQUIRED = frozenset({"email", "provider", "smtp_host", "smtp_port", "daily_send_limit", "is_active"})


def planned_changes(mailbox: SenderMailbox, changes: MailboxChanges) -> dict[str, Any]:
    """The column values to write: only fields that really change (``password`` still in clear text)."""
    given = changes.model_dump(exclude_unset=True)
    if not given.get("password"):
        given.pop("password", None)
    for key in REQUIRED:
        if key in given and given[key] is None:
            raise ValueError(f"{key} cannot be empty")
    for key in ("display_name", "smtp_username"):
        if key in given and not given[key]:
            given[key] = None
    # Port and security travel together: a new port without a security picks the port's usual one.
    if "smtp_port" in given and "smtp_security" not in given:
        given["smtp_security"] = default_smtp_security(given["smtp_port"])
    if given.get("smtp_security") is None and "smtp_security" in given:
        given["smtp_security"] = default_smtp_security(given.get("smtp_port", mailbox.smtp_port))
    port_given = given.get("imap_port") is not None
    if "imap_host" in given and not given["imap_host"]:
        given.update(imap_host=None, imap_port=None, imap_security=None)
    elif given.get("imap_host", mailbox.imap_host):
        port = given.get("imap_port") or mailbox.imap_port or 993
        given["imap_port"] = port
        if not given.get("imap_security"):
            keep = mailbox.imap_security if not port_given else None
            given["imap_security"] = keep or default_imap_security(port)
    else:
        given.pop("imap_port", None)
        given.pop("imap_security", None)
    out: dict[str, Any] = {}
    for key, value in given.items():
        if key == "password" or getattr(mailbox, key) != value:
            out[key] = value
    return out


def state(mailbox: SenderMailbox) -> MailboxState:
    """What other services may know about a mailbox (never the password)."""
    return MailboxState(
        mailbox_id=mailbox.mailbox_id,
        version=mailbox.version,
        email=mailbox.email,
        display_name=mailbox.display_name,
        provider=mailbox.provider,
        smtp_host=mailbox.smtp_host,
        smtp_port=mailbox.smtp_port,
        smtp_security=mailbox.smtp_security,  # type: ignore[arg-type]
        smtp_username=mailbox.smtp_username,
        imap_host=mailbox.imap_host,
        imap_port=mailbox.imap_port,
        warmup_status=mailbox.warmup_status,  # type: ignore[arg-type]
        connection_status=mailbox.connection_status,  # type: ignore[arg-type]
        is_active=mailbox.is_active,
        daily_send_limit=mailbox.daily_send_limit,
        is_blacklisted=mailbox.is_blacklisted,
        dns_score=mailbox.dns_score,
    )
