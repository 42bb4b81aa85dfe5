"""``POST /leads/import``: a CSV or XLSX file of leads, all of it or nothing.

The gateway puts the upload into the ``uploads`` bucket and asks here with an ``import_id`` it chose. The
file is read once, as a stream: every row is checked (a preview: the first rows, the row-level errors up to
a cap) and, as long as every row so far is valid, stored in chunks inside one transaction, through the same
dedup as runs (a duplicate row is skipped and counted, not an error). A file with any bad row is rejected
and the transaction rolled back, so it changes nothing; a dry run only checks. The result is recorded under
``import_id`` in the same transaction, so a retried request gets the first answer, not a second import.
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
from ra_sourcing.files import ImportFileError, ImportLimits, ImportPreview, ImportScan, preview_import
from ra_sourcing.models import LeadImport
from ra_sourcing.pipeline import CHUNK, lead_created_envelope, store_rows

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from ra_runtime.service import ServiceContext

    from ra_sourcing.handlers import ImportRequest


def preview_view(preview: ImportPreview) -> dict[str, Any]:
    """The preview of a file, JSON-ready."""
    return {
        "rows": preview.total_rows,
        "valid": preview.valid_rows,
        "invalid": preview.invalid_rows,
        "error_count": preview.error_count,
        "errors": [{"row": e.row, "field": e.field, "message": e.message, "value": e.value} for e in preview.errors],
        "preview": [{"row": r.row, "values": r.values, "errors": [str(e) for e in r.errors]} for r in preview.rows],
        "unknown_columns": list(preview.header.unknown_columns),
    }


class _Rejected(Exception):
    """Raised inside the import's transaction to roll it back: the file has bad rows."""


async def import_leads(ctx: ServiceContext, req: ImportRequest, limits: ImportLimits | None = None) -> dict[str, Any]:
    limits = limits or ImportLimits()
    async with ctx.sessions() as s:
        earlier = await s.get(LeadImport, req.import_id)
        if earlier is not None:
            return earlier.result
    started = time.perf_counter()
    base = {"import_id": str(req.import_id), "file_name": req.file_name, "dry_run": req.dry_run}
    try:
        async with fetched_file(ctx.js, UPLOADS, req.object_name) as path:
            fetched = time.perf_counter()
            try:
                if req.dry_run:
                    preview = await asyncio.to_thread(preview_import, path, req.format, limits)
                    return base | preview_view(preview) | {"status": "preview", "inserted": 0, "skipped": {}}
                result = await _store(ctx, req, path, limits, base)
            except ImportFileError as exc:
                raise QueryError(422, {"message": str(exc), "errors": [], "file_error": True}) from exc
            log.info(
                "lead import %s: %d rows, %s, %d inserted; fetch %.1fs, read and store %.1fs",
                req.import_id,
                result["rows"],
                result["status"],
                result["inserted"],
                fetched - started,
                time.perf_counter() - fetched,
            )
    except FileNotFoundError as exc:
        raise QueryError(404, "the uploaded file is gone (uploads are kept for a day); upload it again") from exc
    if result["status"] == "imported":
        await delete_object(ctx.js, UPLOADS, req.object_name)
    return result


async def _store(
    ctx: ServiceContext, req: ImportRequest, path: Path, limits: ImportLimits, base: dict[str, Any]
) -> dict[str, Any]:
    """Read, check and store in one pass and one transaction, which also records the result: all of the
    file's new leads, or none (a bad row anywhere rolls back what was stored before it)."""
    skipped: Counter[str] = Counter()
    inserted = 0
    # Dedup keys seen in the file, as 64-bit hashes: memory stays small however long the file is.
    seen: set[int] = set()
    scan = ImportScan(path, req.format, limits, size=CHUNK)
    chunks = scan.batches()
    correlation_id = f"import:{req.import_id}"

    def prepare() -> tuple[list[dict[str, Any]], dict[uuid.UUID, Envelope]] | None:
        chunk = next(chunks, None)
        if chunk is None:
            return None
        rows = [input_row(lead, "import") for _, lead in chunk]
        return rows, {r["lead_id"]: lead_created_envelope(ctx.outbox, r, correlation_id) for r in rows}

    try:
        async with ctx.sessions() as session, session.begin():
            # The next chunk is read and checked in a thread while the database stores the current one.
            upcoming = asyncio.ensure_future(asyncio.to_thread(prepare))
            while (prepared := await upcoming) is not None:
                upcoming = asyncio.ensure_future(asyncio.to_thread(prepare))
                rows = []
                for row in prepared[0]:
                    key = hash(row["dedup_key"])
                    if key in seen:
                        skipped["duplicate_in_file"] += 1
                        continue
                    seen.add(key)
                    rows.append(row)
                stored = await store_rows(
                    session, ctx.outbox, rows, correlation_id, envelopes=prepared[1], refresh_clients=False
                )
                inserted += len(stored.inserted)
                skipped["duplicate_in_db"] += len(stored.duplicate_in_db)
                skipped["duplicate_job_link"] += len(stored.duplicate_job_link)
            preview = preview_view(scan.preview())
            if preview["invalid"]:
                raise _Rejected()
            await repo.refresh_clients(session)  # every client this transaction touched
            counts = {"inserted": inserted, "skipped": {k: v for k, v in skipped.items() if v}}
            result = base | preview | {"status": "imported"} | counts
            session.add(
                LeadImport(import_id=req.import_id, file_name=req.file_name, requested_by=req.actor, result=result)
            )
    except _Rejected:
        return base | preview | {"status": "rejected", "inserted": 0, "skipped": {}}
    return result
