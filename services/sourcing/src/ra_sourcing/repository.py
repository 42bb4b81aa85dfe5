"""Every query of the sourcing service."""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ra_sourcing.models import SORT_KEYS, Client, DedupClaim, JobRun, Lead

DEDUP_WINDOW = timedelta(days=30)


async def claim_dedup_keys(session: AsyncSession, claims: Sequence[tuple[str, uuid.UUID]]) -> set[str]:
    """Atomically claim ``dedup_key → lead_id``; returns the keys this transaction won.

    A key already claimed within the dedup window is lost (the lead exists); an older claim is taken over.
    Two concurrent runs serialise on the claim rows, so they cannot both insert the same lead.
    """
    if not claims:
        return set()
    t = DedupClaim.__table__
    claim = pg_insert(t)
    stmt = claim.on_conflict_do_update(
        index_elements=[t.c.dedup_key],
        set_={"lead_id": claim.excluded.lead_id, "claimed_at": sa.func.now()},
        where=t.c.claimed_at < sa.func.now() - sa.text(f"interval '{DEDUP_WINDOW.days} days'"),
    ).returning(t.c.dedup_key)
    # Rows passed separately: SQLAlchemy compiles the statement once and batches the rows itself.
    rows = [{"dedup_key": k, "lead_id": lid} for k, lid in claims]
    return set((await session.execute(stmt, rows)).scalars())


async def release_dedup_keys(session: AsyncSession, keys: Sequence[str], lead_id: uuid.UUID | None = None) -> None:
    """Free claims (only those held by ``lead_id`` when given)."""
    if keys:
        t = DedupClaim.__table__
        stmt = sa.delete(t).where(t.c.dedup_key.in_(keys))
        if lead_id is not None:
            stmt = stmt.where(t.c.lead_id == lead_id)
        await session.execute(stmt)


async def insert_leads(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[uuid.UUID]:
    """Insert leads; a lead whose job link already exists is not inserted. Returns the inserted ids."""
    if not rows:
        return []
    t = Lead.__table__
    stmt = pg_insert(t).on_conflict_do_nothing(index_elements=[t.c.job_link]).returning(t.c.lead_id)
    return list((await session.execute(stmt, list(rows))).scalars())


async def upsert_clients(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Create or update ClientInfo per company (``rows`` hold one entry per normalized company)."""
    if not rows:
        return
    t = Client.__table__
    stmt = pg_insert(t)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.c.normalized_company],
        set_={
            "lead_count": t.c.lead_count + stmt.excluded.lead_count,
            "last_seen_at": sa.func.now(),
            "industry": sa.func.coalesce(t.c.industry, stmt.excluded.industry),
        },
    )
    await session.execute(stmt, list(rows))


async def mark_enriched(session: AsyncSession, updates: Sequence[dict[str, Any]]) -> list[tuple[uuid.UUID, str, str]]:
    """Apply ``lead.enriched`` in one statement: status NEW → ENRICHED plus the first contact's summary.

    Returns ``(lead_id, from_status, to_status)`` for the leads whose status moved.
    """
    if not updates:
        return []
    cols = (
        "lead_id",
        "contact_count",
        "enriched_at",
        "first_name",
        "last_name",
        "email",
        "phone",
        "title",
        "priority",
    )
    arrays = {c: [u.get(c) for u in updates] for c in cols}
    result = await session.execute(
        sa.text(
            """
            WITH u AS (
              SELECT * FROM unnest(
                CAST(:lead_id AS uuid[]), CAST(:contact_count AS int[]), CAST(:enriched_at AS timestamptz[]),
                CAST(:first_name AS text[]), CAST(:last_name AS text[]), CAST(:email AS text[]),
                CAST(:phone AS text[]), CAST(:title AS text[]), CAST(:priority AS text[])
              ) AS u(lead_id, contact_count, enriched_at, first_name, last_name, email, phone, title, priority)
            ), old AS (
              SELECT l.lead_id, l.status FROM sourcing.leads AS l JOIN u USING (lead_id) FOR UPDATE OF l
            )
            UPDATE sourcing.leads AS l SET
              status = CASE WHEN u.contact_count > 0 AND l.status = 'NEW' THEN 'ENRICHED' ELSE l.status END,
              contact_count = u.contact_count,
              enriched_at = u.enriched_at,
              contact_first_name = COALESCE(u.first_name, l.contact_first_name),
              contact_last_name = COALESCE(u.last_name, l.contact_last_name),
              contact_email = COALESCE(u.email, l.contact_email),
              contact_phone = COALESCE(u.phone, l.contact_phone),
              contact_title = COALESCE(u.title, l.contact_title),
              contact_priority = COALESCE(u.priority, l.contact_priority),
              updated_at = now()
            FROM u JOIN old USING (lead_id)
            WHERE l.lead_id = u.lead_id
            RETURNING l.lead_id, old.status AS from_status, l.status AS to_status
            """
        ),
        arrays,
    )
    return [(r.lead_id, r.from_status, r.to_status) for r in result if r.from_status != r.to_status]


# --- job runs ---------------------------------------------------------------------------------------


async def finish_run(
    session: AsyncSession,
    run_id: uuid.UUID,
    *,
    status: str,
    counts: dict[str, int],
    per_source: dict[str, Any],
    error_message: str | None,
    export_file: str | None = None,
) -> JobRun:
    t = JobRun.__table__
    await session.execute(
        sa.update(t)
        .where(t.c.run_id == run_id)
        .values(
            status=status,
            counts=counts,
            per_source=per_source,
            error_message=error_message,
            export_file=export_file,
            finished_at=datetime.now(UTC),
        )
    )
    run = await session.get(JobRun, run_id, populate_existing=True)
    assert run is not None
    return run


async def save_progress(
    session: AsyncSession, run_id: uuid.UUID, counts: dict[str, int], per_source: dict[str, Any]
) -> None:
    t = JobRun.__table__
    await session.execute(
        sa.update(t).where(t.c.run_id == run_id, t.c.status == "running").values(counts=counts, per_source=per_source)
    )


async def cancel_requested(session: AsyncSession, run_id: uuid.UUID) -> bool:
    t = JobRun.__table__
    at = (await session.execute(sa.select(t.c.cancel_requested_at).where(t.c.run_id == run_id))).scalar_one_or_none()
    return at is not None


async def request_cancel(session: AsyncSession, run_id: uuid.UUID, actor: str | None) -> tuple[str, JobRun]:
    """Ask a run to stop: ``cancelling`` (running: it stops at its next checkpoint), ``cancelled`` (not
    started yet: recorded as cancelled, so its command is dropped on arrival) or ``finished``."""
    t = JobRun.__table__
    stmt = pg_insert(t).values(
        run_id=run_id,
        status="cancelled",
        requested_by=None,
        counts={},
        per_source={},
        cancel_requested_at=sa.func.now(),
        cancelled_by=actor,
        finished_at=sa.func.now(),
        error_message="cancelled before it started",
    )
    inserted = (
        await session.execute(stmt.on_conflict_do_nothing(index_elements=[t.c.run_id]).returning(t.c.run_id))
    ).scalar_one_or_none()
    run = await session.get(JobRun, run_id, with_for_update=True, populate_existing=True)
    assert run is not None
    if inserted is not None:
        return "cancelled", run
    if run.status != "running":
        return "finished", run
    await session.execute(
        sa.update(t)
        .where(t.c.run_id == run_id)
        .values(cancel_requested_at=sa.func.coalesce(t.c.cancel_requested_at, sa.func.now()), cancelled_by=actor)
    )
    return "cancelling", run


# --- leads --------------------------------------------------------------------------------------------

#: Up to this many matching rows are counted exactly; beyond it the total is the planner's estimate
#: (``total_exact: false``), so a page over a million leads never waits for a full count.
EXACT_COUNT_CAP = 10_000
#: ``page`` (OFFSET) reaches this many rows deep; deeper pages follow ``next_cursor`` (keyset paging).
MAX_OFFSET = 10_000

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class LeadFilter:
    status: str | None = None
    source: str | None = None
    state: str | None = None
    search: str | None = None
    run_id: uuid.UUID | None = None
    origin: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        t = Lead.__table__.c
        out: list[sa.ColumnElement[bool]] = []
        if self.status:
            out.append(t.status == self.status)
        if self.source:
            out.append(sa.literal(self.source) == sa.any_(t.sources))
        if self.state:
            out.append(t.state == self.state)
        if self.run_id:
            out.append(t.run_id == self.run_id)
        if self.origin:
            out.append(t.origin == self.origin)
        if self.created_from:
            out.append(t.created_at >= self.created_from)
        if self.created_to:
            out.append(t.created_at < self.created_to)
        if self.search:
            out.extend(search_conditions(self.search))
        return out


def search_conditions(term: str) -> list[sa.ColumnElement[bool]]:
    """``company_name``, ``job_title`` or ``city`` contains ``term`` (case-insensitive).

    The index condition (every word of the term is a prefix of a suffix of some word of the lead) finds
    the candidates; the ILIKE keeps exactly the leads that contain the term.
    """
    t = Lead.__table__.c
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{escaped}%"
    exact = sa.or_(t.company_name.ilike(like), t.job_title.ilike(like), t.city.ilike(like))
    words = _WORD.findall(term.lower())
    if not words:
        return [exact]
    query = " & ".join(f"'{w}':*" for w in words)
    return [t.search_vector.op("@@")(sa.cast(sa.literal(query), TSQUERY)), exact]


@dataclass(frozen=True)
class Cursor:
    """Where a keyset page starts: the sort key and id of the row before it (``forward``) or after it."""

    sort: str
    order: str
    value: Any
    lead_id: uuid.UUID
    forward: bool = True

    def encode(self) -> str:
        value = self.value.isoformat() if isinstance(self.value, datetime) else self.value
        if isinstance(value, Decimal):
            value = str(value)
        raw = json.dumps([self.sort, self.order, value, str(self.lead_id), self.forward], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            sort, order, value, lead_id, forward = json.loads(raw)
            key = SORT_KEYS[sort]
            py = key.type.python_type
            if py is datetime:
                value = datetime.fromisoformat(value)
            elif py is Decimal:
                value = Decimal(value)
            elif value is not None:
                value = py(value)
            return cls(sort, order, value, uuid.UUID(lead_id), bool(forward))
        except (ValueError, TypeError, KeyError, json.JSONDecodeError) as exc:
            raise ValueError("cursor is not valid; start again from the first page") from exc


@dataclass
class LeadPage:
    leads: list[Lead]
    total: int
    total_exact: bool
    next_cursor: str | None
    prev_cursor: str | None


async def count_matching(session: AsyncSession, conditions: list[sa.ColumnElement[bool]]) -> tuple[int, bool]:
    """Exact count up to :data:`EXACT_COUNT_CAP`, else the planner's estimate."""
    t = Lead.__table__
    capped = sa.select(sa.literal(1)).select_from(t).where(*conditions).limit(EXACT_COUNT_CAP + 1).subquery()
    n = int((await session.execute(sa.select(sa.func.count()).select_from(capped))).scalar_one())
    if n <= EXACT_COUNT_CAP:
        return n, True
    if not conditions:
        estimate = (
            await session.execute(
                sa.text("SELECT reltuples::bigint FROM pg_class WHERE oid = 'sourcing.leads'::regclass")
            )
        ).scalar_one()
    else:
        stmt = sa.select(sa.literal(1)).select_from(t).where(*conditions)
        sql = str(stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
        conn = await session.connection()
        plan = (await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql)).scalar_one()
        if isinstance(plan, str):
            plan = json.loads(plan)
        estimate = plan[0]["Plan"]["Plan Rows"]
    return max(int(estimate), EXACT_COUNT_CAP + 1), False


async def list_leads(
    session: AsyncSession,
    where: LeadFilter,
    *,
    page: int = 1,
    page_size: int = 25,
    sort: str = "created_at",
    order: str = "desc",
    cursor: Cursor | None = None,
    columns: Sequence[sa.ColumnElement[Any]] | None = None,
    count: bool = True,
) -> LeadPage:
    """One page of leads in a stable order (the sort key, then ``lead_id``, both in ``order``).

    Either ``page`` (OFFSET, up to :data:`MAX_OFFSET` rows deep) or ``cursor`` (keyset: any depth at the
    cost of the first page). Every response carries the cursors of the pages around it.
    """
    if cursor is not None:
        sort, order = cursor.sort, cursor.order
    key = SORT_KEYS[sort]
    t = Lead.__table__
    conditions = where.conditions()
    descending = order == "desc"
    # Walking backwards (a "previous page" cursor) reads the reversed order and flips the rows after.
    backwards = cursor is not None and not cursor.forward
    read_desc = descending != backwards
    stmt_conditions = list(conditions)
    if cursor is not None:
        row = sa.tuple_(key, t.c.lead_id)
        at = sa.tuple_(sa.literal(cursor.value, key.type), sa.literal(cursor.lead_id, sa.Uuid()))
        stmt_conditions.append(row < at if read_desc else row > at)
    ordering = [key.desc(), t.c.lead_id.desc()] if read_desc else [key.asc(), t.c.lead_id.asc()]
    offset = 0 if cursor is not None else (page - 1) * page_size
    stmt = (
        sa.select(Lead, key.label("sort_value"))
        .where(*stmt_conditions)
        .order_by(*ordering)
        .limit(page_size + 1)
        .offset(offset)
    )
    rows = list((await session.execute(stmt)).all())
    more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()
    leads = [r[0] for r in rows]
    next_cursor = prev_cursor = None
    if rows:
        first, last = rows[0], rows[-1]
        has_next = more if not backwards else True
        has_prev = (offset > 0 or cursor is not None) if not backwards else more
        if has_next:
            next_cursor = Cursor(sort, order, last.sort_value, last[0].lead_id, True).encode()
        if has_prev:
            prev_cursor = Cursor(sort, order, first.sort_value, first[0].lead_id, False).encode()
    total, exact = await count_matching(session, conditions) if count else (0, False)
    return LeadPage(leads, total, exact, next_cursor, prev_cursor)


async def get_lead(session: AsyncSession, lead_id: uuid.UUID, *, lock: bool = False) -> Lead | None:
    return await session.get(Lead, lead_id, with_for_update=lock or None, populate_existing=lock)


async def count_leads(session: AsyncSession) -> int:
    return int((await session.execute(sa.select(sa.func.count()).select_from(Lead))).scalar_one())


async def delete_lead(session: AsyncSession, lead_id: uuid.UUID) -> Lead | None:
    t = Lead.__table__
    row = (await session.execute(sa.delete(t).where(t.c.lead_id == lead_id).returning(t.c.normalized_company))).first()
    if row is None:
        return None
    await refresh_clients(session, [row.normalized_company])
    return row  # type: ignore[return-value]


# --- clients --------------------------------------------------------------------------------------------

#: A company's category counts its leads of this many days (ra_contracts.leads.client_category).
CATEGORY_WINDOW_DAYS = 90


async def refresh_clients(session: AsyncSession, companies: Sequence[str]) -> None:
    """Recount ``lead_count`` / ``recent_lead_count`` and the category of the given companies."""
    if not companies:
        return
    await session.execute(
        sa.text(
            f"""
            UPDATE sourcing.clients AS c SET
              lead_count = s.total,
              recent_lead_count = s.recent,
              category = CASE WHEN s.recent >= 10 THEN 'REGULAR' WHEN s.recent >= 3 THEN 'OCCASIONAL'
                              ELSE 'PROSPECT' END,
              updated_at = now()
            FROM (
              SELECT k.company,
                     count(l.lead_id) AS total,
                     count(l.lead_id) FILTER (
                       WHERE coalesce(l.posted_at, l.created_at) > now() - interval '{CATEGORY_WINDOW_DAYS} days'
                     ) AS recent
              FROM unnest(CAST(:companies AS text[])) AS k(company)
              LEFT JOIN sourcing.leads AS l ON l.normalized_company = k.company
              GROUP BY k.company
            ) AS s
            WHERE c.normalized_company = s.company
            """
        ),
        {"companies": sorted(set(companies))},
    )


CLIENT_SORT = {
    "company_name": Client.company_name,
    "lead_count": Client.lead_count,
    "recent_lead_count": Client.recent_lead_count,
    "category": Client.category,
    "status": Client.status,
    "industry": sa.func.coalesce(Client.industry, ""),
    "first_seen_at": Client.first_seen_at,
    "last_seen_at": Client.last_seen_at,
}


async def list_clients(
    session: AsyncSession,
    *,
    page: int,
    page_size: int,
    search: str | None = None,
    status: str | None = None,
    category: str | None = None,
    industry: str | None = None,
    sort: str = "last_seen_at",
    order: str = "desc",
) -> tuple[list[Client], int]:
    conditions: list[sa.ColumnElement[bool]] = []
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(sa.or_(Client.company_name.ilike(f"%{escaped}%"), Client.industry.ilike(f"%{escaped}%")))
    if status:
        conditions.append(Client.status == status)
    if category:
        conditions.append(Client.category == category)
    if industry:
        conditions.append(Client.industry == industry)
    total = (await session.execute(sa.select(sa.func.count()).select_from(Client).where(*conditions))).scalar_one()
    key: sa.ColumnElement[Any] = CLIENT_SORT[sort]  # type: ignore[assignment]
    ordering = [key.desc(), Client.client_id.desc()] if order == "desc" else [key.asc(), Client.client_id.asc()]
    rows = (
        await session.execute(
            sa.select(Client).where(*conditions).order_by(*ordering).limit(page_size).offset((page - 1) * page_size)
        )
    ).scalars()
    return list(rows), int(total)
