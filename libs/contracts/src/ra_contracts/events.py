"""Domain events (past tense) and commands (imperative) of the lead → contact slice.

Adding an optional field is a compatible change. Removing or retyping a field is a breaking change: publish
a new ``VERSION`` on a suffixed subject side by side until consumers have moved
(``tests/test_schema_snapshots.py`` fails otherwise).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ra_contracts.envelope import Payload

PipelineName = Literal["lead_sourcing", "contact_enrichment", "email_validation", "outreach"]


# --- commands -----------------------------------------------------------------------------------------


class RunLeadSourcing(Payload):
    """Run the lead-sourcing pipeline once (the dashboard's "Run Lead Sourcing" button)."""

    TYPE = "cmd.sourcing.run"
    SUBJECT = "cmd.sourcing.run"

    run_id: uuid.UUID
    requested_by: str | None = None
    sources: list[str] | None = Field(None, description="Job sources to use; default: the enabled ones")
    max_results: int | None = Field(None, ge=1, le=100_000, description="Cap on postings per source")


class RunContactEnrichment(Payload):
    """Enrich every lead that is still NEW and has no contacts."""

    TYPE = "cmd.enrichment.run"
    SUBJECT = "cmd.enrichment.run"

    run_id: uuid.UUID
    requested_by: str | None = None
    limit: int | None = Field(None, ge=1, le=1_000_000)


class RunEmailValidation(Payload):
    """Validate every contact whose validation status is still empty (SOP §4.1)."""

    TYPE = "cmd.validation.run"
    SUBJECT = "cmd.validation.run"

    run_id: uuid.UUID
    requested_by: str | None = None
    limit: int | None = Field(None, ge=1, le=1_000_000)


# --- lead events (sourcing) ---------------------------------------------------------------------------


class LeadCreated(Payload):
    TYPE = "lead.created"
    SUBJECT = "lead.created"

    lead_id: uuid.UUID
    company_name: str
    normalized_company: str
    job_title: str
    city: str | None = None
    state: str | None = None
    country: str | None = "US"
    industry: str | None = None
    job_link: str | None = None
    salary_min: float | None = None
    salary_max: float | None = None
    posted_at: datetime | None = None
    sources: list[str] = Field(default_factory=list)
    status: str = "NEW"
    run_id: uuid.UUID | None = None
    contact_email: str | None = Field(None, description="Pre-filled when the job source provided a contact")
    origin: Literal["sourcing", "manual", "import"] = Field(
        "sourcing", description="Found by a sourcing run, entered by hand, or imported from a file"
    )


class LeadUpdated(Payload):
    """A person changed a lead's fields (``PUT /leads/{id}``); ``changes`` holds the new values."""

    TYPE = "lead.updated"
    SUBJECT = "lead.updated"

    lead_id: uuid.UUID
    changes: dict[str, Any]
    updated_by: str | None = None


class LeadStatusChanged(Payload):
    """A lead's status moved, by a person or by a pipeline (``reason`` says which)."""

    TYPE = "lead.status_changed"
    SUBJECT = "lead.status_changed"

    lead_id: uuid.UUID
    from_status: str
    to_status: str
    changed_by: str | None = None
    reason: str = Field("manual", description="manual, enriched, validated, …")


class LeadDeleted(Payload):
    """A lead was deleted; services keeping a copy of it drop theirs."""

    TYPE = "lead.deleted"
    SUBJECT = "lead.deleted"

    lead_id: uuid.UUID
    deleted_by: str | None = None


class ContactSummary(BaseModel):
    """The first (highest-priority) contact of a lead, kept on the lead as the SOP describes."""

    model_config = ConfigDict(frozen=True)

    contact_id: uuid.UUID
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    priority: str | None = None


# --- contact events (enrichment) ----------------------------------------------------------------------


class ContactCreated(Payload):
    TYPE = "contact.created"
    SUBJECT = "contact.created"

    contact_id: uuid.UUID
    lead_id: uuid.UUID
    first_name: str | None = None
    last_name: str | None = None
    email: str
    phone: str | None = None
    title: str | None = None
    priority: str | None = Field(None, description="P1 … P5 (SOP §3.2)")
    source: str
    company_name: str | None = None
    state: str | None = None
    job_title: str | None = Field(None, description="The lead's job posting title (the mail merge's Job Title)")


class ContactUpdated(Payload):
    """A person changed a contact; ``changes`` holds the new values of the changed fields."""

    TYPE = "contact.updated"
    SUBJECT = "contact.updated"

    contact_id: uuid.UUID
    lead_id: uuid.UUID
    changes: dict[str, Any]
    updated_by: str | None = None


class ContactDeleted(Payload):
    """A contact was deleted (by a person, or with its lead); services keeping a copy drop theirs."""

    TYPE = "contact.deleted"
    SUBJECT = "contact.deleted"

    contact_id: uuid.UUID
    lead_id: uuid.UUID
    email: str | None = None
    deleted_by: str | None = None


class LeadEnriched(Payload):
    TYPE = "lead.enriched"
    SUBJECT = "lead.enriched"

    lead_id: uuid.UUID
    contact_count: int = Field(ge=0)
    provider: str
    first_contact: ContactSummary | None = None
    run_id: uuid.UUID | None = None
    enriched_at: datetime


# --- validation events ----------------------------------------------------------------------------


class ContactValidated(Payload):
    """A contact's email was checked (SOP §4.2): enrichment records the status on the contact, sourcing moves
    the lead to VALIDATED when one of its contacts is valid, outreach sends only to valid ones."""

    TYPE = "contact.validated"
    SUBJECT = "contact.validated"

    contact_id: uuid.UUID
    lead_id: uuid.UUID
    email: str
    status: Literal["valid", "invalid", "catch_all", "unknown"]
    sub_status: str | None = None
    provider: str
    checked_at: datetime
    reused: bool = Field(False, description="Answered from an earlier check of the same address")
    run_id: uuid.UUID | None = None


# --- mailboxes (warmup) ----------------------------------------------------------------------------

MailboxStatus = Literal["INACTIVE", "WARMING_UP", "COLD_READY", "ACTIVE", "PAUSED", "RECOVERING"]
ConnectionStatus = Literal["untested", "ok", "failed"]


class MailboxState(BaseModel):
    """Everything about a sender mailbox that other services may know (SOP §6.2) — never its password.

    ``version`` grows with every change, so a consumer keeping a copy ignores a state older than the one it has.
    """

    model_config = ConfigDict(frozen=True)

    mailbox_id: uuid.UUID
    version: int = Field(ge=1)
    email: str
    display_name: str | None = None
    provider: str = Field(description="gmail, microsoft365, smtp, … (free text)")
    smtp_host: str
    smtp_port: int
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str | None = Field(None, description="Login name when it differs from the address")
    imap_host: str | None = None
    imap_port: int | None = None
    warmup_status: MailboxStatus
    connection_status: ConnectionStatus
    is_active: bool = True
    daily_send_limit: int = Field(ge=0)
    is_blacklisted: bool = False
    dns_score: int | None = None


class MailboxCreated(Payload):
    TYPE = "mailbox.created"
    SUBJECT = "mailbox.created"

    mailbox: MailboxState
    created_by: str | None = None


class MailboxUpdated(Payload):
    """Any change of a mailbox (fields, connection test result, status); ``changed`` names the fields."""

    TYPE = "mailbox.updated"
    SUBJECT = "mailbox.updated"

    mailbox: MailboxState
    changed: list[str] = Field(default_factory=list)
    updated_by: str | None = None


class MailboxDeleted(Payload):
    TYPE = "mailbox.deleted"
    SUBJECT = "mailbox.deleted"

    mailbox_id: uuid.UUID
    email: str
    deleted_by: str | None = None


class MailboxStatusChanged(Payload):
    """The mailbox moved in its lifecycle (SOP §6.1); published with the ``mailbox.updated`` of the same change."""

    TYPE = "mailbox.status_changed"
    SUBJECT = "mailbox.status_changed"

    mailbox_id: uuid.UUID
    email: str
    from_status: MailboxStatus
    to_status: MailboxStatus
    reason: str = Field(description="connection_test, manual, warmup, auto_pause, …")
    changed_by: str | None = None


class MailboxPaused(Payload):
    """The mailbox stopped sending (by hand or by an automatic rule); outreach stops using it at once."""

    TYPE = "mailbox.paused"
    SUBJECT = "mailbox.paused"

    mailbox_id: uuid.UUID
    email: str
    reason: str


class MailboxReady(Payload):
    """The mailbox reached COLD_READY or ACTIVE: it may send outreach."""

    TYPE = "mailbox.ready"
    SUBJECT = "mailbox.ready"

    mailbox_id: uuid.UUID
    email: str
    status: Literal["COLD_READY", "ACTIVE"]


class ResetMailboxCounters(Payload):
    """Scheduled at midnight UTC: zero every mailbox's ``emails_sent_today`` (idempotent per day)."""

    TYPE = "cmd.warmup.reset_daily_counters"
    SUBJECT = "cmd.warmup.reset_daily_counters"

    day: str = Field(description="The UTC day (YYYY-MM-DD) that starts")


# --- outreach -------------------------------------------------------------------------------------


class RunOutreach(Payload):
    """Run outreach once (SOP §5): export a mail merge, or send through the ready mailboxes."""

    TYPE = "cmd.outreach.run"
    SUBJECT = "cmd.outreach.run"

    run_id: uuid.UUID
    requested_by: str | None = None
    mode: Literal["mailmerge", "send"]
    dry_run: bool = False
    limit: int | None = Field(None, ge=1, le=100_000, description="Most contacts reached by this run")
    template_id: uuid.UUID | None = Field(None, description="Send mode: the template; default: the default one")


class OutreachSent(Payload):
    """A contact was reached: an email accepted by the mailbox's SMTP server, or a row of a mail-merge export.
    The cooldown starts here; sourcing marks the lead CONTACTED, enrichment the contact's last outreach."""

    TYPE = "outreach.sent"
    SUBJECT = "outreach.sent"

    outreach_event_id: uuid.UUID
    contact_id: uuid.UUID
    lead_id: uuid.UUID
    email: str
    channel: Literal["smtp", "mailmerge"]
    mailbox_id: uuid.UUID | None = None
    message_id: str | None = None
    run_id: uuid.UUID | None = None
    sent_at: datetime


class OutreachSkipped(Payload):
    """A contact was not reached by a run, and why (suppressed, not_valid, cooldown, lead_limit, …)."""

    TYPE = "outreach.skipped"
    SUBJECT = "outreach.skipped"

    contact_id: uuid.UUID
    lead_id: uuid.UUID
    email: str
    reason: str
    run_id: uuid.UUID | None = None


class OutreachBounced(Payload):
    """The mailbox's SMTP server refused the recipient for good (5xx): the address is suppressed."""

    TYPE = "outreach.bounced"
    SUBJECT = "outreach.bounced"

    outreach_event_id: uuid.UUID
    contact_id: uuid.UUID
    lead_id: uuid.UUID
    email: str
    mailbox_id: uuid.UUID
    smtp_code: int
    smtp_reply: str
    run_id: uuid.UUID | None = None


class ContactSuppressed(Payload):
    """An address joined the do-not-contact list (unsubscribe link, hard bounce, by hand, import)."""

    TYPE = "contact.suppressed"
    SUBJECT = "contact.suppressed"

    email: str
    reason: Literal["unsubscribe", "bounce", "manual", "import"]
    suppressed_by: str | None = None
    suppressed_at: datetime


# --- pipeline runs ------------------------------------------------------------------------------------


class _PipelineRunEvent(Payload):
    run_id: uuid.UUID
    pipeline: PipelineName
    status: Literal["running", "completed", "failed", "cancelled"]
    started_at: datetime | None = None
    finished_at: datetime | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    error_message: str | None = None


class PipelineRunStarted(_PipelineRunEvent):
    TYPE = "pipeline.run.started"
    SUBJECT = "pipeline.run.{pipeline}.started"


class PipelineRunProgressed(_PipelineRunEvent):
    TYPE = "pipeline.run.progressed"
    SUBJECT = "pipeline.run.{pipeline}.progressed"


class PipelineRunCompleted(_PipelineRunEvent):
    TYPE = "pipeline.run.completed"
    SUBJECT = "pipeline.run.{pipeline}.completed"


class PipelineRunFailed(_PipelineRunEvent):
    TYPE = "pipeline.run.failed"
    SUBJECT = "pipeline.run.{pipeline}.failed"


class PipelineRunCancelled(_PipelineRunEvent):
    """Stopped at a person's request; nothing of the run is kept but its record and counts so far."""

    TYPE = "pipeline.run.cancelled"
    SUBJECT = "pipeline.run.{pipeline}.cancelled"


# --- settings (gateway) -------------------------------------------------------------------------------


class SettingUpdated(Payload):
    """A setting changed. The value itself lives in the settings KV bucket (secrets never travel in events)."""

    TYPE = "settings.updated"
    SUBJECT = "settings.updated"

    key: str
    updated_by: str | None = None
    updated_at: datetime
