"""Contact enrichment (SOP §3.2): search decision-makers per lead, keep the best ``max_contacts`` by priority,
store them and emit ``contact.created`` per contact and ``lead.enriched`` per lead."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ra_contracts.defaults import PRIORITY_TITLE_PATTERNS
from ra_contracts.envelope import Payload
from ra_contracts.events import ContactCreated, ContactSummary, LeadEnriched
from ra_runtime.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from ra_enrichment import repository as repo
from ra_enrichment.providers.base import ContactCandidate, ContactProvider, ContactSearch
from ra_enrichment.rules import select_contacts


@dataclass
class LeadToEnrich:
    lead_id: uuid.UUID
    company_name: str
    normalized_company: str
    state: str | None
    city: str | None
    run_id: uuid.UUID | None
    job_title: str | None = None


@dataclass
class EnrichTally:
    leads: int = 0
    enriched: int = 0
    no_contacts: int = 0
    contacts: int = 0
    errors: int = 0
    #: searches sent to the provider, and leads answered without one (same company and state as another
    #: lead of the batch, or a paid provider's stored answer)
    provider_calls: int = 0
    calls_saved: int = 0

    def add(self, other: EnrichTally) -> None:
        for k in ("leads", "enriched", "no_contacts", "contacts", "errors", "provider_calls", "calls_saved"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def counts(self) -> dict[str, int]:
        return {
            "leads": self.leads,
            "enriched": self.enriched,
            "no_contacts": self.no_contacts,
            "contacts_created": self.contacts,
            "errors": self.errors,
            "provider_calls": self.provider_calls,
            "calls_saved": self.calls_saved,
        }


def company_key(lead: LeadToEnrich) -> str:
    """What a provider's answer is kept under: the same company in the same state is one search."""
    return f"{lead.normalized_company}|{(lead.state or '').upper()}"


async def enrich_leads(
    session: AsyncSession,
    outbox: Outbox,
    provider: ContactProvider,
    leads: list[LeadToEnrich],
    *,
    max_contacts: int,
    titles: list[str],
    concurrency: int = 16,
    cache_days: int = 30,
    patterns: Mapping[str, Sequence[str]] = PRIORITY_TITLE_PATTERNS,
) -> EnrichTally:
    """Enrich ``leads`` inside the caller's transaction.

    One search per company and state: leads of the same company share its answer, and a paid provider's
    answer is stored and reused for ``cache_days`` (the demo provider, free, is asked every time).
    """
    tally = EnrichTally(leads=len(leads))
    gate = asyncio.Semaphore(concurrency)
    by_key: dict[str, LeadToEnrich] = {}
    for lead in leads:
        by_key.setdefault(company_key(lead), lead)
    paid = bool(getattr(provider, "paid", True))
    answers: dict[str, list[ContactCandidate]] = {}
    if paid:
        stored = await repo.cached_answers(session, provider.name, list(by_key), cache_days)
        answers = {k: [ContactCandidate.model_validate(c) for c in v] for k, v in stored.items()}

    async def search(lead: LeadToEnrich) -> list[ContactCandidate]:
        async with gate:
            return await provider.search(
                ContactSearch(
                    company_name=lead.company_name,
                    normalized_company=lead.normalized_company,
                    state=lead.state,
                    city=lead.city,
                    titles=titles,
                    limit=max(10, max_contacts * 3),
                )
            )

    missing = [k for k in by_key if k not in answers]
    results = await asyncio.gather(*(search(by_key[k]) for k in missing), return_exceptions=True)
    fresh: dict[str, list[ContactCandidate]] = {}
    for key, found in zip(missing, results, strict=True):
        if isinstance(found, BaseException):
            # A provider failure aborts the batch, so the leads stay pending (see the callers).
            raise found
        fresh[key] = found
    tally.provider_calls = len(missing)
    tally.calls_saved = len(leads) - len(missing)
    if paid and fresh:
        await repo.store_answers(session, provider.name, {k: [c.model_dump() for c in v] for k, v in fresh.items()})
    answers |= fresh
    now = datetime.now(UTC)
    contact_rows: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    events: list[tuple[uuid.UUID | None, Payload]] = []
    for lead in leads:
        selected = select_contacts(answers[company_key(lead)], max_contacts=max_contacts, patterns=patterns)
        rows = [
            {
                "contact_id": uuid.uuid4(),
                "lead_id": lead.lead_id,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "email": c.email,
                "phone": c.phone,
                "title": c.title,
                "priority": c.priority,
                "source": c.source,
                "company_name": lead.company_name,
                "state": lead.state,
            }
            for c in selected
        ]
        contact_rows.extend(rows)
        outcomes.append(
            {
                "lead_id": lead.lead_id,
                "status": "enriched" if rows else "no_contacts",
                "contact_count": len(rows),
                "provider": provider.name,
                "enriched_at": now,
            }
        )
    inserted = await repo.insert_contacts(session, contact_rows)
    by_lead: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for r in contact_rows:
        if r["contact_id"] in inserted:
            by_lead.setdefault(r["lead_id"], []).append(r)
    for o in outcomes:
        kept = by_lead.get(o["lead_id"], [])
        o["contact_count"] = len(kept)
        o["status"] = "enriched" if kept else "no_contacts"
    await repo.mark_leads(session, outcomes)
    for lead in leads:
        kept = by_lead.get(lead.lead_id, [])
        for r in kept:
            events.append(
                (
                    lead.run_id,
                    ContactCreated(
                        **{k: r[k] for k in ContactCreated.model_fields if k in r}, job_title=lead.job_title
                    ),
                )
            )
        first = kept[0] if kept else None
        events.append(
            (
                lead.run_id,
                LeadEnriched(
                    lead_id=lead.lead_id,
                    contact_count=len(kept),
                    provider=provider.name,
                    run_id=lead.run_id,
                    enriched_at=now,
                    first_contact=ContactSummary(
                        contact_id=first["contact_id"],
                        first_name=first["first_name"],
                        last_name=first["last_name"],
                        email=first["email"],
                        phone=first["phone"],
                        title=first["title"],
                        priority=first["priority"],
                    )
                    if first
                    else None,
                ),
            )
        )
        tally.contacts += len(kept)
        if kept:
            tally.enriched += 1
        else:
            tally.no_contacts += 1
    envelopes = [outbox.envelope(p, str(run_id) if run_id else None) for run_id, p in events]
    await outbox.add_envelopes(session, envelopes)
    return tally
