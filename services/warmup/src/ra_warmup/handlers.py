"""Thin entry points of the warmup service: the gateway's mailbox queries, outreach's events, scheduled jobs."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from ra_contracts.envelope import Payload
from ra_contracts.events import (
    MailboxCreated,
    MailboxDeleted,
    MailboxPaused,
    MailboxReady,
    MailboxStatus,
    MailboxStatusChanged,
    MailboxUpdated,
    OutreachBounced,
    OutreachSent,
    ResetMailboxCounters,
)
from ra_contracts.mailboxes import MailboxSort
from ra_runtime.messaging import Inbound
from ra_runtime.provider_tests import provider_test_handler
from ra_runtime.queries import QueryError, uuid_param
from ra_runtime.scheduler import Daily, ScheduledJob, Scheduler
from ra_runtime.service import ServiceContext, Wiring
from sqlalchemy.ext.asyncio import AsyncSession

from ra_warmup import repository as repo
from ra_warmup.ai_providers import PROVIDER_CHECKS
from ra_warmup.connection import Endpoints, MailPolicy, fingerprint, run_connection_test
from ra_warmup.mailboxes import (
    CONNECTION_FIELDS,
    SENDING,
    MailboxChanges,
    MailboxInput,
    MoveRefused,
    check_move,
    planned_changes,
    state,
)
from ra_warmup.models import SenderMailbox

log = logging.getLogger(__name__)

#: Connection tests run at once by test_all (each holds a few sockets, no database connection).
TEST_CONCURRENCY = 8

VIEW_FIELDS = (
    "mailbox_id",
    "version",
    "email",
    "display_name",
    "provider",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "imap_host",
    "imap_port",
    "imap_security",
    "warmup_status",
    "is_active",
    "connection_status",
    "last_tested_at",
    "last_test_result",
    "daily_send_limit",
    "emails_sent_today",
    "total_emails_sent",
    "bounce_count",
    "reply_count",
    "complaint_count",
    "warmup_started_at",
    "warmup_days_completed",
    "warmup_emails_sent",
    "warmup_emails_received",
    "warmup_opens",
    "warmup_replies",
    "dns_score",
    "is_blacklisted",
    "paused_reason",
    "created_at",
    "updated_at",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def view(mailbox: SenderMailbox, today: date | None = None) -> dict[str, Any]:
    """MailboxView: every field but the password (only whether there is one)."""
    out = {key: getattr(mailbox, key) for key in VIEW_FIELDS}
    out["has_password"] = bool(mailbox.password_encrypted)
    # Until the midnight reset has run, yesterday's count is not today's.
    if mailbox.counters_day != (today or utcnow().date()):
        out["emails_sent_today"] = 0
    return out


class ListQuery(BaseModel):
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(25, ge=1, le=100)
    search: str | None = Field(None, max_length=200)
    warmup_status: MailboxStatus | None = None
    connection_status: Literal["untested", "ok", "failed"] | None = None
    provider: str | None = Field(None, max_length=50)
    is_active: bool | None = None
    sort: MailboxSort = "created_at"
    order: Literal["asc", "desc"] = "desc"


class CreateRequest(BaseModel):
    mailbox: MailboxInput
    actor: str | None = None


class UpdateRequest(BaseModel):
    mailbox_id: uuid.UUID
    changes: MailboxChanges
    actor: str | None = None


class StatusRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    mailbox_id: uuid.UUID
    status: str = Field(max_length=32)
    actor: str | None = None
    reason: str | None = Field(None, max_length=500)


class BulkDeleteRequest(BaseModel):
    mailbox_ids: list[uuid.UUID] = Field(max_length=1000)
    actor: str | None = None


def move(mailbox: SenderMailbox, target: str, *, reason: str, actor: str | None, note: str | None) -> list[Payload]:
    """Put the mailbox in ``target`` (already allowed); returns the lifecycle events of the move."""
    now = utcnow()
    before = mailbox.warmup_status
    mailbox.warmup_status = target
    mailbox.status_changed_at = now
    events: list[Payload] = [
        MailboxStatusChanged(
            mailbox_id=mailbox.mailbox_id,
            email=mailbox.email,
            from_status=before,  # type: ignore[arg-type]
            to_status=target,  # type: ignore[arg-type]
            reason=reason,
            changed_by=actor,
        )
    ]
    if target == "PAUSED":
        mailbox.paused_reason = note or reason
        mailbox.paused_at = now
        events.append(MailboxPaused(mailbox_id=mailbox.mailbox_id, email=mailbox.email, reason=mailbox.paused_reason))
    elif target != "RECOVERING":
        mailbox.paused_reason = None
        mailbox.paused_at = None
    if target == "WARMING_UP" and (before == "INACTIVE" or mailbox.warmup_started_at is None):
        mailbox.warmup_started_at = now
        mailbox.warmup_days_completed = 0
    if target in SENDING:
        events.append(MailboxReady(mailbox_id=mailbox.mailbox_id, email=mailbox.email, status=target))  # type: ignore[arg-type]
    return events


async def build(ctx: ServiceContext) -> Wiring:
    cfg = ctx.config
    policy = MailPolicy(allow_private=cfg.allow_private_mail_hosts, ports=cfg.mail_ports, ca_file=cfg.mail_ca_file)

    def test_timeout() -> float:
        return float(ctx.settings.get("mailbox_connection_timeout_seconds"))

    async def publish_update(
        session: AsyncSession,
        mailbox: SenderMailbox,
        changed: list[str],
        actor: str | None,
        extra: list[Payload] | None = None,
    ) -> None:
        """Every change: version + 1 and ``mailbox.updated`` with the full state (plus the move's events), in
        the caller's transaction."""
        mailbox.version += 1
        mailbox.updated_at = utcnow()
        await session.flush()
        events: list[Payload] = [MailboxUpdated(mailbox=state(mailbox), changed=sorted(set(changed)), updated_by=actor)]
        await ctx.outbox.add(session, [*events, *(extra or [])], str(mailbox.mailbox_id))

    async def find(session: AsyncSession, mailbox_id: uuid.UUID, *, lock: bool = False) -> SenderMailbox:
        mailbox = await repo.get(session, mailbox_id, lock=lock)
        if mailbox is None:
            raise QueryError(404, "mailbox not found")
        return mailbox

    # --- queries --------------------------------------------------------------------------------

    async def list_mailboxes(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        q = ListQuery.model_validate(params)
        rows, total = await repo.list_mailboxes(
            session,
            search=(q.search or "").strip() or None,
            warmup_status=q.warmup_status,
            connection_status=q.connection_status,
            provider=q.provider,
            is_active=q.is_active,
            sort=q.sort,
            descending=q.order == "desc",
            page=q.page,
            page_size=q.page_size,
        )
        today = utcnow().date()
        return {"items": [view(r, today) for r in rows], "total": total, "page": q.page, "page_size": q.page_size}

    async def get_mailbox(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        return view(await find(session, uuid_param(params, "mailbox_id")))

    async def create_mailbox(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = CreateRequest.model_validate(params)
        data = req.mailbox
        now = utcnow()
        async with session.begin():
            if await repo.email_taken(session, data.email):
                raise QueryError(409, f"a mailbox with the address {data.email} already exists")
            mailbox = SenderMailbox(
                mailbox_id=uuid.uuid4(),
                version=1,
                password_encrypted=ctx.secrets.encrypt(data.password),
                warmup_status="INACTIVE",
                connection_status="untested",
                emails_sent_today=0,
                total_emails_sent=0,
                bounce_count=0,
                reply_count=0,
                complaint_count=0,
                warmup_days_completed=0,
                warmup_emails_sent=0,
                warmup_emails_received=0,
                warmup_opens=0,
                warmup_replies=0,
                is_blacklisted=False,
                created_at=now,
                updated_at=now,
                **data.model_dump(exclude={"password"}),
            )
            session.add(mailbox)
            await session.flush()
            await ctx.outbox.add(
                session, [MailboxCreated(mailbox=state(mailbox), created_by=req.actor)], str(mailbox.mailbox_id)
            )
        log.info("mailbox %s created", mailbox.mailbox_id)
        return view(mailbox)

    async def update_mailbox(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = UpdateRequest.model_validate(params)
        async with session.begin():
            mailbox = await find(session, req.mailbox_id, lock=True)
            try:
                changes = planned_changes(mailbox, req.changes)
            except ValueError as exc:
                raise QueryError(422, str(exc)) from exc
            if not changes:
                return view(mailbox)
            if "email" in changes and await repo.email_taken(session, changes["email"], other_than=mailbox.mailbox_id):
                raise QueryError(409, f"a mailbox with the address {changes['email']} already exists")
            password = changes.pop("password", None)
            if password is not None:
                mailbox.password_encrypted = ctx.secrets.encrypt(password)
            for key, value in changes.items():
                setattr(mailbox, key, value)
            changed = [*changes, *(["password"] if password is not None else [])]
            if CONNECTION_FIELDS.intersection(changed) or ("email" in changes and not mailbox.smtp_username):
                # The last test says nothing about the new settings.
                mailbox.connection_status = "untested"
                changed.append("connection_status")
            await publish_update(session, mailbox, changed, req.actor)
        return view(mailbox)

    async def set_status(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = StatusRequest.model_validate(params)
        target = req.status.upper()
        async with session.begin():
            mailbox = await find(session, req.mailbox_id, lock=True)
            if mailbox.warmup_status == target:
                return view(mailbox)
            try:
                check_move(mailbox.warmup_status, target, mailbox.connection_status)
            except MoveRefused as exc:
                raise QueryError(409, str(exc)) from exc
            events = move(mailbox, target, reason="manual", actor=req.actor, note=req.reason)
            await publish_update(session, mailbox, ["warmup_status"], req.actor, events)
        return view(mailbox)

    async def delete_mailbox(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        mailbox_id = uuid_param(params, "mailbox_id")
        actor = params.get("actor")
        async with session.begin():
            gone = await repo.delete(session, [mailbox_id])
            if not gone:
                raise QueryError(404, "mailbox not found")
            await ctx.outbox.add(
                session,
                [MailboxDeleted(mailbox_id=i, email=e, deleted_by=actor) for i, e in gone],
                str(mailbox_id),
            )
        return {"deleted": True}

    async def bulk_delete(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        req = BulkDeleteRequest.model_validate(params)
        wanted = list(dict.fromkeys(req.mailbox_ids))
        async with session.begin():
            gone = await repo.delete(session, wanted)
            await ctx.outbox.add(
                session, [MailboxDeleted(mailbox_id=i, email=e, deleted_by=req.actor) for i, e in gone]
            )
        found = {i for i, _ in gone}
        return {"deleted": len(gone), "not_found": [str(i) for i in wanted if i not in found]}

    async def mailbox_stats(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        return await repo.stats(session, utcnow().date())

    async def credentials(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        """For outreach's SMTP sessions: the login with the password still encrypted (same RA_SECRET_KEY)."""
        mailbox = await find(session, uuid_param(params, "mailbox_id"))
        return {
            "mailbox_id": mailbox.mailbox_id,
            "email": mailbox.email,
            "smtp_host": mailbox.smtp_host,
            "smtp_port": mailbox.smtp_port,
            "smtp_security": mailbox.smtp_security,
            "smtp_username": mailbox.smtp_username or mailbox.email,
            "password_encrypted": mailbox.password_encrypted,
        }

    async def test_and_record(target: Endpoints, token: str, actor: str | None) -> dict[str, Any]:
        try:
            password = ctx.secrets.decrypt(token)
        except ValueError:
            undecryptable = {
                "ok": False,
                "kind": "auth",
                "stage": "login",
                "message": "the stored password cannot be decrypted with the configured RA_SECRET_KEY: enter it again",
                "elapsed_ms": 0,
            }
            smtp, imap = undecryptable, None
        else:
            smtp, imap = await run_connection_test(target, password, timeout=test_timeout(), policy=policy)
        ok = bool(smtp["ok"]) and (imap is None or bool(imap["ok"]))
        tested_at = utcnow()
        result: dict[str, Any] = {
            "mailbox_id": str(target.mailbox_id),
            "email": target.email,
            "ok": ok,
            "tested_at": tested_at.isoformat(),
            "smtp": smtp,
            "imap": imap,
        }
        async with ctx.sessions() as s, s.begin():
            mailbox = await repo.get(s, target.mailbox_id, lock=True)
            if mailbox is None:
                raise QueryError(404, "the mailbox was deleted while it was being tested")
            if fingerprint(mailbox) != target.fingerprint:
                # Changed while the servers were talking: this result says nothing about the new settings.
                return {**result, "mailbox": view(mailbox)}
            mailbox.last_tested_at = tested_at
            mailbox.last_test_result = result
            changed = ["last_tested_at", "last_test_result"]
            status = "ok" if ok else "failed"
            if mailbox.connection_status != status:
                mailbox.connection_status = status
                changed.append("connection_status")
            events: list[Payload] = []
            if ok and mailbox.warmup_status == "INACTIVE":
                # SOP §6.1: a successful test starts the warmup.
                events = move(mailbox, "WARMING_UP", reason="connection_test", actor=actor, note=None)
                changed.append("warmup_status")
            await publish_update(s, mailbox, changed, actor, events)
        return {**result, "mailbox": view(mailbox)}

    async def snapshot(mailbox_id: uuid.UUID) -> tuple[Endpoints, str] | None:
        async with ctx.sessions() as s:
            mailbox = await repo.get(s, mailbox_id)
            return (Endpoints.of(mailbox), mailbox.password_encrypted) if mailbox else None

    async def test_mailbox(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        mailbox = await find(session, uuid_param(params, "mailbox_id"))
        target, token = Endpoints.of(mailbox), mailbox.password_encrypted
        await session.rollback()  # no transaction held open while the mail servers answer
        return await test_and_record(target, token, params.get("actor"))

    async def test_all(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        actor = params.get("actor")
        ids = await repo.all_mailbox_ids(session)
        await session.rollback()
        gate = asyncio.Semaphore(TEST_CONCURRENCY)

        async def one(mailbox_id: uuid.UUID) -> dict[str, Any] | None:
            async with gate:
                found = await snapshot(mailbox_id)
                if found is None:
                    return None  # deleted meanwhile
                try:
                    return await test_and_record(*found, actor)
                except QueryError:
                    return None

        results = [r for r in await asyncio.gather(*(one(i) for i in ids)) if r is not None]
        passed = sum(1 for r in results if r["ok"])
        return {"results": results, "ok": passed, "failed": len(results) - passed}

    # --- events and jobs ------------------------------------------------------------------------

    async def on_outreach(session: AsyncSession, batch: list[Inbound]) -> None:
        for item in batch:
            event = item.payload
            if isinstance(event, OutreachSent):
                if event.channel == "smtp" and event.mailbox_id is not None:
                    await repo.count_sent(session, event.mailbox_id, event.sent_at.astimezone(UTC).date())
            elif isinstance(event, OutreachBounced):
                await repo.count_bounce(session, event.mailbox_id)

    async def on_job(session: AsyncSession, batch: list[Inbound]) -> None:
        for item in batch:
            command = item.payload
            if isinstance(command, ResetMailboxCounters):
                n = await repo.reset_daily_counters(session, date.fromisoformat(command.day))
                log.info("daily counters reset for %s: %d mailboxes", command.day, n)

    scheduler = Scheduler(
        ctx.js,
        ctx.name,
        [
            ScheduledJob(
                "reset_daily_counters",
                Daily(0, 0),
                lambda slot: ResetMailboxCounters(day=slot.date().isoformat()),
            )
        ],
    )

    return Wiring(
        consumers={"warmup-outreach": on_outreach, "warmup-jobs": on_job},
        queries={
            "q.warmup.mailboxes.list": list_mailboxes,
            "q.warmup.mailboxes.get": get_mailbox,
            "q.warmup.mailboxes.create": create_mailbox,
            "q.warmup.mailboxes.update": update_mailbox,
            "q.warmup.mailboxes.status": set_status,
            "q.warmup.mailboxes.delete": delete_mailbox,
            "q.warmup.mailboxes.bulk_delete": bulk_delete,
            "q.warmup.mailboxes.stats": mailbox_stats,
            "q.warmup.mailboxes.test": test_mailbox,
            "q.warmup.mailboxes.test_all": test_all,
            "q.warmup.mailboxes.credentials": credentials,
            "q.warmup.providers.test": provider_test_handler("warmup", ctx.settings.get, PROVIDER_CHECKS),
        },
        tasks=[scheduler.run],
    )
