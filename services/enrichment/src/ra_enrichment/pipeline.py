"""Contact enrichment (SOP §3.2): search decision-makers per lead, keep the best ``max_contacts`` by priority,
store them and emit ``contact.created`` per contact and ``lead.enriched`` per lead."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ra_contracts.envelope import Payload
from ra_contracts.events import ContactCreated, ContactSummary, LeadEnriched
from ra_runtime.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from ra_enrichment import repository as repo
from ra_enrichment.providers.base import ContactProvider, ContactSearch
from ra_enrichment.rules import select_contacts


@dataclass
class LeadToEnrich:
    lead_id: uuid.UUID
    company_name: str
    normalized_company: str
    state: str | None
    city: str | None
    run_id: uuid.UUID | None


@dataclass
class EnrichTally:
    leads: int = 0
    enriched: int = 0
    no_contacts: int = 0
    contacts: int = 0
    errors: int = 0

    def add(self, other: EnrichTally) -> None:
        for k in ("leads", "enriched", "no_contacts", "contacts", "errors"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def counts(self) -> dict[str, int]:
        return {
            "leads": self.leads,
            "enriched": self.enriched,
            "no_contacts": self.no_contacts,
            "contacts_created": self.contacts,
            "errors": self.errors,
        }


async def enrich_leads(
    session: AsyncSession,
    outbox: Outbox,
    provider: ContactProvider,
    leads: list[LeadToEnrich],
    *,
    max_contacts: int,
    titles: list[str],
    concurrency: int = 16,
) -> EnrichTally:
    """Enrich ``leads`` inside the caller's transaction."""
    tally = EnrichTally(leads=len(leads))
    gate = asyncio.Semaphore(concurrency)

    async def search(lead: LeadToEnrich) -> list[Any]:
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

    results = await asyncio.gather(*(search(lead) for lead in leads), return_exceptions=True)
    now = datetime.now(UTC)
    contact_rows: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    events: list[tuple[uuid.UUID | None, Payload]] = []
    for lead, found in zip(leads, results, strict=True):
        if isinstance(found, BaseException):
            # A provider failure aborts the batch, so the leads stay pending and the message is retried.
            raise found
        selected = select_contacts(found, max_contacts=max_contacts)
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
            events.append((lead.run_id, ContactCreated(**{k: r[k] for k in ContactCreated.model_fields if k in r})))
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
