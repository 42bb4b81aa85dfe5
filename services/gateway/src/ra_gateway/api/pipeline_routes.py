"""``/pipelines`` (SOP Appendix B "Pipelines"): start runs (operators and admins), list and inspect them."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, status
from fastapi.responses import FileResponse
from ra_contracts.settings import SETTINGS, validate
from ra_runtime.objects import EXPORTS, fetched_file
from ra_runtime.queries import ask
from starlette.background import BackgroundTask

from ra_gateway.api.deps import Context, Runs
from ra_gateway.api.schemas import (
    ContactEnrichmentRunRequest,
    EmailValidationRunRequest,
    LeadSourcingRunRequest,
    PipelineName,
    PipelineRun,
    PipelineRunList,
    RunAccepted,
)
from ra_gateway.auth import AnyUser, OperatorUser
from ra_gateway.errors import InvalidValue, NotFound
from ra_gateway.pipeline_runs import contact_enrichment_command, email_validation_command, lead_sourcing_command

router = APIRouter(prefix="/pipelines", tags=["pipelines"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

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


@router.get("/runs", responses={503: {"description": "An owning service is not answering"}})
async def list_runs(
    _: AnyUser,
    runs: Runs,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    pipeline: Annotated[PipelineName | None, Query()] = None,
) -> PipelineRunList:
    return PipelineRunList.model_validate(await runs.list(limit, offset, pipeline))


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


@router.get(
    "/runs/{run_id}/export",
    responses={
        200: {"content": {XLSX: {}}, "description": "The run's leads as an XLSX workbook (up to 5,000 rows)"},
        404: {"description": "Unknown run, or a run without an export"},
    },
)
async def download_export(run_id: uuid.UUID, _: AnyUser, ctx: Context) -> FileResponse:
    """The XLSX export of a lead-sourcing run's new leads (SOP §2.1 step 3e). Sourcing writes it right
    after the run; if it is missing (or expired), asking for it builds it again."""
    answer = await ask(ctx.nc, "q.sourcing.runs.export", {"run_id": str(run_id)}, timeout=60.0)
    name = answer["export_file"]
    try:
        async with fetched_file(ctx.js, EXPORTS, name) as path:
            # Moved out of the temporary directory so it outlives this block; deleted after sending.
            kept = Path(tempfile.mkstemp(prefix="ra-export-", suffix=".xlsx")[1])
            shutil.move(path, kept)
    except FileNotFoundError as exc:
        raise NotFound("the export is not available; try again") from exc
    return FileResponse(
        kept,
        media_type=XLSX,
        filename=f"leads-{run_id}.xlsx",
        background=BackgroundTask(kept.unlink, missing_ok=True),
    )
