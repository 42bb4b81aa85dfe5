"""The lead-sourcing pipeline (SOP §2.2): fetch → screen → dedup in batch → dedup against the database →
store leads and clients → emit ``lead.created``. No broker or HTTP here: events go to the outbox."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ra_contracts.events import (
    LeadCreated,
    LeadEnriched,
    PipelineRunCompleted,
    PipelineRunFailed,
    RunLeadSourcing,
)
from ra_runtime.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from ra_sourcing import repository as repo
from ra_sourcing.models import JobRun
from ra_sourcing.rules import (
    dedup_batch,
    dedup_key,
    normalize_company_name,
    normalize_job_title,
    quality_score,
    screen_postings,
)
from ra_sourcing.sources.base import JobPosting, JobSource, SourcingCriteria

log = logging.getLogger(__name__)

#: Rows per INSERT statement; keeps statements well under Postgres' 65,535 bind-parameter limit.
CHUNK = 1000


@dataclass
class RunTally:
    fetched: int = 0
    inserted: int = 0
    errors: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    per_source: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "fetched": self.fetched,
            "inserted": self.inserted,
            "skipped": sum(self.skipped.values()),
            "errors": self.errors,
            **{f"skipped_{reason}": n for reason, n in sorted(self.skipped.items())},
        }


async def fetch_all(sources: list[JobSource], criteria: SourcingCriteria, tally: RunTally) -> list[JobPosting]:
    """Fetch every source concurrently; one failing source is an error on the run, not a failed run."""
    results = await asyncio.gather(*(s.fetch(criteria) for s in sources), return_exceptions=True)
    postings: list[JobPosting] = []
    for source, result in zip(sources, results, strict=True):
        if isinstance(result, BaseException):
            tally.errors += 1
            tally.per_source[source.name] = {"fetched": 0, "error": f"{type(result).__name__}: {result}"[:500]}
            tally.messages.append(f"{source.name}: {result}")
            log.warning("job source %s failed: %s", source.name, result)
            continue
        tally.per_source[source.name] = {"fetched": len(result)}
        postings.extend(result)
    tally.fetched = len(postings)
    return postings


def lead_row(p: JobPosting, lead_id: uuid.UUID, run_id: uuid.UUID) -> dict[str, Any]:
    return {
        "lead_id": lead_id,
        "company_name": p.company_name.strip(),
        "normalized_company": normalize_company_name(p.company_name),
        "job_title": normalize_job_title(p.job_title),
        "city": p.city,
        "state": p.state,
        "country": p.country,
        "industry": p.industry,
        "job_link": p.job_link,
        "salary_min": p.salary_min,
        "salary_max": p.salary_max,
        "salary_currency": p.salary_currency,
        "employment_type": p.employment_type,
        "description": p.description,
        "posted_at": p.posted_at,
        "sources": list(p.sources),
        "dedup_key": dedup_key(p),
        "quality_score": quality_score(p),
        "status": "NEW",
        "contact_first_name": p.contact_first_name,
        "contact_last_name": p.contact_last_name,
        "contact_email": p.contact_email,
        "contact_phone": p.contact_phone,
        "contact_title": p.contact_title,
        "run_id": run_id,
    }


def lead_created(row: dict[str, Any]) -> LeadCreated:
    return LeadCreated(
        lead_id=row["lead_id"],
        company_name=row["company_name"],
        normalized_company=row["normalized_company"],
        job_title=row["job_title"],
        city=row["city"],
        state=row["state"],
        country=row["country"],
        industry=row["industry"],
        job_link=row["job_link"],
        salary_min=row["salary_min"],
        salary_max=row["salary_max"],
        posted_at=row["posted_at"],
        sources=row["sources"],
        run_id=row["run_id"],
        contact_email=row["contact_email"],
    )


async def store_postings(
    session: AsyncSession, outbox: Outbox, postings: list[JobPosting], run_id: uuid.UUID, tally: RunTally
) -> None:
    """Insert the deduplicated postings that are new to the database, with their ``lead.created`` events."""
    for start in range(0, len(postings), CHUNK):
        chunk = postings[start : start + CHUNK]
        rows = [lead_row(p, uuid.uuid4(), run_id) for p in chunk]
        won = await repo.claim_dedup_keys(session, [(r["dedup_key"], r["lead_id"]) for r in rows])
        fresh = [r for r in rows if r["dedup_key"] in won]
        tally.skipped["duplicate_in_db"] += len(rows) - len(fresh)
        inserted_ids = set(await repo.insert_leads(session, fresh))
        lost_on_link = [r["dedup_key"] for r in fresh if r["lead_id"] not in inserted_ids]
        await repo.release_dedup_keys(session, lost_on_link)
        tally.skipped["duplicate_job_link"] += len(lost_on_link)
        inserted = [r for r in fresh if r["lead_id"] in inserted_ids]
        tally.inserted += len(inserted)
        clients: dict[str, dict[str, Any]] = {}
        for r in inserted:
            c = clients.setdefault(
                r["normalized_company"],
                {
                    "client_id": uuid.uuid4(),
                    "normalized_company": r["normalized_company"],
                    "company_name": r["company_name"],
                    "industry": r["industry"],
                    "lead_count": 0,
                },
            )
            c["lead_count"] += 1
        await repo.upsert_clients(session, list(clients.values()))
        await outbox.add(session, [lead_created(r) for r in inserted], correlation_id=str(run_id))


async def run_lead_sourcing(
    session: AsyncSession,
    outbox: Outbox,
    cmd: RunLeadSourcing,
    sources: list[JobSource],
    criteria: SourcingCriteria,
    unknown_sources: list[str],
) -> JobRun:
    """One run, inside the caller's transaction: leads, clients, run record and events commit together."""
    tally = RunTally()
    for name in unknown_sources:
        tally.errors += 1
        tally.per_source[name] = {"fetched": 0, "error": "unknown or unavailable job source"}
        tally.messages.append(f"{name}: unknown or unavailable job source")
    postings = await fetch_all(sources, criteria, tally)
    screened = screen_postings(postings, criteria)
    for _, reason in screened.skipped:
        tally.skipped[reason] += 1
    deduped = dedup_batch(screened.kept)
    for _, reason in deduped.skipped:
        tally.skipped[reason] += 1
    await store_postings(session, outbox, deduped.kept, cmd.run_id, tally)
    # A run fails only when nothing could be fetched at all; one failing source among several is an error count.
    failed = not sources or (tally.errors > 0 and tally.fetched == 0)
    status = "failed" if failed else "completed"
    error = "; ".join(tally.messages) or None
    run = await repo.finish_run(
        session, cmd.run_id, status=status, counts=tally.counts(), per_source=tally.per_source, error_message=error
    )
    event_cls = PipelineRunFailed if failed else PipelineRunCompleted
    await outbox.add(
        session,
        [
            event_cls(
                run_id=run.run_id,
                pipeline="lead_sourcing",
                status=status,  # type: ignore[arg-type]
                started_at=run.started_at,
                finished_at=run.finished_at,
                counts=tally.counts(),
                error_message=error,
            )
        ],
        correlation_id=str(cmd.run_id),
    )
    log.info("lead sourcing run finished", extra={"run_id": str(cmd.run_id), **tally.counts()})
    return run


def enrichment_update(event: LeadEnriched) -> dict[str, Any]:
    first = event.first_contact
    return {
        "lead_id": event.lead_id,
        "contact_count": event.contact_count,
        "enriched_at": event.enriched_at,
        "first_name": first.first_name if first else None,
        "last_name": first.last_name if first else None,
        "email": first.email if first else None,
        "phone": first.phone if first else None,
        "title": first.title if first else None,
        "priority": first.priority if first else None,
    }
