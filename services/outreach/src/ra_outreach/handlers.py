"""Thin entry points of the outreach service: the read models from events, the run command, the queries."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from aiosmtplib import SMTP
from pydantic import BaseModel, Field
from ra_contracts.catalog import consumer
from ra_contracts.events import (
    ContactCreated,
    ContactDeleted,
    ContactSuppressed,
    ContactUpdated,
    ContactValidated,
    LeadUpdated,
    MailboxCreated,
    MailboxDeleted,
    MailboxUpdated,
    OutreachSent,
    OutreachSkipped,
    PipelineRunCancelled,
    PipelineRunCompleted,
    PipelineRunFailed,
    PipelineRunProgressed,
    PipelineRunStarted,
    RunOutreach,
)
from ra_runtime.mailnet import MailConnectError, open_smtp
from ra_runtime.messaging import Inbound
from ra_runtime.objects import EXPORTS, UPLOADS, fetched_file, object_size, put_file
from ra_runtime.queries import QueryError, ServiceUnavailable, ask, uuid_param
from ra_runtime.runs import cancel_requested, request_cancel, run_queries, run_view, start_run
from ra_runtime.scheduler import SCHEDULE_NAMESPACE, Every, ScheduledJob, Scheduler, slot_key
from ra_runtime.service import ServiceContext, Wiring
from ra_runtime.stats import DEFAULT_DAYS, DayWindow, TrendDays, read_snapshot
from sqlalchemy.ext.asyncio import AsyncSession

from ra_outreach import repository as repo
from ra_outreach.eligibility import judge
from ra_outreach.mailmerge import csv_name, guide_name, mailmerge_csv, mailmerge_guide, write_exports
from ra_outreach.models import JobRun, OutreachEvent, Suppression, Template
from ra_outreach.sending import (
    CLAIM_CHUNK,
    MailboxUnavailable,
    RunCancelled,
    RunRefused,
    SendDeps,
    SendRun,
    SendSettings,
    SendTally,
    TemplateText,
    run_lock,
)
from ra_outreach.templates import TemplateError, check_template
from ra_outreach.unsubscribe import BadToken, UnsubscribeSigner, unsubscribe_url

log = logging.getLogger(__name__)

PIPELINE = "outreach"
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
RUN_MAX_DELIVER = consumer("outreach-run").max_deliver
#: Who asks for the automatic send runs (setting ``outreach_auto_send_enabled``), and how often.
AUTO_SEND = "auto-send"
AUTO_SEND_EVERY = timedelta(minutes=5)
#: Invalid rows listed in an import's answer (the rest are counted).
MAX_LISTED_ERRORS = 200


# --- query parameters ---------------------------------------------------------------------------------


class Actor(BaseModel):
    actor: str | None = Field(None, max_length=320)


class EventQuery(BaseModel):
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(25, ge=1, le=100)
    run_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    mailbox_id: uuid.UUID | None = None
    channel: Literal["smtp", "mailmerge"] | None = None
    status: Literal["claimed", "sending", "sent", "skipped", "failed", "deferred", "uncertain", "cancelled"] | None = (
        None
    )
    search: str | None = Field(None, max_length=320)
    since: datetime | None = None
    until: datetime | None = None


class RunCancel(Actor):
    run_id: uuid.UUID


class StoppedRun(Exception):
    """A send run a person cancelled, with its counts so far."""

    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__("cancelled at a person's request")
        self.counts = counts


class StatsQuery(BaseModel):
    days: TrendDays = DEFAULT_DAYS


class SuppressionQuery(BaseModel):
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(25, ge=1, le=100)
    search: str | None = Field(None, max_length=320)


class SuppressionAdd(Actor):
    emails: list[str] = Field(min_length=1, max_length=1000)
    reason: Literal["manual", "unsubscribe", "bounce", "import"] = "manual"


class SuppressionDelete(Actor):
    email: str = Field(min_length=1, max_length=320)


class SuppressionImport(Actor):
    object_name: str = Field(min_length=1, max_length=300)


class TokenRequest(BaseModel):
    token: str = Field(min_length=3, max_length=1000)


class TemplateFields(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    subject: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=50_000)
    is_default: bool = False


class TemplateChanges(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    subject: str | None = Field(None, min_length=1, max_length=500)
    body: str | None = Field(None, min_length=1, max_length=50_000)
    is_default: bool | None = None


class TemplateCreate(Actor):
    template: TemplateFields


class TemplateUpdate(Actor):
    template_id: uuid.UUID
    changes: TemplateChanges


class ExportRequest(BaseModel):
    run_id: uuid.UUID
    file: Literal["csv", "guide"] = "csv"


# --- views --------------------------------------------------------------------------------------------


def event_view(e: OutreachEvent) -> dict[str, Any]:
    return {c.key: getattr(e, c.key) for c in OutreachEvent.__table__.columns}


def suppression_view(s: Suppression) -> dict[str, Any]:
    return {"email": s.email, "reason": s.reason, "created_by": s.created_by, "created_at": s.created_at}


def template_view(t: Template) -> dict[str, Any]:
    return {c.key: getattr(t, c.key) for c in Template.__table__.columns}


def normalize_email(value: str) -> str | None:
    address = (value or "").strip().strip("<>").strip().lower()
    if address.startswith("mailto:"):
        address = address[len("mailto:") :]
    return address if len(address) <= 320 and _EMAIL.fullmatch(address) else None


def email_column(header: list[str]) -> int | None:
    for i, name in enumerate(header):
        if name.strip().lstrip("\ufeff").lower().replace("-", "").replace("_", "").replace(" ", "") in (
            "email",
            "emailaddress",
        ):
            return i
    return None


def read_suppression_csv(text: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Addresses of an uploaded CSV: the column named email/Email/e-mail, or the first column (then a first
    row that is not an address is a header). Returns the addresses and the invalid rows."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        return [], []
    column = email_column(rows[0])
    start = 1
    if column is None:
        column = 0
        if rows[0] and normalize_email(rows[0][0]) is not None:
            start = 0
    good: list[str] = []
    bad: list[dict[str, Any]] = []
    for number, row in enumerate(rows[start:], start=start + 1):
        value = row[column] if column < len(row) else ""
        if not value.strip() and not any(c.strip() for c in row):
            continue
        address = normalize_email(value)
        if address is None:
            bad.append({"row": number, "value": value[:320], "error": "not an email address"})
        else:
            good.append(address)
    return good, bad


# --- the service --------------------------------------------------------------------------------------


async def build(ctx: ServiceContext) -> Wiring:
    exports_dir = Path(ctx.config.exports_dir)
    signer = UnsubscribeSigner(ctx.config.secret_key)

    def setting(key: str) -> Any:
        return ctx.settings.get(key)

    def send_settings() -> SendSettings:
        rate = float(setting("rate_limit_per_minute") or 0)
        return SendSettings(
            daily_limit=int(setting("daily_send_limit")),
            cooldown=timedelta(days=int(setting("cooldown_days"))),
            max_per_lead=int(setting("max_contacts_per_lead")),
            interval=60.0 / rate if rate > 0 else 0.0,
            retry_after=timedelta(minutes=int(setting("outreach_retry_minutes"))),
            postal_address=str(setting("outreach_postal_address") or ""),
            public_base_url=str(setting("public_base_url") or ""),
        )

    # --- read models ----------------------------------------------------------------------------------

    async def on_contacts(session: AsyncSession, batch: list[Inbound]) -> None:
        created: dict[uuid.UUID, dict[str, Any]] = {}

        async def flush() -> None:
            await repo.upsert_contacts(session, list(created.values()))
            created.clear()

        for item in batch:
            event = item.payload
            if isinstance(event, ContactCreated):
                created[event.contact_id] = {
                    "contact_id": event.contact_id,
                    "lead_id": event.lead_id,
                    "email": event.email.strip().lower(),
                    "first_name": event.first_name,
                    "last_name": event.last_name,
                    "title": event.title,
                    "priority": event.priority,
                    "company_name": event.company_name,
                    "state": event.state,
                    "job_title": event.job_title,
                }
                continue
            await flush()
            if isinstance(event, ContactUpdated):
                await repo.update_contact(session, event.contact_id, event.changes)
            elif isinstance(event, ContactDeleted):
                await repo.delete_contact(session, event.contact_id)
        await flush()

    async def on_contact_validated(session: AsyncSession, batch: list[Inbound]) -> None:
        rows: dict[uuid.UUID, dict[str, Any]] = {}
        for item in batch:
            event = item.payload
            if isinstance(event, ContactValidated):
                address = event.email.strip().lower()
                rows[event.contact_id] = {
                    "contact_id": event.contact_id,
                    "lead_id": event.lead_id,
                    "email": address,
                    "validation_status": event.status,
                    "validated_email": address,
                }
        await repo.record_validations(session, list(rows.values()))

    async def on_lead_changes(session: AsyncSession, batch: list[Inbound]) -> None:
        for item in batch:
            event = item.payload
            if isinstance(event, LeadUpdated):
                await repo.update_lead_fields(session, event.lead_id, event.changes)

    async def on_mailboxes(session: AsyncSession, batch: list[Inbound]) -> None:
        for item in batch:
            event = item.payload
            if isinstance(event, MailboxCreated | MailboxUpdated):
                await repo.upsert_mailbox(session, event.mailbox)
            elif isinstance(event, MailboxDeleted):
                await repo.delete_mailbox(session, event.mailbox_id)

    # --- runs -----------------------------------------------------------------------------------------

    async def open_session(mailbox_id: uuid.UUID) -> SMTP:
        """A logged-in SMTP session: the login from warmup (password still encrypted), decrypted here."""
        try:
            creds = await ask(ctx.nc, "q.warmup.mailboxes.credentials", {"mailbox_id": str(mailbox_id)}, timeout=10)
            token = creds.get("password_encrypted")
            password = ctx.secrets.decrypt(token) if token else None
            return await open_smtp(
                creds["smtp_host"],
                int(creds["smtp_port"]),
                creds.get("smtp_security") or "starttls",
                creds.get("smtp_username") or creds.get("email"),
                password,
                timeout=float(setting("mailbox_connection_timeout_seconds")),
                allow_private=ctx.config.allow_private_mail_hosts,
                ca_file=ctx.config.mail_ca_file,
                allowed_ports=ctx.config.mail_ports,
            )
        except (QueryError, ServiceUnavailable, MailConnectError, ValueError, KeyError) as exc:
            log.warning("mailbox %s cannot send: %s", mailbox_id, exc)
            raise MailboxUnavailable(str(exc)) from exc

    async def load_template(template_id: uuid.UUID | None) -> TemplateText | None:
        async with ctx.sessions() as s:
            t = await s.get(Template, template_id) if template_id else await repo.default_template(s)
        return TemplateText(t.template_id, t.subject, t.body) if t else None

    async def report(run_id: uuid.UUID, counts: dict[str, int]) -> None:
        async with ctx.sessions() as s, s.begin():
            await repo.update_run(s, run_id, counts=counts)
            await ctx.outbox.add(
                s,
                [PipelineRunProgressed(run_id=run_id, pipeline=PIPELINE, status="running", counts=counts)],
                str(run_id),
            )

    async def run_send(cmd: RunOutreach) -> dict[str, int]:
        settings = send_settings()
        if not cmd.dry_run and not settings.postal_address.strip():
            raise RunRefused(
                "set the sender's postal address (setting outreach_postal_address) before sending: "
                "every email must carry it"
            )
        template = await load_template(cmd.template_id)
        if template is None:
            raise RunRefused(f"template {cmd.template_id or '(default)'} not found")
        tally = SendTally()

        async def progress() -> None:
            await report(cmd.run_id, tally.counts())

        async def stop_requested() -> bool:
            async with ctx.sessions() as s:
                return await cancel_requested(s, JobRun, cmd.run_id)

        deps = SendDeps(
            sessions=ctx.sessions,
            engine=ctx.engine,
            outbox=ctx.outbox,
            signer=signer,
            open_session=open_session,
            load_template=load_template,
            progress=progress,
            cancel_requested=stop_requested,
        )
        run = SendRun(deps, settings, cmd.run_id, template, tally)
        if cmd.dry_run:
            await run.dry_run(cmd.limit)
            return tally.counts(dry_run=True)
        try:
            await run.run(cmd.limit)
        except RunCancelled:
            raise StoppedRun(tally.counts()) from None
        counts = tally.counts()
        # Across redeliveries of the command the events are the truth about what this run sent.
        async with ctx.sessions() as s:
            outcomes = await repo.run_outcomes(s, cmd.run_id)
        for status in ("sent", "failed", "deferred", "uncertain"):
            counts[status] = max(counts.get(status, 0), outcomes.get(status, 0))
        return counts

    async def run_mailmerge(cmd: RunOutreach) -> tuple[dict[str, int], tuple[str, str] | None]:
        settings = send_settings()
        skipped: list[Any] = []
        exported = 0
        async with run_lock(ctx.engine):
            async with ctx.sessions() as s:
                candidates = await repo.candidates(s, cooldown=settings.cooldown)
            verdicts = judge(
                candidates, now=datetime.now(UTC), cooldown=settings.cooldown, max_per_lead=settings.max_per_lead
            )
            eligible = verdicts.eligible[: cmd.limit or None]
            skipped = list(verdicts.skipped)
            for start in range(0, len(eligible), CLAIM_CHUNK):
                chunk = eligible[start : start + CLAIM_CHUNK]
                async with ctx.sessions() as s, s.begin():
                    ids = {c.contact_id: uuid.uuid4() for c in chunk}
                    got = await repo.claim_recipients(
                        s, [(c.email.lower(), ids[c.contact_id]) for c in chunk], cooldown=settings.cooldown
                    )
                    won = [c for c in chunk if c.email.lower() in got]
                    skipped += [(c, "cooldown") for c in chunk if c.email.lower() not in got]
                    fields = await repo.merge_fields(s, [c.contact_id for c in won])
                    now = datetime.now(UTC)
                    await repo.insert_events(
                        s,
                        [
                            {
                                "event_id": ids[c.contact_id],
                                "run_id": cmd.run_id,
                                "contact_id": c.contact_id,
                                "lead_id": c.lead_id,
                                "email": c.email.lower(),
                                "channel": "mailmerge",
                                "status": "sent",
                                "fields": fields.get(c.contact_id, {}),
                                "attempts": 1,
                                "sent_at": now,
                            }
                            for c in won
                        ],
                    )
                    await repo.clear_skip_reasons(s, [c.contact_id for c in won])
                    await ctx.outbox.add(
                        s,
                        [
                            OutreachSent(
                                outreach_event_id=ids[c.contact_id],
                                contact_id=c.contact_id,
                                lead_id=c.lead_id,
                                email=c.email.lower(),
                                channel="mailmerge",
                                run_id=cmd.run_id,
                                sent_at=now,
                            )
                            for c in won
                        ],
                        str(cmd.run_id),
                    )
                exported += len(won)
            async with ctx.sessions() as s, s.begin():
                fresh = await repo.record_skips(s, skipped, run_id=cmd.run_id, channel="mailmerge")
                await ctx.outbox.add(
                    s,
                    [
                        OutreachSkipped(
                            contact_id=c.contact_id, lead_id=c.lead_id, email=c.email, reason=r, run_id=cmd.run_id
                        )
                        for c, r in fresh
                    ],
                    str(cmd.run_id),
                )
        files = await write_mailmerge(cmd.run_id)
        counts: dict[str, int] = {"eligible": len(verdicts.eligible), "exported": exported}
        by_reason: dict[str, int] = {}
        for _, reason in skipped:
            by_reason[reason] = by_reason.get(reason, 0) + 1
        counts |= {f"skipped_{r}": n for r, n in sorted(by_reason.items())}
        counts["skipped"] = len(skipped)
        return counts, files

    async def write_mailmerge(run_id: uuid.UUID) -> tuple[str, str] | None:
        """The run's CSV and guide, from its events, into the exports folder and the exports bucket."""
        async with ctx.sessions() as s:
            rows = await repo.run_mailmerge_rows(s, run_id)
            run = await s.get(JobRun, run_id)
        if not rows:
            return None
        created = run.started_at if run else datetime.now(UTC)
        base = str(setting("public_base_url") or "").rstrip("/")
        hint = (
            "Recipients can also unsubscribe themselves at "
            f"{unsubscribe_url(base, '<token>')} links when you send through this system directly."
            if base
            else ""
        )
        csv_text = mailmerge_csv(rows)
        guide = mailmerge_guide(
            run_id=run_id,
            created_at=created,
            contacts=len(rows),
            postal_address=str(setting("outreach_postal_address") or ""),
            unsubscribe_hint=hint,
        )
        csv_path, guide_path = await asyncio.to_thread(write_exports, exports_dir, run_id, csv_text, guide)
        await put_file(ctx.js, EXPORTS, csv_name(run_id), csv_path)
        await put_file(ctx.js, EXPORTS, guide_name(run_id), guide_path)
        return csv_name(run_id), guide_name(run_id)

    async def on_run_command(session: AsyncSession, batch: list[Inbound]) -> None:
        for item in batch:
            cmd = item.payload
            assert isinstance(cmd, RunOutreach)
            await run_outreach(session, cmd, final=(item.msg.metadata.num_delivered or 1) >= RUN_MAX_DELIVER)

    async def worth_sending(cmd: RunOutreach) -> bool:
        """An automatic run goes ahead only when it has something to send (no empty run every few minutes)."""
        async with ctx.sessions() as s:
            if await repo.pending_sends(s):
                return True
        probe = await run_send(RunOutreach(run_id=cmd.run_id, mode="send", dry_run=True, limit=cmd.limit))
        return probe.get("would_send", 0) > 0

    async def run_outreach(session: AsyncSession, cmd: RunOutreach, *, final: bool) -> None:
        run_id = cmd.run_id
        if cmd.requested_by == AUTO_SEND and not (setting("outreach_auto_send_enabled") and await worth_sending(cmd)):
            log.debug("automatic send %s: nothing to send", run_id)
            return
        async with ctx.sessions() as s, s.begin():
            if not await start_run(s, JobRun, run_id, cmd.requested_by):
                log.info("outreach run %s was cancelled before it started", run_id)
                return
            await repo.update_run(s, run_id, mode=cmd.mode, dry_run=cmd.dry_run, template_id=cmd.template_id)
            await ctx.outbox.add(
                s, [PipelineRunStarted(run_id=run_id, pipeline=PIPELINE, status="running")], str(run_id)
            )
        status, error = "completed", None
        counts: dict[str, int] = {}
        extra: dict[str, Any] = {}
        try:
            if cmd.mode == "mailmerge":
                counts, files = await run_mailmerge(cmd)
                if files:
                    extra = {"export_csv": files[0], "export_guide": files[1]}
            else:
                counts = await run_send(cmd)
        except RunRefused as exc:
            status, error = "failed", str(exc)
        except StoppedRun as stopped:
            status, error, counts = "cancelled", str(stopped), stopped.counts
        except Exception as exc:
            if not final:
                raise  # redelivered: whatever was claimed is reconciled by the next attempt
            log.exception("outreach run %s failed", run_id)
            status, error = "failed", f"{type(exc).__name__}: {exc}"
        run = await repo.update_run(session, run_id, counts=counts, status=status, error_message=error, **extra)
        done_cls = {"completed": PipelineRunCompleted, "cancelled": PipelineRunCancelled}.get(status, PipelineRunFailed)
        await ctx.outbox.add(
            session,
            [
                done_cls(
                    run_id=run_id,
                    pipeline=PIPELINE,
                    status=status,  # type: ignore[arg-type]
                    started_at=run.started_at,
                    finished_at=run.finished_at,
                    counts=counts,
                    error_message=error,
                )
            ],
            str(run_id),
        )

    # --- queries --------------------------------------------------------------------------------------

    async def runs_cancel(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = RunCancel.model_validate(params)
        async with session.begin():
            outcome, run = await request_cancel(
                session,
                JobRun,
                req.run_id,
                req.actor,
                new_row={"dry_run": False},
                not_stoppable=lambda r: "mailmerge" if r.mode == "mailmerge" else None,
            )
            if outcome == "finished":
                raise QueryError(409, f"the run has already finished ({run.status})")
            if outcome == "mailmerge":
                raise QueryError(409, "a mail merge is not stopped once it has started: it takes seconds")
            if outcome == "cancelled":
                # Not started yet: it never will (the command is dropped when it arrives).
                await ctx.outbox.add(
                    session,
                    [
                        PipelineRunCancelled(
                            run_id=run.run_id, pipeline=PIPELINE, status="cancelled", error_message=run.error_message
                        )
                    ],
                    str(run.run_id),
                )
            return run_view(run) | {"status": "cancelled" if outcome == "cancelled" else "cancelling"}

    async def events_list(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        q = EventQuery.model_validate(params)
        f = repo.EventFilter(**q.model_dump(exclude={"page", "page_size"}))
        rows, total = await repo.list_events(session, f, page=q.page, page_size=q.page_size)
        return {"items": [event_view(e) for e in rows], "total": total, "page": q.page, "page_size": q.page_size}

    async def stats(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        q = StatsQuery.model_validate(params)
        async with session.begin():
            await read_snapshot(session)
            figures = await repo.event_stats(session, DayWindow(q.days))
        limit = int(setting("daily_send_limit"))
        figures |= {"daily_limit": limit, "remaining_today": max(0, limit - figures["claimed_today"])}
        return figures

    async def suppress_and_announce(
        session: AsyncSession, emails: list[str], reason: str, actor: str | None
    ) -> list[str]:
        added = await repo.suppress(session, emails, reason, actor)
        now = datetime.now(UTC)
        await ctx.outbox.add(
            session,
            [ContactSuppressed(email=e, reason=reason, suppressed_by=actor, suppressed_at=now) for e in added],  # type: ignore[arg-type]
        )
        return added

    async def suppression_list(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        q = SuppressionQuery.model_validate(params)
        rows, total = await repo.list_suppression(session, search=q.search, page=q.page, page_size=q.page_size)
        return {"items": [suppression_view(r) for r in rows], "total": total, "page": q.page, "page_size": q.page_size}

    async def suppression_add(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = SuppressionAdd.model_validate(params)
        good: list[str] = []
        invalid: list[dict[str, Any]] = []
        for value in req.emails:
            address = normalize_email(value)
            if address is None:
                invalid.append({"value": value[:320], "error": "not an email address"})
            else:
                good.append(address)
        good = list(dict.fromkeys(good))
        async with session.begin():
            added = await suppress_and_announce(session, good, req.reason, req.actor)
        return {"added": len(added), "already": len(good) - len(added), "invalid": invalid}

    async def suppression_delete(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = SuppressionDelete.model_validate(params)
        async with session.begin():
            if not await repo.unsuppress(session, req.email.strip().lower()):
                raise QueryError(404, f"{req.email} is not on the suppression list")
        return {"deleted": True}

    async def suppression_import(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = SuppressionImport.model_validate(params)
        try:
            async with fetched_file(ctx.js, UPLOADS, req.object_name) as path:
                raw = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise QueryError(404, "the uploaded file is gone; upload it again") from exc
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        try:
            good, bad = read_suppression_csv(text)
        except csv.Error as exc:
            raise QueryError(422, f"the file is not a readable CSV: {exc}") from exc
        good = list(dict.fromkeys(good))
        added: list[str] = []
        async with session.begin():
            for start in range(0, len(good), 1000):
                added += await suppress_and_announce(session, good[start : start + 1000], "import", req.actor)
        return {"added": len(added), "already": len(good) - len(added), "invalid": bad[:MAX_LISTED_ERRORS]}

    def verify(token: str) -> str:
        try:
            return signer.verify(token)
        except BadToken as exc:
            raise QueryError(400, str(exc)) from exc

    async def unsubscribe_peek(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        return {"email": verify(TokenRequest.model_validate(params).token)}

    async def unsubscribe(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        email = verify(TokenRequest.model_validate(params).token)
        async with session.begin():
            added = await suppress_and_announce(session, [email], "unsubscribe", email)
        return {"email": email, "already": not added}

    # --- templates ------------------------------------------------------------------------------------

    def checked(subject: str, body: str) -> None:
        try:
            check_template(subject, body)
        except TemplateError as exc:
            raise QueryError(422, str(exc)) from exc

    async def templates_list(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        return {"items": [template_view(t) for t in await repo.list_templates(session)]}

    async def template_or_404(session: AsyncSession, template_id: uuid.UUID) -> Template:
        t = await session.get(Template, template_id)
        if t is None:
            raise QueryError(404, "template not found")
        return t

    async def templates_get(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        return template_view(await template_or_404(session, uuid_param(params, "template_id")))

    async def templates_create(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = TemplateCreate.model_validate(params)
        fields = req.template
        checked(fields.subject, fields.body)
        async with session.begin():
            if await repo.template_name_taken(session, fields.name):
                raise QueryError(409, f"a template named {fields.name!r} exists already")
            t = Template(template_id=uuid.uuid4(), **fields.model_dump())
            if t.is_default:
                await repo.clear_default(session)
            elif await repo.default_template(session) is None:
                t.is_default = True
            session.add(t)
            await session.flush()
            await session.refresh(t)
            return template_view(t)

    async def templates_update(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = TemplateUpdate.model_validate(params)
        changes = req.changes.model_dump(exclude_none=True)
        async with session.begin():
            t = await template_or_404(session, req.template_id)
            checked(changes.get("subject", t.subject), changes.get("body", t.body))
            if "name" in changes and await repo.template_name_taken(session, changes["name"], t.template_id):
                raise QueryError(409, f"a template named {changes['name']!r} exists already")
            if changes.get("is_default") is False and t.is_default:
                raise QueryError(409, "make another template the default instead")
            if changes.get("is_default"):
                await repo.clear_default(session, keep=t.template_id)
                await session.flush()
            for key, value in changes.items():
                setattr(t, key, value)
            t.updated_at = datetime.now(UTC)
            await session.flush()
            return template_view(t)

    async def templates_delete(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        template_id = uuid_param(params, "template_id")
        async with session.begin():
            t = await template_or_404(session, template_id)
            if t.is_default:
                raise QueryError(409, "the default template cannot be deleted; make another one the default first")
            await session.delete(t)
        return {"deleted": True}

    # --- exports --------------------------------------------------------------------------------------

    async def exports_get(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = ExportRequest.model_validate(params)
        run = await session.get(JobRun, req.run_id)
        if run is None:
            raise QueryError(404, "run not found")
        if run.mode != "mailmerge":
            raise QueryError(404, "the run is not a mail merge, so it has no export")
        if run.status != "completed":
            raise QueryError(404, f"the run is {run.status}; only a completed mail merge has an export")
        name = run.export_csv if req.file == "csv" else run.export_guide
        if name is None or await object_size(ctx.js, EXPORTS, name) is None:
            files = await write_mailmerge(req.run_id)
            if files is None:
                raise QueryError(404, "the mail merge exported no contacts, so it has no file")
            async with ctx.sessions() as s, s.begin():
                await repo.update_run(s, req.run_id, export_csv=files[0], export_guide=files[1])
            name = files[0] if req.file == "csv" else files[1]
        csv_file = req.file == "csv"
        return {
            "run_id": req.run_id,
            "file": req.file,
            "export_file": name,
            "filename": f"outreach-{req.run_id}-{'mailmerge.csv' if csv_file else 'mailmerge-guide.txt'}",
            "media_type": "text/csv; charset=utf-8" if csv_file else "text/plain; charset=utf-8",
        }

    scheduler = Scheduler(
        ctx.js,
        ctx.name,
        [
            ScheduledJob(
                "auto_send",
                Every(AUTO_SEND_EVERY),
                lambda slot: RunOutreach(
                    run_id=uuid.uuid5(SCHEDULE_NAMESPACE, slot_key("auto_send", slot)),
                    requested_by=AUTO_SEND,
                    mode="send",
                ),
                enabled=lambda: bool(setting("outreach_auto_send_enabled")),
            )
        ],
    )

    return Wiring(
        tasks=[scheduler.run],
        consumers={
            "outreach-contacts": on_contacts,
            "outreach-contact-validated": on_contact_validated,
            "outreach-lead-changes": on_lead_changes,
            "outreach-mailboxes": on_mailboxes,
            "outreach-run": on_run_command,
        },
        queries={
            "q.outreach.events.list": events_list,
            "q.outreach.stats": stats,
            "q.outreach.suppression.list": suppression_list,
            "q.outreach.suppression.add": suppression_add,
            "q.outreach.suppression.delete": suppression_delete,
            "q.outreach.suppression.import": suppression_import,
            "q.outreach.unsubscribe.peek": unsubscribe_peek,
            "q.outreach.unsubscribe": unsubscribe,
            "q.outreach.templates.list": templates_list,
            "q.outreach.templates.get": templates_get,
            "q.outreach.templates.create": templates_create,
            "q.outreach.templates.update": templates_update,
            "q.outreach.templates.delete": templates_delete,
            "q.outreach.exports.get": exports_get,
            "q.outreach.runs.cancel": runs_cancel,
            **run_queries("outreach", JobRun),
        },
    )
