"""Leads and clients written by people (``POST/PUT/DELETE /leads``, ``/clients``), each change with its event.

Every function runs inside the caller's transaction; the events go to the outbox in the same transaction,
so a change and its ``lead.*`` event are stored together or not at all. The same dedup rules apply to a
lead typed in by hand as to one found by a run (a unique job link, one lead per company + title + state
in 30 days): a duplicate is refused with 409 and the id of the lead that already exists.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from ra_contracts.events import LeadDeleted, LeadStatusChanged, LeadUpdated
from ra_contracts.leads import ClientInput, ClientPatch, LeadInput, LeadPatch, transition_error
from ra_runtime.outbox import Outbox
from ra_runtime.queries import QueryError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ra_sourcing import repository as repo
from ra_sourcing.models import Client, DedupClaim, Lead
from ra_sourcing.pipeline import lead_row, new_lead_id, store_rows
from ra_sourcing.rules import dedup_key, normalize_company_name, normalize_job_title, quality_score
from ra_sourcing.sources.base import JobPosting

#: Lead columns a person may set (the rest are derived or belong to the pipelines).
EDITABLE = tuple(LeadPatch.model_fields)


def _float(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def posting_from(fields: dict[str, Any], origin: str) -> JobPosting:
    """The lead's fields as a posting, so that hand-made leads go through the very rules runs use.

    ``fields`` come from a validated :class:`LeadInput` (state already a code, link checked), so the
    posting is built without validating them a second time.
    """
    return JobPosting.model_construct(
        source=origin,
        external_id=str(uuid.uuid4()),
        company_name=fields["company_name"],
        job_title=fields["job_title"],
        city=fields.get("city"),
        state=fields.get("state"),
        country=fields.get("country") or "US",
        job_link=fields.get("job_link"),
        salary_min=_float(fields.get("salary_min")),
        salary_max=_float(fields.get("salary_max")),
        salary_currency=fields.get("salary_currency"),
        industry=fields.get("industry"),
        posted_at=fields.get("posted_at"),
        description=fields.get("description"),
        employment_type=fields.get("employment_type"),
        contact_first_name=fields.get("contact_first_name"),
        contact_last_name=fields.get("contact_last_name"),
        contact_email=fields.get("contact_email"),
        contact_phone=fields.get("contact_phone"),
        contact_title=fields.get("contact_title"),
        sources=[origin],
    )


def input_row(data: LeadInput, origin: str) -> dict[str, Any]:
    return lead_row(posting_from(data.model_dump(), origin), new_lead_id(), None, origin)


async def _holder_of(session: AsyncSession, key: str) -> uuid.UUID | None:
    t = DedupClaim.__table__
    return (await session.execute(sa.select(t.c.lead_id).where(t.c.dedup_key == key))).scalar_one_or_none()


async def _lead_with_link(session: AsyncSession, link: str) -> uuid.UUID | None:
    t = Lead.__table__
    return (await session.execute(sa.select(t.c.lead_id).where(t.c.job_link == link))).scalar_one_or_none()


def _duplicate(message: str, lead_id: uuid.UUID | None) -> QueryError:
    return QueryError(409, {"message": message, "lead_id": str(lead_id) if lead_id else None})


async def create_lead(session: AsyncSession, outbox: Outbox, data: LeadInput, user: str | None) -> Lead:
    row = input_row(data, "manual")
    stored = await store_rows(session, outbox, [row], correlation_id=None)
    if stored.duplicate_in_db:
        holder = await _holder_of(session, row["dedup_key"])
        raise _duplicate("a lead for this company, job title and state was added in the last 30 days", holder)
    if stored.duplicate_job_link:
        raise _duplicate("a lead with this job link exists", await _lead_with_link(session, row["job_link"]))
    lead = await session.get(Lead, row["lead_id"])
    assert lead is not None
    return lead


async def _locked_lead(session: AsyncSession, lead_id: uuid.UUID) -> Lead:
    lead = await repo.get_lead(session, lead_id, lock=True)
    if lead is None:
        raise QueryError(404, "lead not found")
    return lead


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


async def update_lead(
    session: AsyncSession, outbox: Outbox, lead_id: uuid.UUID, patch: LeadPatch, user: str | None
) -> Lead:
    lead = await _locked_lead(session, lead_id)
    changes = {k: v for k, v in patch.changes().items() if getattr(lead, k) != v}
    if not changes:
        return lead
    merged = {name: getattr(lead, name) for name in EDITABLE} | changes
    posting = posting_from(merged, "manual")
    new_key, old_key = dedup_key(posting), lead.dedup_key
    if new_key != old_key:
        won = await repo.claim_dedup_keys(session, [(new_key, lead.lead_id)])
        if not won:
            holder = await _holder_of(session, new_key)
            raise _duplicate("another lead for this company, job title and state exists", holder)
        await repo.release_dedup_keys(session, [old_key], lead_id=lead.lead_id)
    if "job_link" in changes and changes["job_link"] is not None:
        other = await _lead_with_link(session, changes["job_link"])
        if other is not None and other != lead.lead_id:
            raise _duplicate("a lead with this job link exists", other)
    old_company = lead.normalized_company
    derived: dict[str, Any] = {
        "normalized_company": normalize_company_name(posting.company_name),
        "job_title": normalize_job_title(posting.job_title),
        "dedup_key": new_key,
        "quality_score": quality_score(posting),
    }
    t = Lead.__table__
    await session.execute(
        sa.update(t).where(t.c.lead_id == lead_id).values(**changes, **derived, updated_at=sa.func.now())
    )
    if derived["normalized_company"] != old_company:
        await _ensure_client(session, derived["normalized_company"], posting.company_name, posting.industry)
        await repo.refresh_clients(session, [old_company, derived["normalized_company"]])
    # Followers get the derived match key with the name, so they need not know the normalisation rules.
    announced = changes | {
        k: derived[k]
        for k in ("normalized_company", "job_title")
        if k in changes or (k == "normalized_company" and derived[k] != old_company)
    }
    await outbox.add(
        session,
        [LeadUpdated(lead_id=lead_id, changes={k: _jsonable(v) for k, v in announced.items()}, updated_by=user)],
        correlation_id=str(lead_id),
    )
    refreshed = await repo.get_lead(session, lead_id, lock=True)
    assert refreshed is not None
    return refreshed


async def change_status(
    session: AsyncSession, outbox: Outbox, lead_id: uuid.UUID, status: str, user: str | None
) -> Lead:
    lead = await _locked_lead(session, lead_id)
    problem = transition_error(lead.status, status)
    if problem is not None:
        raise QueryError(409, problem)
    if lead.status != status:
        before = lead.status
        t = Lead.__table__
        await session.execute(
            sa.update(t).where(t.c.lead_id == lead_id).values(status=status, updated_at=sa.func.now())
        )
        await outbox.add(
            session,
            [LeadStatusChanged(lead_id=lead_id, from_status=before, to_status=status, changed_by=user)],
            correlation_id=str(lead_id),
        )
        lead = await _locked_lead(session, lead_id)
    return lead


async def delete_lead(session: AsyncSession, outbox: Outbox, lead_id: uuid.UUID, user: str | None) -> None:
    """Delete the lead. Its dedup claim stays, so the same posting is not re-imported by the next run
    within the 30-day window (a person deleted it on purpose)."""
    if await repo.delete_lead(session, lead_id) is None:
        raise QueryError(404, "lead not found")
    await outbox.add(session, [LeadDeleted(lead_id=lead_id, deleted_by=user)], correlation_id=str(lead_id))


# --- clients --------------------------------------------------------------------------------------------


async def _ensure_client(session: AsyncSession, normalized: str, name: str, industry: str | None) -> None:
    t = Client.__table__
    await session.execute(
        pg_insert(t)
        .values(client_id=uuid.uuid4(), normalized_company=normalized, company_name=name, industry=industry)
        .on_conflict_do_nothing(index_elements=[t.c.normalized_company])
    )


async def create_client(session: AsyncSession, data: ClientInput) -> Client:
    normalized = normalize_company_name(data.company_name)
    if not normalized:
        raise QueryError(422, "company_name has no letters or digits")
    t = Client.__table__
    client_id = uuid.uuid4()
    inserted = (
        await session.execute(
            pg_insert(t)
            .values(
                client_id=client_id,
                normalized_company=normalized,
                company_name=data.company_name,
                industry=data.industry,
                status=data.status.value,
                website=data.website,
                notes=data.notes,
                origin="manual",
                lead_count=0,
            )
            .on_conflict_do_nothing(index_elements=[t.c.normalized_company])
            .returning(t.c.client_id)
        )
    ).scalar_one_or_none()
    if inserted is None:
        existing = (
            await session.execute(sa.select(t.c.client_id).where(t.c.normalized_company == normalized))
        ).scalar_one()
        raise QueryError(409, {"message": "this company is already a client", "client_id": str(existing)})
    # Leads of this company may exist already (entered before the client was): count them in.
    await repo.refresh_clients(session, [normalized])
    client = await session.get(Client, client_id)
    assert client is not None
    return client


async def update_client(session: AsyncSession, client_id: uuid.UUID, patch: ClientPatch) -> Client:
    """Update a client. Renaming changes the name shown, not the company it matches leads on."""
    client = await session.get(Client, client_id, with_for_update=True)
    if client is None:
        raise QueryError(404, "client not found")
    changes = patch.changes()
    if "status" in changes and changes["status"] is not None:
        changes["status"] = changes["status"].value
    if changes.get("company_name") is None:
        changes.pop("company_name", None)
    if changes:
        t = Client.__table__
        await session.execute(
            sa.update(t).where(t.c.client_id == client_id).values(**changes, updated_at=sa.func.now())
        )
    refreshed = await session.get(Client, client_id, populate_existing=True)
    assert refreshed is not None
    return refreshed


async def delete_client(session: AsyncSession, client_id: uuid.UUID) -> None:
    """Delete a client without leads; one with leads is refused (its leads would recreate it anyway)."""
    client = await session.get(Client, client_id, with_for_update=True)
    if client is None:
        raise QueryError(404, "client not found")
    t = Lead.__table__
    leads = (
        await session.execute(sa.select(sa.func.count()).where(t.c.normalized_company == client.normalized_company))
    ).scalar_one()
    if leads:
        raise QueryError(409, f"the client has {leads} lead(s); delete them first or set its status to INACTIVE")
    await session.delete(client)
