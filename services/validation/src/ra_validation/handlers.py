"""Thin entry points of the validation service: contacts arrive from enrichment, runs from the gateway."""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import BaseModel, Field
from ra_contracts.events import (
    ContactCreated,
    ContactDeleted,
    ContactUpdated,
    PipelineRunCompleted,
    PipelineRunFailed,
    PipelineRunProgressed,
    PipelineRunStarted,
    RunEmailValidation,
)
from ra_runtime.messaging import Inbound
from ra_runtime.provider_tests import provider_test_handler
from ra_runtime.queries import QueryError
from ra_runtime.runs import run_queries, start_run
from ra_runtime.service import ServiceContext, Wiring
from sqlalchemy.ext.asyncio import AsyncSession

from ra_validation import repository as repo
from ra_validation.models import EmailResult, JobRun
from ra_validation.pipeline import ValidationTally, result_row, validate_emails
from ra_validation.provider_checks import PROVIDER_CHECKS
from ra_validation.providers.base import EmailValidator, ValidationProviderError
from ra_validation.validators import ValidatorUnavailable, build_validator

log = logging.getLogger(__name__)

#: Contacts per transaction when a run works through the backlog.
RUN_CHUNK = 500
#: Provider errors that retrying the same message will not cure: the contacts wait for a run.
LASTING_ERRORS = frozenset({"config", "auth", "quota"})


class ResultQuery(BaseModel):
    status: Literal["valid", "invalid", "catch_all", "unknown"] | None = None
    provider: str | None = Field(None, max_length=32)
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(25, ge=1, le=100)


class CheckRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)


def result_view(r: EmailResult) -> dict[str, Any]:
    return {c.key: getattr(r, c.key) for c in EmailResult.__table__.columns}


async def build(ctx: ServiceContext) -> Wiring:
    def reuse_days() -> int:
        return int(ctx.settings.get("validation_reuse_days"))

    def validator() -> EmailValidator:
        return build_validator(ctx.settings.get)

    async def on_contacts(session: AsyncSession, batch: list[Inbound]) -> None:
        new_rows: list[dict[str, Any]] = []
        to_check: list[str] = []
        for item in batch:
            event = item.payload
            if isinstance(event, ContactCreated):
                new_rows.append(
                    {"contact_id": event.contact_id, "lead_id": event.lead_id, "email": event.email.lower()}
                )
            elif isinstance(event, ContactUpdated) and event.changes.get("email"):
                if await repo.change_email(session, event.contact_id, str(event.changes["email"])):
                    to_check.append(str(event.changes["email"]))
            elif isinstance(event, ContactDeleted):
                await repo.forget_contact(session, event.contact_id)
        fresh = set(await repo.record_contacts(session, new_rows))
        to_check += [r["email"] for r in new_rows if r["contact_id"] in fresh]
        if not to_check or not ctx.settings.get("auto_validate_on_contact_created"):
            return
        try:
            checker = validator()
        except ValidatorUnavailable as exc:
            log.warning("auto-validation skipped, the contacts wait for a run: %s", exc)
            return
        try:
            # In a savepoint: when the provider cannot answer, the contacts are still recorded (unchecked).
            async with session.begin_nested():
                await validate_emails(session, ctx.outbox, checker, to_check, reuse_days=reuse_days())
        except ValidationProviderError as exc:
            if exc.kind not in LASTING_ERRORS:
                raise  # timeouts, rate limits, outages: the batch is retried with backoff
            log.warning("auto-validation stopped, the contacts wait for a run: %s: %s", checker.name, exc)

    async def on_run_command(session: AsyncSession, batch: list[Inbound]) -> None:
        for item in batch:
            cmd = item.payload
            assert isinstance(cmd, RunEmailValidation)
            await run_email_validation(session, cmd)

    async def run_email_validation(session: AsyncSession, cmd: RunEmailValidation) -> None:
        run_id = cmd.run_id
        async with ctx.sessions() as s, s.begin():
            await start_run(s, JobRun, run_id, cmd.requested_by)
            await ctx.outbox.add(
                s, [PipelineRunStarted(run_id=run_id, pipeline="email_validation", status="running")], str(run_id)
            )
        tally = ValidationTally()
        status, error = "completed", None
        checker: EmailValidator | None
        try:
            checker = validator()
        except ValidatorUnavailable as exc:
            checker, status, error = None, "failed", str(exc)
        remaining = cmd.limit or 10**9
        # Each chunk commits on its own (claimed with SKIP LOCKED): a crash loses nothing and a redelivered
        # command carries on with whatever is still unchecked.
        while checker is not None and remaining > 0:
            try:
                async with ctx.sessions() as s, s.begin():
                    contacts = await repo.claim_unchecked(s, min(RUN_CHUNK, remaining))
                    if not contacts:
                        break
                    part = await validate_emails(
                        s, ctx.outbox, checker, [c.email for c in contacts], reuse_days=reuse_days(), run_id=run_id
                    )
                    tally.add(part)
                    remaining -= len(contacts)
                    await repo.update_run(s, run_id, counts=tally.counts())
                    await ctx.outbox.add(
                        s,
                        [
                            PipelineRunProgressed(
                                run_id=run_id, pipeline="email_validation", status="running", counts=tally.counts()
                            )
                        ],
                        str(run_id),
                    )
            except ValidationProviderError as exc:
                tally.errors += 1
                status, error = "failed", f"{checker.name}: {exc}"
                break
        run = await repo.update_run(session, run_id, counts=tally.counts(), status=status, error_message=error)
        done_cls = PipelineRunCompleted if status == "completed" else PipelineRunFailed
        await ctx.outbox.add(
            session,
            [
                done_cls(
                    run_id=run_id,
                    pipeline="email_validation",
                    status=status,  # type: ignore[arg-type]
                    started_at=run.started_at,
                    finished_at=run.finished_at,
                    counts=tally.counts(),
                    error_message=error,
                )
            ],
            str(run_id),
        )

    async def results_list(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        q = ResultQuery.model_validate(params)
        rows, total = await repo.list_results(
            session, status=q.status, provider=q.provider, page=q.page, page_size=q.page_size
        )
        return {"items": [result_view(r) for r in rows], "total": total, "page": q.page, "page_size": q.page_size}

    async def check_now(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        """The dashboard's test box: check one address now with the configured validator (and keep the
        result for reuse, like any other check)."""
        req = CheckRequest.model_validate(params)
        try:
            checker = validator()
        except ValidatorUnavailable as exc:
            raise QueryError(409, str(exc)) from exc
        try:
            verdict = await checker.check(req.email.strip())
        except ValidationProviderError as exc:
            raise QueryError(502, f"{checker.name}: {exc}") from exc
        async with session.begin():
            await repo.store_results(session, [result_row(verdict)])
        return verdict.model_dump(mode="json")

    return Wiring(
        consumers={"validation-contacts": on_contacts, "validation-run": on_run_command},
        queries={
            "q.validation.results.list": results_list,
            "q.validation.check": check_now,
            "q.validation.providers.test": provider_test_handler("validation", ctx.settings.get, PROVIDER_CHECKS),
            **run_queries("validation", JobRun),
        },
    )
