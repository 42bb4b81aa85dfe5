"""Direct sending (SOP §5.2): claims that never send twice, SMTP sessions reused per mailbox, the pacer,
and the reconciliation of what a dead process left behind.

The rule that makes a second send impossible: a message is *claimed* in the database (recipients row +
``claimed`` event, one transaction) before anything is sent; it is marked ``sending`` (committed) right
before its SMTP conversation, and ``sent``/``failed``/``deferred`` afterwards. Send runs are serialized
across replicas by a Postgres session advisory lock that dies with its process; whoever takes the lock
first reconciles: ``claimed`` rows are sent (nothing went out yet), ``sending`` rows become ``uncertain``
and are never sent again (SMTP has no idempotency: the server may have accepted the message).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from aiosmtplib import (
    SMTP,
    SMTPDataError,
    SMTPRecipientRefused,
    SMTPResponseException,
    SMTPSenderRefused,
    SMTPServerDisconnected,
    SMTPTimeoutError,
)
from ra_contracts.envelope import Payload
from ra_contracts.events import ContactSuppressed, OutreachBounced, OutreachSent, OutreachSkipped
from ra_runtime.faults import crash_point
from ra_runtime.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from ra_outreach import repository as repo
from ra_outreach.eligibility import Candidate, assign_mailboxes, judge, usable
from ra_outreach.messages import Sender, build_message, message_id
from ra_outreach.models import Mailbox
from ra_outreach.repository import SendJob
from ra_outreach.unsubscribe import UnsubscribeSigner, unsubscribe_url

log = logging.getLogger(__name__)

#: Session advisory lock serializing runs that claim recipients (send and mail merge), across replicas.
RUN_LOCK_KEY = 0x6F757472  # "outr"
#: Contacts claimed per transaction.
CLAIM_CHUNK = 500
#: How long a run trusts its copy of a mailbox: a mailbox paused (or deleted) mid-run stops sending within
#: this time; its remaining messages are deferred to a later run.
MAILBOX_FRESH_SECONDS = 2.0
#: How often a send run asks whether it was cancelled.
CANCEL_CHECK_SECONDS = 1.0
#: A deferred (4xx) message is tried at most this many times, then recorded as failed.
MAX_ATTEMPTS = 5
#: Messages marked ``sending`` together by an unpaced lane: fewer commits, at the price of up to this many
#: messages in doubt per mailbox if the process dies (a paced run marks one at a time).
UNPACED_GROUP = 20
#: Seconds between progress reports of a long run.
PROGRESS_EVERY = 1.0


class RunRefused(Exception):
    """The run cannot start (a missing setting, no template): it fails with this message."""


class RunCancelled(Exception):
    """A person cancelled the run: it stops before its next message."""


class MailboxUnavailable(Exception):
    """A mailbox's SMTP session could not be had (credentials, connection, login)."""


@dataclass(frozen=True)
class SendSettings:
    daily_limit: int
    cooldown: timedelta
    max_per_lead: int
    #: seconds between two sends, across all mailboxes (60 / rate_limit_per_minute; 0 = no pacing)
    interval: float
    retry_after: timedelta
    postal_address: str
    public_base_url: str


@dataclass(frozen=True)
class TemplateText:
    template_id: uuid.UUID | None
    subject: str
    body: str


@contextlib.asynccontextmanager
async def run_lock(engine: AsyncEngine, poll: float = 0.2) -> AsyncIterator[None]:
    """Hold the run lock for the block: a session advisory lock on a connection kept for the purpose, so a
    process that dies releases it with its connection."""
    async with engine.connect() as conn:
        while True:
            got = (await conn.execute(sa.select(sa.func.pg_try_advisory_lock(RUN_LOCK_KEY)))).scalar_one()
            await conn.commit()
            if got:
                break
            await asyncio.sleep(poll)
        try:
            yield
        finally:
            try:
                await conn.execute(sa.select(sa.func.pg_advisory_unlock(RUN_LOCK_KEY)))
                await conn.commit()
            except Exception:
                # The connection must not go back to the pool still holding the lock.
                await conn.invalidate()


class Pacer:
    """One send at a time per ``interval`` seconds, shared by every mailbox (the SOP's delay = 60 / rate)."""

    def __init__(
        self,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.interval = max(0.0, interval)
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")

    async def wait(self) -> None:
        if self.interval <= 0:
            return
        now = self._clock()
        at = max(now, self._next)
        self._next = at + self.interval
        if at > now:
            await self._sleep(at - now)
        # A sleep that overran moves the next slot too: the gap between two sends never shrinks to catch up.
        self._next = max(self._next, self._clock() + self.interval)


# --- one SMTP transaction ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: Literal["sent", "failed", "deferred", "uncertain"]
    code: int | None = None
    reply: str | None = None
    #: the recipient was refused for good (5xx to RCPT): the address goes on the suppression list
    bounce: bool = False
    #: the mailbox itself failed (no session, sender refused): its other messages wait too
    mailbox_problem: bool = False


class ConnectionLost(Exception):
    """The session broke before the message was handed over: safe to try again on a new session."""


async def _rset(smtp: SMTP) -> None:
    with contextlib.suppress(Exception):
        await smtp.rset()


async def deliver(smtp: SMTP, sender: str, recipient: str, data: bytes) -> Outcome:
    """One SMTP transaction: MAIL, RCPT, DATA. A failure before DATA means nothing was sent
    (:class:`ConnectionLost` when the session broke); a session lost during DATA is ``uncertain``."""
    try:
        await smtp.mail(sender)
    except SMTPSenderRefused as exc:
        await _rset(smtp)
        return Outcome("deferred", exc.code, f"sender refused: {exc.message}", mailbox_problem=True)
    except (SMTPServerDisconnected, SMTPTimeoutError, OSError) as exc:
        raise ConnectionLost(str(exc)) from exc
    try:
        await smtp.rcpt(recipient)
    except SMTPRecipientRefused as exc:
        await _rset(smtp)
        if exc.code >= 500:
            return Outcome("failed", exc.code, exc.message, bounce=True)
        return Outcome("deferred", exc.code, exc.message)
    except (SMTPServerDisconnected, SMTPTimeoutError, OSError) as exc:
        raise ConnectionLost(str(exc)) from exc
    try:
        response = await smtp.data(data)
    except SMTPDataError as exc:
        await _rset(smtp)
        return Outcome("failed" if exc.code >= 500 else "deferred", exc.code, exc.message)
    except SMTPResponseException as exc:  # pragma: no cover - other replies to DATA
        await _rset(smtp)
        return Outcome("failed" if exc.code >= 500 else "deferred", exc.code, exc.message)
    except (SMTPServerDisconnected, SMTPTimeoutError, OSError) as exc:
        return Outcome("uncertain", None, f"the connection ended while the message was being handed over: {exc}")
    return Outcome("sent", response.code, response.message)


class MailboxSessions:
    """One logged-in SMTP session per mailbox, opened on first use and reused for every message."""

    def __init__(self, open_session: Callable[[uuid.UUID], Awaitable[SMTP]]) -> None:
        self._open = open_session
        self._sessions: dict[uuid.UUID, SMTP] = {}
        self._broken: dict[uuid.UUID, str] = {}

    def broken(self, mailbox_id: uuid.UUID) -> str | None:
        return self._broken.get(mailbox_id)

    def mark_broken(self, mailbox_id: uuid.UUID, reason: str) -> None:
        self._broken[mailbox_id] = reason

    async def get(self, mailbox_id: uuid.UUID) -> SMTP:
        if mailbox_id in self._broken:
            raise MailboxUnavailable(self._broken[mailbox_id])
        smtp = self._sessions.get(mailbox_id)
        if smtp is not None and smtp.is_connected:
            return smtp
        try:
            smtp = await self._open(mailbox_id)
        except MailboxUnavailable as exc:
            self._broken[mailbox_id] = str(exc)
            raise
        self._sessions[mailbox_id] = smtp
        return smtp

    async def drop(self, mailbox_id: uuid.UUID) -> None:
        smtp = self._sessions.pop(mailbox_id, None)
        if smtp is not None:
            smtp.close()

    async def close_all(self) -> None:
        sessions, self._sessions = self._sessions, {}
        for smtp in sessions.values():
            try:
                await asyncio.wait_for(smtp.quit(), 5)
            except Exception:
                smtp.close()


# --- the run ------------------------------------------------------------------------------------------


@dataclass
class SendTally:
    """What a run did, for its counts."""

    eligible: int = 0
    would_send: int = 0
    claimed: int = 0
    recovered: int = 0
    retried: int = 0
    reconciled_uncertain: int = 0
    #: claimed messages given back when the run was cancelled
    cancelled: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    def counts(self, dry_run: bool = False) -> dict[str, int]:
        out = {"eligible": self.eligible}
        if dry_run:
            out["would_send"] = self.would_send
        else:
            out |= {
                "claimed": self.claimed,
                "recovered": self.recovered,
                "retried": self.retried,
                "reconciled_uncertain": self.reconciled_uncertain,
                "cancelled": self.cancelled,
                **{k: self.outcomes[k] for k in ("sent", "failed", "deferred", "uncertain")},
            }
        out |= {f"skipped_{reason}": n for reason, n in sorted(self.skipped.items())}
        out["skipped"] = sum(self.skipped.values())
        return out


@dataclass
class SendDeps:
    sessions: async_sessionmaker[AsyncSession]
    engine: AsyncEngine
    outbox: Outbox
    signer: UnsubscribeSigner
    #: a logged-in SMTP session of a mailbox (raises MailboxUnavailable)
    open_session: Callable[[uuid.UUID], Awaitable[SMTP]]
    #: the template of a message claimed earlier (None: the run's)
    load_template: Callable[[uuid.UUID | None], Awaitable[TemplateText | None]]
    #: reports progress (counts so far)
    progress: Callable[[], Awaitable[None]] | None = None
    #: whether a person asked the run to stop (asked at most every CANCEL_CHECK_SECONDS)
    cancel_requested: Callable[[], Awaitable[bool]] | None = None


class SendRun:
    def __init__(
        self, deps: SendDeps, settings: SendSettings, run_id: uuid.UUID, template: TemplateText, tally: SendTally
    ) -> None:
        self.deps = deps
        self.settings = settings
        self.run_id = run_id
        self.template = template
        self.tally = tally
        self.pacer = Pacer(settings.interval)
        self.smtp = MailboxSessions(deps.open_session)
        #: each mailbox as last read, and when (re-read every MAILBOX_FRESH_SECONDS: a pause applies mid-run)
        self._mailboxes: dict[uuid.UUID, tuple[float, Mailbox | None]] = {}
        self._templates: dict[uuid.UUID | None, TemplateText] = {template.template_id: template}
        self._last_progress = time.monotonic()
        self._last_cancel_check = float("-inf")
        self._cancelled = False
        self.released = 0

    # -- dry run ---------------------------------------------------------------------------------------

    async def dry_run(self, limit: int | None) -> None:
        """Eligibility and mailbox assignment as a real run would do them; nothing claimed, nothing sent."""
        async with self.deps.sessions() as s:
            candidates = await repo.candidates(s, cooldown=self.settings.cooldown)
            rooms, used = await repo.mailbox_rooms(s, lock=False)
        verdicts = judge(
            candidates, now=datetime.now(UTC), cooldown=self.settings.cooldown, max_per_lead=self.settings.max_per_lead
        )
        eligible = verdicts.eligible[: limit or None]
        self.tally.eligible = len(verdicts.eligible)
        self.tally.skipped.update(verdicts.skip_counts())
        assigned, short = assign_mailboxes(
            len(eligible), rooms, global_limit=self.settings.daily_limit, global_used=used
        )
        self.tally.would_send = len(assigned)
        if short:
            self.tally.skipped[short] += len(eligible) - len(assigned)

    # -- the real run ----------------------------------------------------------------------------------

    async def run(self, limit: int | None) -> None:
        budget = limit if limit is not None else 10**9
        try:
            async with run_lock(self.deps.engine):
                try:
                    await self.check_cancel(force=True)
                    budget -= await self._reconcile(budget)
                    if budget > 0:
                        budget -= await self._retry_deferred(budget)
                    if budget > 0:
                        await self._reach_new(budget)
                except RunCancelled:
                    # Still under the lock: what this run claimed and did not send is given back.
                    async with self.deps.sessions() as s, s.begin():
                        self.released = await repo.release_claims(s, self.run_id)
                    self.tally.cancelled = self.released
                    raise
        finally:
            await self.smtp.close_all()

    async def check_cancel(self, force: bool = False) -> None:
        """Raise :class:`RunCancelled` when a person asked the run to stop (the database is asked at most
        every CANCEL_CHECK_SECONDS)."""
        ask = self.deps.cancel_requested
        if self._cancelled:
            raise RunCancelled()
        if ask is None or (not force and time.monotonic() - self._last_cancel_check < CANCEL_CHECK_SECONDS):
            return
        self._last_cancel_check = time.monotonic()
        if await ask():
            self._cancelled = True  # every lane stops at its next group
            raise RunCancelled()

    async def _reconcile(self, budget: int) -> int:
        async with self.deps.sessions() as s, s.begin():
            uncertain = await repo.mark_uncertain(s)
        if uncertain:
            log.warning(
                "%d message(s) were being sent when a process stopped; marked uncertain (not re-sent): %s",
                len(uncertain),
                ", ".join(e.message_id or str(e.event_id) for e in uncertain[:20]),
            )
        self.tally.reconciled_uncertain = len(uncertain)
        async with self.deps.sessions() as s:
            leftovers = (await repo.leftover_claims(s))[:budget]
        self.tally.recovered = len(leftovers)
        await self.send(leftovers)
        return len(leftovers)

    async def _retry_deferred(self, budget: int) -> int:
        """Deferred (4xx) messages whose wait is over, claimed again on a mailbox with room today."""
        async with self.deps.sessions() as s, s.begin():
            rooms, used = await repo.mailbox_rooms(s, lock=True)
            due = await repo.due_deferred(s, budget)
            if not due:
                return 0
            assigned, _ = assign_mailboxes(len(due), rooms, global_limit=self.settings.daily_limit, global_used=used)
            jobs: list[SendJob] = []
            updates = []
            for row, box in zip(due, assigned, strict=False):
                mid = message_id(row.event_id, box.email)
                updates.append((row.event_id, box.mailbox_id, mid))
                jobs.append(
                    SendJob(
                        event_id=row.event_id,
                        run_id=self.run_id,
                        contact_id=row.contact_id,
                        lead_id=row.lead_id,
                        email=row.email,
                        mailbox_id=box.mailbox_id,
                        message_id=mid,
                        template_id=row.template_id,
                        fields=dict(row.fields or {}),
                        attempts=int(row.attempts),
                    )
                )
            await repo.reclaim(s, updates, self.run_id)
            await repo.add_usage(s, Counter(box.mailbox_id for box in assigned[: len(jobs)]))
        self.tally.retried = len(jobs)
        await self.send(jobs)
        return len(jobs)

    async def _reach_new(self, budget: int) -> None:
        async with self.deps.sessions() as s:
            candidates = await repo.candidates(s, cooldown=self.settings.cooldown)
        verdicts = judge(
            candidates, now=datetime.now(UTC), cooldown=self.settings.cooldown, max_per_lead=self.settings.max_per_lead
        )
        self.tally.eligible = len(verdicts.eligible)
        skipped: list[tuple[Candidate, str]] = list(verdicts.skipped)
        eligible = verdicts.eligible[:budget]
        for start in range(0, len(eligible), CLAIM_CHUNK):
            chunk = eligible[start : start + CLAIM_CHUNK]
            jobs, short, raced = await self._claim(chunk)
            skipped += [(c, "cooldown") for c in raced]
            crash_point("after-claim", "outreach")
            await self.send(jobs)
            if short is not None:
                skipped += [(c, short) for c in eligible[start + len(jobs) + len(raced) :]]
                break
        self.tally.skipped.update(reason for _, reason in skipped)
        await self._record_skips(skipped)

    async def _claim(self, chunk: Sequence[Candidate]) -> tuple[list[SendJob], str | None, list[Candidate]]:
        """Claim a chunk: mailboxes assigned least-loaded first under the daily limits (usage rows locked),
        recipients taken atomically, ``claimed`` events written — one transaction."""
        async with self.deps.sessions() as s, s.begin():
            rooms, used = await repo.mailbox_rooms(s, lock=True)
            assigned, short = assign_mailboxes(
                len(chunk), rooms, global_limit=self.settings.daily_limit, global_used=used
            )
            take = list(zip(chunk[: len(assigned)], assigned, strict=True))
            ids = {c.contact_id: uuid.uuid4() for c, _ in take}
            got = await repo.claim_recipients(
                s, [(c.email.lower(), ids[c.contact_id]) for c, _ in take], cooldown=self.settings.cooldown
            )
            won = [(c, box) for c, box in take if c.email.lower() in got]
            raced = [c for c, _ in take if c.email.lower() not in got]
            fields = await repo.merge_fields(s, [c.contact_id for c, _ in won])
            jobs = [
                SendJob(
                    event_id=ids[c.contact_id],
                    run_id=self.run_id,
                    contact_id=c.contact_id,
                    lead_id=c.lead_id,
                    email=c.email.lower(),
                    mailbox_id=box.mailbox_id,
                    message_id=message_id(ids[c.contact_id], box.email),
                    template_id=self.template.template_id,
                    fields=fields.get(c.contact_id, {}),
                    attempts=0,
                )
                for c, box in won
            ]
            await repo.insert_events(
                s,
                [
                    {
                        "event_id": j.event_id,
                        "run_id": self.run_id,
                        "contact_id": j.contact_id,
                        "lead_id": j.lead_id,
                        "email": j.email,
                        "channel": "smtp",
                        "status": "claimed",
                        "mailbox_id": j.mailbox_id,
                        "message_id": j.message_id,
                        "template_id": j.template_id,
                        "fields": j.fields,
                        "attempts": 0,
                    }
                    for j in jobs
                ],
            )
            await repo.add_usage(s, Counter(box.mailbox_id for _, box in won))
        self.tally.claimed += len(jobs)
        return jobs, short, raced

    async def _record_skips(self, skipped: Sequence[tuple[Candidate, str]]) -> None:
        async with self.deps.sessions() as s, s.begin():
            fresh = await repo.record_skips(s, skipped, run_id=self.run_id, channel="smtp")
            await self.deps.outbox.add(
                s,
                [
                    OutreachSkipped(
                        contact_id=c.contact_id, lead_id=c.lead_id, email=c.email, reason=r, run_id=self.run_id
                    )
                    for c, r in fresh
                ],
                correlation_id=str(self.run_id),
            )

    # -- sending ---------------------------------------------------------------------------------------

    async def send(self, jobs: Sequence[SendJob]) -> None:
        if not jobs:
            return
        if self.pacer.interval > 0:
            # Paced: one message at a time across every mailbox (a process has at most one in flight).
            lane = Lane(self, pacer=self.pacer)
            try:
                for job in jobs:
                    await lane.send([job])
            finally:
                await lane.flush()
            return
        # Unpaced (no rate limit): each mailbox's session works through its own messages, all mailboxes at
        # once, a group at a time.
        per_mailbox: dict[uuid.UUID, list[SendJob]] = defaultdict(list)
        for job in jobs:
            per_mailbox[job.mailbox_id].append(job)

        async def drive(mailbox_jobs: list[SendJob]) -> None:
            lane = Lane(self)
            try:
                for start in range(0, len(mailbox_jobs), UNPACED_GROUP):
                    await lane.send(mailbox_jobs[start : start + UNPACED_GROUP])
            finally:
                await lane.flush()

        # Every lane finishes the group in hand before the first error (a cancellation) goes up: no SMTP
        # conversation is cut off halfway.
        outcomes = await asyncio.gather(*(drive(js) for js in per_mailbox.values()), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def mailbox(self, mailbox_id: uuid.UUID) -> Mailbox | None:
        known = self._mailboxes.get(mailbox_id)
        if known is None or time.monotonic() - known[0] > MAILBOX_FRESH_SECONDS:
            async with self.deps.sessions() as s:
                known = (time.monotonic(), await repo.get_mailbox(s, mailbox_id))
            self._mailboxes[mailbox_id] = known
        return known[1]

    async def template_of(self, template_id: uuid.UUID | None) -> TemplateText:
        if template_id not in self._templates:
            found = await self.deps.load_template(template_id)
            self._templates[template_id] = found or self.template
        return self._templates[template_id]

    async def maybe_progress(self) -> None:
        if self.deps.progress and time.monotonic() - self._last_progress >= PROGRESS_EVERY:
            self._last_progress = time.monotonic()
            with contextlib.suppress(Exception):
                await self.deps.progress()


class Lane:
    """Sends messages one group after another and records them. A group's ``sending`` marks commit in the
    same transaction as the outcomes of the group before it, so a group costs one commit before its SMTP
    conversations, and at most one group of a lane is ever in doubt (paced runs send groups of one)."""

    def __init__(self, run: SendRun, pacer: Pacer | None = None) -> None:
        self.run = run
        #: paced lanes wait for their slot right before the SMTP conversation (after the database work), so
        #: the gaps the recipients' servers see are the configured ones
        self.pacer = pacer
        self.pending: list[tuple[SendJob, Outcome]] = []

    async def prepare(self, job: SendJob) -> tuple[SendJob, str, bytes] | None:
        """The message's bytes (and its sender), or None with a deferral recorded when its mailbox cannot
        send; the mailbox's session is opened here, before anything is marked ``sending``."""
        run = self.run
        box = await run.mailbox(job.mailbox_id)
        problem = _mailbox_problem(box) or run.smtp.broken(job.mailbox_id)
        if problem is None:
            try:
                await run.smtp.get(job.mailbox_id)
            except MailboxUnavailable as exc:
                problem = str(exc)
        if problem is not None or box is None:
            self.pending.append(
                (job, Outcome("deferred", None, f"mailbox unavailable: {problem}", mailbox_problem=True))
            )
            return None
        template = await run.template_of(job.template_id)
        sender = Sender(box.email, box.display_name)
        link = unsubscribe_url(run.settings.public_base_url, run.deps.signer.sign(job.email))
        msg = build_message(
            sender=sender,
            recipient=job.email,
            fields=job.fields,
            subject_template=template.subject,
            body_template=template.body,
            msg_id=job.message_id,
            postal_address=run.settings.postal_address,
            unsubscribe=link,
        )
        return job, sender.email, msg

    async def send(self, jobs: Sequence[SendJob]) -> None:
        await self.run.check_cancel()  # before anything of the group is marked ``sending``
        ready = [p for p in [await self.prepare(job) for job in jobs] if p is not None]
        marked = await self.commit([job.event_id for job, _, _ in ready])
        for job, sender, data in ready:
            if job.event_id in marked:
                if self.pacer is not None:
                    await self.pacer.wait()
                self.pending.append((job, await self.deliver(job, sender, data)))

    async def deliver(self, job: SendJob, sender: str, data: bytes) -> Outcome:
        run = self.run
        broken = run.smtp.broken(job.mailbox_id)
        if broken is not None:  # an earlier message of the group found the mailbox refusing to send
            return Outcome("deferred", None, f"mailbox unavailable: {broken}", mailbox_problem=True)
        try:
            outcome = await deliver(await run.smtp.get(job.mailbox_id), sender, job.email, data)
        except (ConnectionLost, MailboxUnavailable):
            # Nothing was handed over: a fresh session gets one more try.
            await run.smtp.drop(job.mailbox_id)
            try:
                outcome = await deliver(await run.smtp.get(job.mailbox_id), sender, job.email, data)
            except (ConnectionLost, MailboxUnavailable) as exc:
                outcome = Outcome("deferred", None, f"connection lost before the message was sent: {exc}")
        if outcome.status == "sent":
            crash_point("after-data", "outreach")
        elif outcome.mailbox_problem:
            run.smtp.mark_broken(job.mailbox_id, outcome.reply or "mailbox refused to send")
        elif outcome.status == "uncertain":
            await run.smtp.drop(job.mailbox_id)
        return outcome

    async def flush(self) -> None:
        await self.commit([])

    async def commit(self, sending: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Record the outcomes so far and mark the next messages ``sending``, in one transaction; returns the
        messages marked (a message no longer ``claimed`` is not sent)."""
        run = self.run
        done, self.pending = self.pending, []
        if not done and not sending:
            return set()
        async with run.deps.engine.begin() as conn:
            await record_outcomes(conn, run.deps.outbox, done, run.settings.retry_after, run.run_id)
            marked = await repo.mark_sending(conn, sending)
        for job, outcome in done:
            run.tally.outcomes["failed" if _gave_up(job, outcome) else outcome.status] += 1
        if done:
            await run.maybe_progress()
        return marked


def _gave_up(job: SendJob, outcome: Outcome) -> bool:
    return outcome.status == "deferred" and not outcome.mailbox_problem and job.attempts + 1 >= MAX_ATTEMPTS


def _mailbox_problem(box: Mailbox | None) -> str | None:
    if box is None:
        return "the mailbox is not known (deleted?)"
    if not usable(
        warmup_status=box.warmup_status,
        is_active=box.is_active,
        connection_status=box.connection_status,
        is_blacklisted=box.is_blacklisted,
        deleted=box.deleted_at is not None,
    ):
        return f"{box.email} may not send now ({box.warmup_status}, connection {box.connection_status})"
    return None


async def record_outcomes(
    session: AsyncSession | AsyncConnection,
    outbox: Outbox,
    done: Sequence[tuple[SendJob, Outcome]],
    retry_after: timedelta,
    run_id: uuid.UUID,
) -> None:
    """The events' new statuses, with their bus events: ``outreach.sent``; for a hard bounce the suppression
    row, ``outreach.bounced`` and ``contact.suppressed``."""
    if not done:
        return
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    events: list[Payload] = []
    bounced: list[str] = []
    reached: list[uuid.UUID] = []
    for job, outcome in done:
        row: dict[str, Any] = {
            "event_id": job.event_id,
            "status": outcome.status,
            "smtp_code": outcome.code,
            "smtp_reply": (outcome.reply or "")[:2000] or None,
            "attempts": job.attempts,
        }
        if outcome.status == "sent":
            row["sent_at"] = now
            row["attempts"] = job.attempts + 1
            reached.append(job.contact_id)
            events.append(
                OutreachSent(
                    outreach_event_id=job.event_id,
                    contact_id=job.contact_id,
                    lead_id=job.lead_id,
                    email=job.email,
                    channel="smtp",
                    mailbox_id=job.mailbox_id,
                    message_id=job.message_id,
                    run_id=job.run_id or run_id,
                    sent_at=now,
                )
            )
        elif outcome.status == "deferred":
            if not outcome.mailbox_problem:
                row["attempts"] = job.attempts + 1
            if _gave_up(job, outcome):
                row["status"] = "failed"
                row["smtp_reply"] = f"gave up after {MAX_ATTEMPTS} attempts; last reply: {outcome.reply}"[:2000]
            else:
                row["retry_at"] = now + retry_after
        elif outcome.status == "failed":
            row["attempts"] = job.attempts + 1
            if outcome.bounce and outcome.code is not None:
                bounced.append(job.email)
                events.append(
                    OutreachBounced(
                        outreach_event_id=job.event_id,
                        contact_id=job.contact_id,
                        lead_id=job.lead_id,
                        email=job.email,
                        mailbox_id=job.mailbox_id,
                        smtp_code=outcome.code,
                        smtp_reply=(outcome.reply or "")[:2000],
                        run_id=job.run_id or run_id,
                    )
                )
        else:
            row["attempts"] = job.attempts + 1
        rows.append(row)
    await repo.finish_events(session, rows)
    await repo.clear_skip_reasons(session, reached)
    for email in await repo.suppress(session, bounced, "bounce", "outreach"):
        events.append(ContactSuppressed(email=email, reason="bounce", suppressed_by="outreach", suppressed_at=now))
    await outbox.add(session, events, correlation_id=str(run_id))
