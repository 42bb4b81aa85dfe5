"""Contacts written by people (``POST/PUT/DELETE /contacts``), each change with its event.

Every function runs in the caller's transaction with its events in the outbox. After a change to a lead's
contacts, ``lead.enriched`` is sent again (provider ``manual``) with the lead's new contact count and
first contact, so sourcing keeps its summary on the lead right (and a NEW lead that gets its first contact
by hand becomes ENRICHED).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from ra_contracts.contacts import ContactInput, ContactPatch
from ra_contracts.envelope import Payload
from ra_contracts.events import ContactCreated, ContactDeleted, ContactSummary, ContactUpdated, LeadEnriched
from ra_runtime.outbox import Outbox
from ra_runtime.queries import QueryError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ra_enrichment import repository as repo
from ra_enrichment.models import Contact, LeadRef


async def _lead_summary(session: AsyncSession, lead_id: uuid.UUID) -> LeadEnriched:
    contacts = await repo.lead_contacts(session, lead_id)
    t = LeadRef.__table__
    await session.execute(
        sa.update(t)
        .where(t.c.lead_id == lead_id)
        .values(
            contact_count=len(contacts),
            enrichment_status="enriched" if contacts else "no_contacts",
        )
    )
    first = contacts[0] if contacts else None
    return LeadEnriched(
        lead_id=lead_id,
        contact_count=len(contacts),
        provider="manual",
        enriched_at=datetime.now(UTC),
        first_contact=ContactSummary(
            contact_id=first.contact_id,
            first_name=first.first_name,
            last_name=first.last_name,
            email=first.email,
            phone=first.phone,
            title=first.title,
            priority=first.priority,
        )
        if first
        else None,
    )


async def _publish(session: AsyncSession, outbox: Outbox, lead_id: uuid.UUID, events: list[Payload]) -> None:
    await outbox.add(session, [*events, await _lead_summary(session, lead_id)], correlation_id=str(lead_id))


async def create_contact(session: AsyncSession, outbox: Outbox, data: ContactInput, actor: str | None) -> Contact:
    lead = await session.get(LeadRef, data.lead_id)
    if lead is None:
        raise QueryError(404, "lead not found (or not known to enrichment yet)")
    t = Contact.__table__
    contact_id = uuid.uuid4()
    row = data.model_dump() | {
        "contact_id": contact_id,
        "source": "manual",
        "company_name": lead.company_name,
        "state": lead.state,
    }
    inserted = (
        await session.execute(
            pg_insert(t)
            .values(row)
            .on_conflict_do_nothing(constraint="uq_contact_email_per_lead")
            .returning(t.c.contact_id)
        )
    ).scalar_one_or_none()
    if inserted is None:
        raise QueryError(409, "this lead already has a contact with that email")
    created = ContactCreated(**{k: row[k] for k in ContactCreated.model_fields if k in row}, job_title=lead.job_title)
    await _publish(session, outbox, data.lead_id, [created])
    contact = await session.get(Contact, contact_id)
    assert contact is not None
    return contact


async def update_contact(
    session: AsyncSession, outbox: Outbox, contact_id: uuid.UUID, patch: ContactPatch, actor: str | None
) -> Contact:
    contact = await session.get(Contact, contact_id, with_for_update=True)
    if contact is None:
        raise QueryError(404, "contact not found")
    changes = {k: v for k, v in patch.changes().items() if getattr(contact, k) != v}
    if not changes:
        return contact
    if "email" in changes:
        t = Contact.__table__
        taken = (
            await session.execute(
                sa.select(t.c.contact_id).where(
                    t.c.lead_id == contact.lead_id, t.c.email == changes["email"], t.c.contact_id != contact_id
                )
            )
        ).scalar_one_or_none()
        if taken is not None:
            raise QueryError(409, "this lead already has a contact with that email")
        # A new address has not been validated.
        changes["validation_status"] = None
    t = Contact.__table__
    await session.execute(sa.update(t).where(t.c.contact_id == contact_id).values(**changes, updated_at=sa.func.now()))
    event = ContactUpdated(contact_id=contact_id, lead_id=contact.lead_id, changes=_jsonable(changes), updated_by=actor)
    await _publish(session, outbox, contact.lead_id, [event])
    refreshed = await session.get(Contact, contact_id, populate_existing=True)
    assert refreshed is not None
    return refreshed


async def delete_contact(session: AsyncSession, outbox: Outbox, contact_id: uuid.UUID, actor: str | None) -> None:
    t = Contact.__table__
    row = (
        await session.execute(sa.delete(t).where(t.c.contact_id == contact_id).returning(t.c.lead_id, t.c.email))
    ).first()
    if row is None:
        raise QueryError(404, "contact not found")
    event = ContactDeleted(contact_id=contact_id, lead_id=row.lead_id, email=row.email, deleted_by=actor)
    await _publish(session, outbox, row.lead_id, [event])


def _jsonable(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in changes.items()}
