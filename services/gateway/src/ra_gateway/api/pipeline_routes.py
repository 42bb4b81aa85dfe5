"""``/pipelines`` (SOP Appendix B "Pipelines"): start runs (operators and admins), list and inspect them."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, status
from fastapi.responses import FileResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import AliasChoices, BaseModel, Field
from ra_contracts.settings import SETTINGS, validate
from ra_runtime.objects import EXPORTS, fetched_file
from ra_runtime.queries import QueryError, ask
from ra_runtime.service import ServiceContext
from starlette.background import BackgroundTask

from ra_gateway.api.deps import Context, Runs, Settings
from ra_gateway.api.schemas import (
    ContactEnrichmentRunRequest,
    EmailValidationRunRequest,
    LeadSourcingRunRequest,
    OutreachRunRequest,
    PipelineName,
    PipelineRun,
    PipelineRunList,
    RunAccepted,
)
from ra_gateway.auth import AnyUser, OperatorUser
from ra_gateway.errors import InvalidValue, NotFound
from ra_gateway.pipeline_runs import (
    PipelineRuns,
    contact_enrichment_command,
    email_validation_command,
    lead_sourcing_command,
    outreach_command,
)

router = APIRouter(prefix="/pipelines", tags=["pipelines"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
#: An owner may rebuild a missing export from its run's records before answering.
EXPORT_TIMEOUT_SECONDS = 60.0

_VIEWERS_CANNOT_RUN: dict[int | str, dict[str, Any]] = {403: {"description": "Viewers cannot start runs"}}


@router.post("/lead-sourcing/run", status_code=status.HTTP_202_ACCEPTED, responses=_VIEWERS_CANNOT_RUN)
async def run_lead_sourcing(
    user: OperatorUser, runs: Runs, body: Annotated[LeadSourcingRunRequest | None, Body()] = None
) -> RunAccepted:
    """Queue a lead-sourcing run; progress arrives as the run's events and in ``GET /pipelines/runs``."""
    body = body or LeadSourcingRunRequest()
    sources = None
    if body.sources is not None:
        # The same vocabulary as the enabled_sources setting, so a typo is refused here, not in the run.
        try:
            sources = validate(SETTINGS["enabled_sources"], body.sources)
        except ValueError as exc:
            raise InvalidValue(("body", "sources"), str(exc).replace("enabled_sources", "sources")) from exc
    run_id = uuid.uuid4()
    command = lead_sourcing_command(run_id, user, sources, body.max_results)
    await runs.request("lead_sourcing", run_id, command, user, {"sources": sources, "max_results": body.max_results})
    return RunAccepted(run_id=run_id, pipeline="lead_sourcing")


@router.post("/contact-enrichment/run", status_code=status.HTTP_202_ACCEPTED, responses=_VIEWERS_CANNOT_RUN)
async def run_contact_enrichment(
    user: OperatorUser, runs: Runs, body: Annotated[ContactEnrichmentRunRequest | None, Body()] = None
) -> RunAccepted:
    """Queue a contact-enrichment run over every lead still waiting for contacts."""
    body = body or ContactEnrichmentRunRequest()
    run_id = uuid.uuid4()
    command = contact_enrichment_command(run_id, user, body.limit)
    await runs.request("contact_enrichment", run_id, command, user, {"limit": body.limit})
    return RunAccepted(run_id=run_id, pipeline="contact_enrichment")


@router.post("/email-validation/run", status_code=status.HTTP_202_ACCEPTED, responses=_VIEWERS_CANNOT_RUN)
async def run_email_validation(
    user: OperatorUser, runs: Runs, body: Annotated[EmailValidationRunRequest | None, Body()] = None
) -> RunAccepted:
    """Queue an email-validation run over every contact not validated yet (SOP §4.1)."""
    body = body or EmailValidationRunRequest()
    run_id = uuid.uuid4()
    command = email_validation_command(run_id, user, body.limit)
    await runs.request("email_validation", run_id, command, user, {"limit": body.limit})
    return RunAccepted(run_id=run_id, pipeline="email_validation")


@router.post(
    "/outreach/run",
    status_code=status.HTTP_202_ACCEPTED,
    responses={**_VIEWERS_CANNOT_RUN, 422: {"description": "A bad option"}},
)
async def run_outreach(
    user: OperatorUser,
    ctx: Context,
    runs: Runs,
    settings: Settings,
    body: Annotated[OutreachRunRequest | None, Body()] = None,
) -> RunAccepted:
    """Queue an outreach run (SOP §5) over every eligible contact: a mail merge (a CSV and a guide to
    download from ``GET /pipelines/runs/{id}/export``) or a send through the ready mailboxes. Contacts
    that are suppressed, not valid, cooling down or over their lead's limit are skipped with the reason."""
    body = body or OutreachRunRequest()
    mode = body.mode
    if mode is None:
        async with ctx.sessions() as session:
            setting = await settings.get(session, "outreach_send_mode")
        mode = "send" if setting.value == "smtp" else "mailmerge"
    run_id = uuid.uuid4()
    command = outreach_command(run_id, user, mode, body.dry_run, body.limit, body.template_id)
    options = {
        "mode": mode,
        "dry_run": body.dry_run,
        "limit": body.limit,
        "template_id": str(body.template_id) if body.template_id else None,
    }
    await runs.request("outreach", run_id, command, user, options)
    return RunAccepted(run_id=run_id, pipeline="outreach")


@router.get("/runs", responses={503: {"description": "An owning service is not answering"}})
async def list_runs(
    _: AnyUser,
    runs: Runs,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    pipeline: Annotated[PipelineName | None, Query()] = None,
) -> PipelineRunList:
    return PipelineRunList.model_validate(await runs.list(limit, offset, pipeline))


async def _known_run(runs: Runs, run_id: Annotated[uuid.UUID | None, Query()] = None) -> uuid.UUID | None:
    """An unknown run is refused before the stream starts (a 404, not an empty stream)."""
    if run_id is not None:
        await runs.get(run_id)
    return run_id


@router.get(
    "/runs/events",
    response_class=EventSourceResponse,
    responses={404: {"description": "Unknown run"}, 503: {"description": "Owner down"}},
)
async def run_events(
    _: AnyUser, runs: Runs, run_id: Annotated[uuid.UUID | None, Depends(_known_run)]
) -> AsyncIterator[ServerSentEvent]:
    """Live progress as server-sent events: a ``run`` event (a PipelineRun) whenever a run starts, moves
    on, finishes, fails or is cancelled — of one run (``run_id``, whose current state comes first) or of
    every run. The stream stays open; a comment line every 15 s keeps proxies from closing it."""
    async with runs.watch(run_id) as updates:
        # Sent at once: the client knows it is watching (and proxies see the stream start).
        yield ServerSentEvent(comment="watching")
        if run_id is not None:
            # Watching already, so nothing published after this snapshot is missed.
            yield _run_event(await runs.get(run_id))
        while True:
            yield _run_event(await updates.get())


def _run_event(run: dict[str, Any]) -> ServerSentEvent:
    view = PipelineRun.model_validate(run)
    return ServerSentEvent(event="run", id=str(view.run_id), data=view.model_dump(mode="json"))


@router.get("/runs/{run_id}", responses={404: {"description": "Unknown run"}, 503: {"description": "Owner down"}})
async def get_run(run_id: uuid.UUID, _: AnyUser, runs: Runs) -> PipelineRun:
    run: dict[str, Any] = await runs.get(run_id)
    return PipelineRun.model_validate(run)


@router.post(
    "/runs/{run_id}/cancel",
    responses={409: {"description": "Already finished, or not cancellable"}, **_VIEWERS_CANNOT_RUN},
)
async def cancel_run(run_id: uuid.UUID, user: OperatorUser, runs: Runs) -> PipelineRun:
    """Cancel a queued or running run. A running run answers ``cancelling`` and stops at its next
    checkpoint (within about a second); its leads are not kept."""
    return PipelineRun.model_validate(await runs.cancel(run_id, user))


ExportFile = Literal["csv", "guide"]


class ExportAnswer(BaseModel):
    """An owner's answer to an export query: the object's name in the exports bucket."""

    export_file: str = Field(validation_alias=AliasChoices("export_file", "object_name"))


@dataclass(frozen=True)
class Download:
    subject: str
    params: dict[str, Any]
    media_type: str
    filename: str


def _sourcing_download(run_id: uuid.UUID, file: ExportFile | None) -> Download:
    if file is not None:
        raise NotFound("a lead-sourcing run's export is its XLSX workbook (leave out ?file)")
    return Download("q.sourcing.runs.export", {"run_id": str(run_id)}, XLSX, f"leads-{run_id}.xlsx")


def _outreach_download(run_id: uuid.UUID, file: ExportFile | None) -> Download:
    file = file or "csv"
    if file == "guide":
        return Download(
            "q.outreach.exports.get",
            {"run_id": str(run_id), "file": "guide"},
            TEXT,
            f"outreach-{run_id}-mail-merge-guide.txt",
        )
    return Download("q.outreach.exports.get", {"run_id": str(run_id), "file": "csv"}, CSV, f"outreach-{run_id}.csv")


EXPORTS_OF: dict[str, Callable[[uuid.UUID, ExportFile | None], Download]] = {
    "lead_sourcing": _sourcing_download,
    "outreach": _outreach_download,
}


async def _locate_export(
    ctx: ServiceContext, runs: PipelineRuns, run_id: uuid.UUID, file: ExportFile | None
) -> tuple[Download, str]:
    """Which owner has the run's export, and its object name (the owner rebuilds it when it is missing)."""
    pipeline = await runs.pipeline_of(run_id)
    if pipeline is not None:
        if pipeline not in EXPORTS_OF:
            raise NotFound(f"{pipeline} runs have no export")
        download = EXPORTS_OF[pipeline](run_id, file)
        answer = await ask(ctx.nc, download.subject, download.params, timeout=EXPORT_TIMEOUT_SECONDS)
        return download, ExportAnswer.model_validate(answer).export_file
    # Not requested through the API (a scheduled run): every owner that has exports is asked at once.
    candidates: list[Download] = []
    for make in EXPORTS_OF.values():
        try:
            candidates.append(make(run_id, file))
        except NotFound:
            continue
    answers = await asyncio.gather(
        *(ask(ctx.nc, d.subject, d.params, timeout=EXPORT_TIMEOUT_SECONDS) for d in candidates),
        return_exceptions=True,
    )
    for download, answer in zip(candidates, answers, strict=True):
        if not isinstance(answer, BaseException):
            return download, ExportAnswer.model_validate(answer).export_file
    for answer in answers:
        if isinstance(answer, BaseException) and not (isinstance(answer, QueryError) and answer.status == 404):
            raise answer
    raise NotFound(f"run {run_id} has no export")


@router.get(
    "/runs/{run_id}/export",
    responses={
        200: {
            "content": {XLSX: {}, CSV: {}, TEXT: {}},
            "description": "Lead sourcing: the run's leads as an XLSX workbook (up to 5,000 rows). "
            "Outreach (mail merge): the CSV (?file=csv, the default) or the mail-merge guide (?file=guide)",
        },
        404: {"description": "Unknown run, or a run without an export (or without that file)"},
        503: {"description": "The run's owner is not answering"},
    },
)
async def download_export(
    run_id: uuid.UUID,
    _: AnyUser,
    ctx: Context,
    runs: Runs,
    file: Annotated[
        ExportFile | None, Query(description="Outreach runs: csv (default) or guide; not for lead-sourcing runs")
    ] = None,
) -> FileResponse:
    """A run's export. Lead sourcing writes its XLSX of new leads right after the run (SOP §2.1 step 3e); an
    outreach mail-merge run its CSV and a plain-text guide (SOP §5). If the file is missing (or expired),
    asking for it builds it again."""
    download, name = await _locate_export(ctx, runs, run_id, file)
    try:
        async with fetched_file(ctx.js, EXPORTS, name) as path:
            # Moved out of the temporary directory so it outlives this block; deleted after sending.
            kept = Path(tempfile.mkstemp(prefix="ra-export-", suffix=Path(download.filename).suffix)[1])
            shutil.move(path, kept)
    except FileNotFoundError as exc:
        raise NotFound("the export is not available; try again") from exc
    return FileResponse(
        kept,
        media_type=download.media_type,
        filename=download.filename,
        background=BackgroundTask(kept.unlink, missing_ok=True),
    )
