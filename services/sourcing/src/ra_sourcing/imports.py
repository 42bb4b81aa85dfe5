"""``POST /leads/import``: a CSV or XLSX file of leads, checked whole before anything is stored.

The gateway puts the upload into the ``uploads`` bucket and asks here with an ``import_id`` it chose. Pass
one reads the file as a stream and validates every row (a preview: the first rows, every row-level error
up to a cap); a file with any bad row, or a dry run, stops there and changes nothing. Pass two reads the
file again and stores its leads in chunks inside one transaction, through the same dedup as runs (a
duplicate row is skipped and counted, not an error). The result is recorded under ``import_id``, so a
retried request gets the first answer instead of a second import.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ra_contracts.envelope import Envelope
from ra_runtime.objects import UPLOADS, delete_object, fetched_file
from ra_runtime.queries import QueryError

from ra_sourcing import repository as repo
from ra_sourcing.crud import input_row
from ra_sourcing.files import ImportFileError, ImportFormat, ImportLimits, iter_lead_batches, preview_import
from ra_sourcing.models import LeadImport
from ra_sourcing.pipeline import CHUNK, lead_created_envelope, store_rows

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from ra_runtime.service import ServiceContext

    from ra_sourcing.handlers import ImportRequest


def check_file(path: Path, fmt: ImportFormat, limits: ImportLimits) -> dict[str, Any]:
    """Pass one (blocking; run in a thread): the preview of the whole file, JSON-ready."""
    preview = preview_import(path, fmt, limits)
    return {
        "rows": preview.total_rows,
        "valid": preview.valid_rows,
        "invalid": preview.invalid_rows,
        "error_count": preview.error_count,
        "errors": [{"row": e.row, "field": e.field, "message": e.message, "value": e.value} for e in preview.errors],
        "preview": [{"row": r.row, "values": r.values, "errors": [str(e) for e in r.errors]} for r in preview.rows],
        "unknown_columns": list(preview.header.unknown_columns),
    }


async def import_leads(ctx: ServiceContext, req: ImportRequest, limits: ImportLimits | None = None) -> dict[str, Any]:
    limits = limits or ImportLimits()
    async with ctx.sessions() as s:
        earlier = await s.get(LeadImport, req.import_id)
        if earlier is not None:
            return earlier.result
    started = time.perf_counter()
    try:
        async with fetched_file(ctx.js, UPLOADS, req.object_name) as path:
            fetched = time.perf_counter()
            try:
                preview = await asyncio.to_thread(check_file, path, req.format, limits)
            except ImportFileError as exc:
                raise QueryError(422, {"message": str(exc), "errors": [], "file_error": True}) from exc
            base = {"import_id": str(req.import_id), "file_name": req.file_name, "dry_run": req.dry_run, **preview}
            if preview["invalid"]:
                return base | {"status": "rejected", "inserted": 0, "skipped": {}}
            if req.dry_run:
                return base | {"status": "preview", "inserted": 0, "skipped": {}}
            checked = time.perf_counter()
            result = await _store(ctx, req, path, limits, base)
            log.info(
                "lead import %s: %d rows, %d inserted; fetch %.1fs, check %.1fs, store %.1fs",
                req.import_id,
                result["rows"],
                result["inserted"],
                fetched - started,
                checked - fetched,
                time.perf_counter() - checked,
            )
    except FileNotFoundError as exc:
        raise QueryError(404, "the uploaded file is gone (uploads are kept for a day); upload it again") from exc
    await delete_object(ctx.js, UPLOADS, req.object_name)
    return result


async def _store(
    ctx: ServiceContext, req: ImportRequest, path: Path, limits: ImportLimits, base: dict[str, Any]
) -> dict[str, Any]:
    """Pass two, in one transaction that also records the result: all of the file's new leads, or none."""
    skipped: Counter[str] = Counter()
    inserted = 0
    seen: set[str] = set()
    chunks = iter_lead_batches(path, req.format, limits, size=CHUNK)

    correlation_id = f"import:{req.import_id}"
    companies: set[str] = set()

    def prepare() -> tuple[list[dict[str, Any]], dict[uuid.UUID, Envelope]] | None:
        chunk = next(chunks, None)
        if chunk is None:
            return None
        rows = [input_row(lead, "import") for _, lead in chunk]
        return rows, {r["lead_id"]: lead_created_envelope(ctx.outbox, r, correlation_id) for r in rows}

    async with ctx.sessions() as session, session.begin():
        # The next chunk is read and checked in a thread while the database stores the current one.
        upcoming = asyncio.ensure_future(asyncio.to_thread(prepare))
        while (prepared := await upcoming) is not None:
            upcoming = asyncio.ensure_future(asyncio.to_thread(prepare))
            rows = []
            for row in prepared[0]:
                if row["dedup_key"] in seen:
                    skipped["duplicate_in_file"] += 1
                    continue
                seen.add(row["dedup_key"])
                rows.append(row)
            stored = await store_rows(
                session, ctx.outbox, rows, correlation_id, envelopes=prepared[1], refresh_clients=False
            )
            companies |= stored.companies
            inserted += len(stored.inserted)
            skipped["duplicate_in_db"] += len(stored.duplicate_in_db)
            skipped["duplicate_job_link"] += len(stored.duplicate_job_link)
        await repo.refresh_clients(session, list(companies))
        result = base | {"status": "imported", "inserted": inserted, "skipped": {k: v for k, v in skipped.items() if v}}
        session.add(LeadImport(import_id=req.import_id, file_name=req.file_name, requested_by=req.actor, result=result))
    return result
