"""Where every message lives: streams, who publishes and consumes what, and the query subjects.

This is the one place subjects and streams are declared. Services declare the streams they *own* at
start-up (see ``StreamSpec.owner``) and bind durable consumers to streams owned by others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from ra_contracts import events as ev
from ra_contracts.envelope import Payload


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    owner: str
    retention: Literal["limits", "workqueue"] = "limits"
    max_age: timedelta = timedelta(days=7)
    duplicate_window: timedelta = timedelta(minutes=5)
    description: str = ""


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable pull consumer, shared by every replica of ``service``."""

    service: str
    durable: str
    stream: str
    filter_subjects: tuple[str, ...]
    messages: tuple[type[Payload], ...]
    max_deliver: int = 8
    ack_wait: timedelta = timedelta(seconds=60)
    description: str = ""


@dataclass(frozen=True)
class QuerySpec:
    """A request/reply query answered by any replica of ``service`` (NATS queue group)."""

    service: str
    subject: str
    description: str


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    publishes: tuple[type[Payload], ...]
    consumers: tuple[ConsumerSpec, ...] = ()
    queries: tuple[QuerySpec, ...] = ()
    description: str = ""
    commands: tuple[type[Payload], ...] = field(default=())


STREAMS: dict[str, StreamSpec] = {
    s.name: s
    for s in (
        StreamSpec(
            "SOURCING_EVENTS",
            ("lead.created", "lead.updated", "lead.status_changed", "lead.deleted", "pipeline.run.lead_sourcing.>"),
            owner="sourcing",
            description="Events published by the sourcing service",
        ),
        StreamSpec(
            "ENRICHMENT_EVENTS",
            (
                "contact.created",
                "contact.updated",
                "contact.deleted",
                "lead.enriched",
                "pipeline.run.contact_enrichment.>",
            ),
            owner="enrichment",
            description="Events published by the enrichment service",
        ),
        StreamSpec(
            "VALIDATION_EVENTS",
            ("contact.validated", "pipeline.run.email_validation.>"),
            owner="validation",
            description="Events published by the validation service",
        ),
        StreamSpec(
            "WARMUP_EVENTS",
            (
                "mailbox.created",
                "mailbox.updated",
                "mailbox.deleted",
                "mailbox.status_changed",
                "mailbox.paused",
                "mailbox.ready",
            ),
            owner="warmup",
            description="Events published by the warmup service (sender mailboxes)",
        ),
        StreamSpec(
            "OUTREACH_EVENTS",
            (
                "outreach.sent",
                "outreach.skipped",
                "outreach.bounced",
                "contact.suppressed",
                "pipeline.run.outreach.>",
            ),
            owner="outreach",
            description="Events published by the outreach service",
        ),
        StreamSpec(
            "GATEWAY_EVENTS",
            ("settings.updated",),
            owner="gateway",
            description="Events published by the gateway",
        ),
        StreamSpec(
            "SOURCING_CMD",
            ("cmd.sourcing.>",),
            owner="sourcing",
            retention="workqueue",
            max_age=timedelta(days=1),
            description="Commands for the sourcing service (work queue)",
        ),
        StreamSpec(
            "VALIDATION_CMD",
            ("cmd.validation.>",),
            owner="validation",
            retention="workqueue",
            max_age=timedelta(days=1),
            description="Commands for the validation service (work queue)",
        ),
        StreamSpec(
            "ENRICHMENT_CMD",
            ("cmd.enrichment.>",),
            owner="enrichment",
            retention="workqueue",
            max_age=timedelta(days=1),
            description="Commands for the enrichment service (work queue)",
        ),
        StreamSpec(
            "WARMUP_CMD",
            ("cmd.warmup.>",),
            owner="warmup",
            retention="workqueue",
            max_age=timedelta(days=1),
            description="Commands for the warmup service (scheduled jobs; work queue)",
        ),
        StreamSpec(
            "OUTREACH_CMD",
            ("cmd.outreach.>",),
            owner="outreach",
            retention="workqueue",
            max_age=timedelta(days=1),
            description="Commands for the outreach service (work queue)",
        ),
    )
}

_RUN_EVENTS = (
    ev.PipelineRunStarted,
    ev.PipelineRunProgressed,
    ev.PipelineRunCompleted,
    ev.PipelineRunFailed,
    ev.PipelineRunCancelled,
)
_LEAD_EVENTS = (ev.LeadCreated, ev.LeadUpdated, ev.LeadStatusChanged, ev.LeadDeleted)
_MAILBOX_EVENTS = (
    ev.MailboxCreated,
    ev.MailboxUpdated,
    ev.MailboxDeleted,
    ev.MailboxStatusChanged,
    ev.MailboxPaused,
    ev.MailboxReady,
)
_OUTREACH_EVENTS = (ev.OutreachSent, ev.OutreachSkipped, ev.OutreachBounced, ev.ContactSuppressed)

SERVICES: dict[str, ServiceSpec] = {
    s.name: s
    for s in (
        ServiceSpec(
            "sourcing",
            description="Fetches job postings, normalises and deduplicates them into leads (SOP §2).",
            publishes=(*_LEAD_EVENTS, *_RUN_EVENTS),
            consumers=(
                ConsumerSpec(
                    "sourcing",
                    "sourcing-run",
                    "SOURCING_CMD",
                    ("cmd.sourcing.run",),
                    (ev.RunLeadSourcing,),
                    max_deliver=3,
                    description="Runs the lead-sourcing pipeline",
                ),
                ConsumerSpec(
                    "sourcing",
                    "sourcing-lead-enriched",
                    "ENRICHMENT_EVENTS",
                    ("lead.enriched",),
                    (ev.LeadEnriched,),
                    description="Marks the lead ENRICHED and keeps the first contact's summary",
                ),
                ConsumerSpec(
                    "sourcing",
                    "sourcing-contact-validated",
                    "VALIDATION_EVENTS",
                    ("contact.validated",),
                    (ev.ContactValidated,),
                    description="Moves the lead to VALIDATED when one of its contacts is valid",
                ),
                ConsumerSpec(
                    "sourcing",
                    "sourcing-outreach-sent",
                    "OUTREACH_EVENTS",
                    ("outreach.sent",),
                    (ev.OutreachSent,),
                    description="Moves the lead to CONTACTED when one of its contacts was reached",
                ),
            ),
            queries=(
                QuerySpec("sourcing", "q.sourcing.leads.list", "Leads, paginated (page or keyset cursor) and filtered"),
                QuerySpec("sourcing", "q.sourcing.leads.get", "One lead by id"),
                QuerySpec("sourcing", "q.sourcing.leads.create", "Create a lead (dedup rules apply; 409 on duplicate)"),
                QuerySpec("sourcing", "q.sourcing.leads.update", "Change a lead's fields"),
                QuerySpec("sourcing", "q.sourcing.leads.status", "Move a lead to another status (allowed moves only)"),
                QuerySpec("sourcing", "q.sourcing.leads.delete", "Delete a lead"),
                QuerySpec("sourcing", "q.sourcing.leads.import", "Check or import an uploaded CSV/XLSX file of leads"),
                QuerySpec("sourcing", "q.sourcing.leads.export", "One slice (1,000 rows) of a CSV export"),
                QuerySpec("sourcing", "q.sourcing.leads.stats", "Lead counts by status, source, state; per-day trend"),
                QuerySpec("sourcing", "q.sourcing.clients.list", "Clients, paginated, filtered and sorted"),
                QuerySpec("sourcing", "q.sourcing.clients.get", "One client by id"),
                QuerySpec("sourcing", "q.sourcing.clients.create", "Create a client"),
                QuerySpec("sourcing", "q.sourcing.clients.update", "Change a client"),
                QuerySpec("sourcing", "q.sourcing.clients.delete", "Delete a client without leads"),
                QuerySpec("sourcing", "q.sourcing.runs.list", "Lead-sourcing runs"),
                QuerySpec("sourcing", "q.sourcing.runs.get", "One lead-sourcing run"),
                QuerySpec("sourcing", "q.sourcing.runs.cancel", "Cancel a queued or running lead-sourcing run"),
                QuerySpec("sourcing", "q.sourcing.runs.export", "A completed run's XLSX export (built if missing)"),
                QuerySpec("sourcing", "q.sourcing.providers.test", "Test a job source's key (jsearch, apollo, jobspy)"),
            ),
        ),
        ServiceSpec(
            "enrichment",
            description="Finds decision-maker contacts for each lead and ranks them P1–P5 (SOP §3).",
            publishes=(ev.ContactCreated, ev.ContactUpdated, ev.ContactDeleted, ev.LeadEnriched, *_RUN_EVENTS),
            consumers=(
                ConsumerSpec(
                    "enrichment",
                    "enrichment-lead-created",
                    "SOURCING_EVENTS",
                    ("lead.created",),
                    (ev.LeadCreated,),
                    description="Records the lead and, when auto-enrichment is on, enriches it",
                ),
                ConsumerSpec(
                    "enrichment",
                    "enrichment-lead-changes",
                    "SOURCING_EVENTS",
                    ("lead.updated", "lead.deleted"),
                    (ev.LeadUpdated, ev.LeadDeleted),
                    description="Keeps enrichment's copy of each lead current; a deleted lead's contacts go with it",
                ),
                ConsumerSpec(
                    "enrichment",
                    "enrichment-contact-validated",
                    "VALIDATION_EVENTS",
                    ("contact.validated",),
                    (ev.ContactValidated,),
                    description="Records each contact's validation status",
                ),
                ConsumerSpec(
                    "enrichment",
                    "enrichment-outreach-sent",
                    "OUTREACH_EVENTS",
                    ("outreach.sent",),
                    (ev.OutreachSent,),
                    description="Records each contact's last outreach date",
                ),
                ConsumerSpec(
                    "enrichment",
                    "enrichment-run",
                    "ENRICHMENT_CMD",
                    ("cmd.enrichment.run",),
                    (ev.RunContactEnrichment,),
                    max_deliver=3,
                    description="Enriches every lead still waiting for contacts",
                ),
            ),
            queries=(
                QuerySpec(
                    "enrichment", "q.enrichment.contacts.list", "Contacts, filtered, searched, sorted, paginated"
                ),
                QuerySpec("enrichment", "q.enrichment.contacts.get", "One contact by id"),
                QuerySpec("enrichment", "q.enrichment.contacts.create", "Add a contact to a lead by hand"),
                QuerySpec("enrichment", "q.enrichment.contacts.update", "Change a contact"),
                QuerySpec("enrichment", "q.enrichment.contacts.delete", "Delete a contact"),
                QuerySpec(
                    "enrichment", "q.enrichment.contacts.stats", "Contact counts by priority, validation, source; trend"
                ),
                QuerySpec("enrichment", "q.enrichment.runs.list", "Contact-enrichment runs"),
                QuerySpec("enrichment", "q.enrichment.runs.get", "One contact-enrichment run"),
                QuerySpec("enrichment", "q.enrichment.providers.test", "Test a contact provider's key (seamless)"),
            ),
        ),
        ServiceSpec(
            "validation",
            description="Checks contacts' email addresses with the chosen provider or the built-in verifier (SOP §4).",
            publishes=(ev.ContactValidated, *_RUN_EVENTS),
            consumers=(
                ConsumerSpec(
                    "validation",
                    "validation-contacts",
                    "ENRICHMENT_EVENTS",
                    ("contact.created", "contact.updated", "contact.deleted"),
                    (ev.ContactCreated, ev.ContactUpdated, ev.ContactDeleted),
                    description="Keeps the contacts to validate; validates new ones when auto-validation is on",
                ),
                ConsumerSpec(
                    "validation",
                    "validation-run",
                    "VALIDATION_CMD",
                    ("cmd.validation.run",),
                    (ev.RunEmailValidation,),
                    max_deliver=3,
                    description="Validates every contact not validated yet",
                ),
            ),
            queries=(
                QuerySpec("validation", "q.validation.results.list", "Validation results, filtered, paginated"),
                QuerySpec("validation", "q.validation.check", "Check one address now"),
                QuerySpec("validation", "q.validation.providers.test", "Test an email validator's key or setup"),
                QuerySpec("validation", "q.validation.runs.list", "Email-validation runs"),
                QuerySpec("validation", "q.validation.runs.get", "One email-validation run"),
            ),
        ),
        ServiceSpec(
            "warmup",
            description="Owns the sender mailboxes (SOP §6): lifecycle, connection tests, daily counters.",
            publishes=(*_MAILBOX_EVENTS, ev.ResetMailboxCounters),
            consumers=(
                ConsumerSpec(
                    "warmup",
                    "warmup-outreach",
                    "OUTREACH_EVENTS",
                    ("outreach.sent", "outreach.bounced"),
                    (ev.OutreachSent, ev.OutreachBounced),
                    description="Counts each mailbox's outreach sends and bounces",
                ),
                ConsumerSpec(
                    "warmup",
                    "warmup-jobs",
                    "WARMUP_CMD",
                    ("cmd.warmup.>",),
                    (ev.ResetMailboxCounters,),
                    max_deliver=3,
                    description="Scheduled jobs: the daily counter reset at midnight UTC",
                ),
            ),
            queries=(
                QuerySpec("warmup", "q.warmup.mailboxes.list", "Mailboxes, filtered, searched, sorted, paginated"),
                QuerySpec("warmup", "q.warmup.mailboxes.get", "One mailbox by id"),
                QuerySpec("warmup", "q.warmup.mailboxes.create", "Add a mailbox (password encrypted at rest)"),
                QuerySpec("warmup", "q.warmup.mailboxes.update", "Change a mailbox"),
                QuerySpec("warmup", "q.warmup.mailboxes.status", "Move a mailbox in its lifecycle by hand"),
                QuerySpec("warmup", "q.warmup.mailboxes.delete", "Delete a mailbox"),
                QuerySpec("warmup", "q.warmup.mailboxes.bulk_delete", "Delete several mailboxes"),
                QuerySpec("warmup", "q.warmup.mailboxes.stats", "Mailbox counts by status, connection, provider"),
                QuerySpec("warmup", "q.warmup.mailboxes.test", "Test one mailbox's SMTP (and IMAP) connection"),
                QuerySpec("warmup", "q.warmup.mailboxes.test_all", "Test every mailbox's connection"),
                QuerySpec("warmup", "q.warmup.providers.test", "Test an AI provider's key (list its models)"),
                QuerySpec(
                    "warmup",
                    "q.warmup.mailboxes.credentials",
                    "A mailbox's login, its password still encrypted (for outreach's SMTP sessions)",
                ),
            ),
        ),
        ServiceSpec(
            "outreach",
            description="Reaches valid contacts by mail-merge export or direct SMTP sending, never twice (SOP §5).",
            publishes=(*_OUTREACH_EVENTS, *_RUN_EVENTS),
            consumers=(
                ConsumerSpec(
                    "outreach",
                    "outreach-contacts",
                    "ENRICHMENT_EVENTS",
                    ("contact.created", "contact.updated", "contact.deleted"),
                    (ev.ContactCreated, ev.ContactUpdated, ev.ContactDeleted),
                    description="Keeps outreach's copy of every contact",
                ),
                ConsumerSpec(
                    "outreach",
                    "outreach-contact-validated",
                    "VALIDATION_EVENTS",
                    ("contact.validated",),
                    (ev.ContactValidated,),
                    description="Records each contact's validation status (only valid ones are reached)",
                ),
                ConsumerSpec(
                    "outreach",
                    "outreach-lead-changes",
                    "SOURCING_EVENTS",
                    ("lead.updated",),
                    (ev.LeadUpdated,),
                    description="Keeps the company, job title and state of each contact's lead current",
                ),
                ConsumerSpec(
                    "outreach",
                    "outreach-mailboxes",
                    "WARMUP_EVENTS",
                    ("mailbox.created", "mailbox.updated", "mailbox.deleted"),
                    (ev.MailboxCreated, ev.MailboxUpdated, ev.MailboxDeleted),
                    description="Keeps outreach's copy of the sender mailboxes",
                ),
                ConsumerSpec(
                    "outreach",
                    "outreach-run",
                    "OUTREACH_CMD",
                    ("cmd.outreach.run",),
                    (ev.RunOutreach,),
                    max_deliver=3,
                    ack_wait=timedelta(seconds=120),
                    description="Runs outreach: a mail-merge export or a send",
                ),
            ),
            queries=(
                QuerySpec("outreach", "q.outreach.events.list", "Outreach events, filtered, paginated"),
                QuerySpec("outreach", "q.outreach.stats", "Sent today, by channel and status, quota, per-day trend"),
                QuerySpec("outreach", "q.outreach.suppression.list", "The do-not-contact list, searched, paginated"),
                QuerySpec("outreach", "q.outreach.suppression.add", "Add addresses to the do-not-contact list"),
                QuerySpec("outreach", "q.outreach.suppression.delete", "Remove an address from the list"),
                QuerySpec("outreach", "q.outreach.suppression.import", "Import a CSV of addresses to suppress"),
                QuerySpec(
                    "outreach", "q.outreach.unsubscribe.peek", "Check an unsubscribe token (the address it names)"
                ),
                QuerySpec("outreach", "q.outreach.unsubscribe", "Unsubscribe the address a signed token names"),
                QuerySpec("outreach", "q.outreach.templates.list", "Email templates"),
                QuerySpec("outreach", "q.outreach.templates.get", "One template"),
                QuerySpec("outreach", "q.outreach.templates.create", "Add a template (merge fields checked)"),
                QuerySpec("outreach", "q.outreach.templates.update", "Change a template"),
                QuerySpec("outreach", "q.outreach.templates.delete", "Delete a template"),
                QuerySpec("outreach", "q.outreach.exports.get", "A mail-merge run's CSV or guide"),
                QuerySpec("outreach", "q.outreach.runs.list", "Outreach runs"),
                QuerySpec("outreach", "q.outreach.runs.get", "One outreach run"),
                QuerySpec("outreach", "q.outreach.runs.cancel", "Cancel a queued outreach run or stop a send run"),
            ),
        ),
        ServiceSpec(
            "gateway",
            description="The unified HTTP API (/api/v1): auth, users, settings; relays queries and commands.",
            publishes=(
                ev.SettingUpdated,
                ev.RunLeadSourcing,
                ev.RunContactEnrichment,
                ev.RunEmailValidation,
                ev.RunOutreach,
            ),
        ),
    )
}

#: Every message type by its ``type`` string.
MESSAGES: dict[str, type[Payload]] = {
    m.TYPE: m
    for m in (
        ev.RunLeadSourcing,
        ev.RunContactEnrichment,
        ev.RunEmailValidation,
        ev.RunOutreach,
        ev.ResetMailboxCounters,
        *_LEAD_EVENTS,
        ev.ContactCreated,
        ev.ContactUpdated,
        ev.ContactDeleted,
        ev.LeadEnriched,
        ev.ContactValidated,
        *_MAILBOX_EVENTS,
        *_OUTREACH_EVENTS,
        *_RUN_EVENTS,
        ev.SettingUpdated,
    )
}

#: The JetStream key-value bucket the gateway mirrors settings into and services watch.
SETTINGS_BUCKET = "settings"


def consumer(durable: str) -> ConsumerSpec:
    for svc in SERVICES.values():
        for c in svc.consumers:
            if c.durable == durable:
                return c
    raise KeyError(durable)


def stream_for_subject(subject: str) -> StreamSpec:
    """The stream that captures ``subject`` (NATS wildcard rules)."""
    for s in STREAMS.values():
        if any(subject_matches(pattern, subject) for pattern in s.subjects):
            return s
    raise KeyError(subject)


def subject_matches(pattern: str, subject: str) -> bool:
    p, t = pattern.split("."), subject.split(".")
    for i, tok in enumerate(p):
        if tok == ">":
            return len(t) > i
        if i >= len(t) or (tok != "*" and tok != t[i]):
            return False
    return len(p) == len(t)
