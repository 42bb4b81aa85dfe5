"""Every query of the sourcing service."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from ra_runtime.db import insert_unnest
from ra_runtime.stats import DayWindow, utc_day
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession

from ra_sourcing.models import SORT_KEYS, Client, DedupClaim, JobRun, Lead

DEDUP_WINDOW = timedelta(days=30)


async def claim_dedup_keys(session: AsyncSession, claims: Sequence[tuple[str, uuid.UUID]]) -> set[str]:
    """Atomically claim ``dedup_key → lead_id``; returns the keys this transaction won.

    A key already claimed within the dedup window is lost (the lead exists); an older claim is taken over.
    Two concurrent runs serialise on the claim rows, so they cannot both insert the same lead. The keys
    of one call must be distinct.
    """
    if not claims:
        return set()
    result = await session.execute(
        sa.text(
            f"""
            INSERT INTO sourcing.dedup_claims AS c (dedup_key, lead_id, claimed_at)
            SELECT k, l, now() FROM unnest(CAST(:keys AS text[]), CAST(:ids AS uuid[])) AS u(k, l)
            ON CONFLICT (dedup_key) DO UPDATE SET lead_id = EXCLUDED.lead_id, claimed_at = now()
            WHERE c.claimed_at < now() - interval '{DEDUP_WINDOW.days} days'
            RETURNING dedup_key
            """
        ),
        {"keys": [k for k, _ in claims], "ids": [lead_id for _, lead_id in claims]},
    )
    return set(result.scalars())


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
    return await insert_unnest(session, Lead.__table__, rows, on_conflict_do_nothing=["job_link"], returning="lead_id")


async def upsert_clients(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Create or update ClientInfo per company (``rows`` hold one entry per normalized company, with the
    number of new leads); counts by recency and the category follow in :func:`refresh_clients`."""
    if not rows:
        return
    await session.execute(
        sa.text(
            """
            INSERT INTO sourcing.clients AS c (
              client_id, normalized_company, company_name, industry, lead_count, status, category,
              recent_lead_count, origin, first_seen_at, last_seen_at, updated_at)
            SELECT gen_random_uuid(), n, name, ind, k, 'PROSPECT', 'PROSPECT', 0, 'sourcing', now(), now(), now()
            FROM unnest(CAST(:companies AS text[]), CAST(:names AS text[]), CAST(:industries AS text[]),
                        CAST(:counts AS int[])) AS u(n, name, ind, k)
            ON CONFLICT (normalized_company) DO UPDATE SET
              lead_count = c.lead_count + EXCLUDED.lead_count,
              last_seen_at = now(),
              industry = coalesce(c.industry, EXCLUDED.industry)
            """
        ),
        {
            "companies": [r["normalized_company"] for r in rows],
            "names": [r["company_name"] for r in rows],
            "industries": [r.get("industry") for r in rows],
            "counts": [r["lead_count"] for r in rows],
        },
    )


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


async def advance_leads(
    session: AsyncSession, lead_ids: Sequence[uuid.UUID], to_status: str, from_statuses: Sequence[str]
) -> list[tuple[uuid.UUID, str]]:
    """Move the leads that are in one of ``from_statuses`` forward to ``to_status`` (a pipeline's step: a valid
    contact makes a lead VALIDATED, a reached contact CONTACTED); returns ``(lead_id, from_status)``."""
    if not lead_ids:
        return []
    result = await session.execute(
        sa.text(
            """
            WITH old AS (
              SELECT lead_id, status FROM sourcing.leads
              WHERE lead_id = ANY(CAST(:ids AS uuid[])) AND status = ANY(CAST(:from_statuses AS text[]))
              FOR UPDATE
            )
            UPDATE sourcing.leads AS l SET status = :to_status, updated_at = now()
            FROM old WHERE l.lead_id = old.lead_id
            RETURNING l.lead_id, old.status AS from_status
            """
        ),
        {"ids": sorted(set(lead_ids)), "to_status": to_status, "from_statuses": list(from_statuses)},
    )
    return [(r.lead_id, r.from_status) for r in result]


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


async def set_export_file(session: AsyncSession, run_id: uuid.UUID, name: str) -> None:
    t = JobRun.__table__
    await session.execute(sa.update(t).where(t.c.run_id == run_id).values(export_file=name))


async def save_progress(
    session: AsyncSession, run_id: uuid.UUID, counts: dict[str, int], per_source: dict[str, Any]
) -> None:
    t = JobRun.__table__
    await session.execute(
        sa.update(t).where(t.c.run_id == run_id, t.c.status == "running").values(counts=counts, per_source=per_source)
    )


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
    lead_id: uuid.UUID | None = None
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
        if self.lead_id:
            out.append(t.lead_id == self.lead_id)
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
    """Every word of ``term`` occurs in the company name, the job title or the city (case-insensitive,
    anywhere inside a word: "rehouse" finds "Warehouse"; "fort wayne" finds leads with both words).

    Words of 3+ letters or digits are answered by the index alone, exactly: such a word occurs inside a
    word of the lead iff it is a prefix of one of that word's suffixes. Shorter words use an ILIKE.
    """
    t = Lead.__table__.c
    words = list(dict.fromkeys(_WORD.findall(term.lower())))
    if not words:  # punctuation only: match it literally
        return [_contains(term)]
    conditions: list[sa.ColumnElement[bool]] = []
    indexed = [w for w in words if len(w) >= 3]
    if indexed:
        query = " & ".join(f"'{w}':*" for w in indexed)
        conditions.append(t.search_vector.op("@@")(sa.cast(sa.literal(query), TSQUERY)))
    conditions.extend(_contains(w) for w in words if len(w) < 3)
    return conditions


def _contains(text: str) -> sa.ColumnElement[bool]:
    t = Lead.__table__.c
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like = f"%{escaped}%"
    return sa.or_(t.company_name.ilike(like), t.job_title.ilike(like), t.city.ilike(like))


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


#: The columns of a lead in lists and exports (not the description, the dedup key or the search lexemes).
LIST_COLUMNS = tuple(c for c in Lead.__table__.columns if c.key not in ("description", "dedup_key", "search_vector"))


@dataclass
class LeadPage:
    leads: list[dict[str, Any]]
    total: int
    total_exact: bool
    next_cursor: str | None
    prev_cursor: str | None


#: Below this many estimated matches a filtered count is exact; above it the estimate is the answer.
ESTIMATE_TRUSTED_ABOVE = 1_000
#: A large filter's estimate is reused this long (paging through a big search asks for it on every page;
#: it is an estimate anyway). Exact counts are never cached.
ESTIMATE_TTL_SECONDS = 10.0
_ESTIMATES: dict[str, tuple[float, int]] = {}


async def count_matching(session: AsyncSession, conditions: list[sa.ColumnElement[bool]]) -> tuple[int, bool]:
    """How many leads match: exact when few do, else the planner's estimate (``False`` = estimated).

    Counting a large match exactly means reading every matching row; a list page must not wait for that.
    The table's statistics answer for the whole table, the planner's row estimate for a filter; when the
    estimate is small (≤ 1,000) the rows are counted, up to :data:`EXACT_COUNT_CAP`.
    """
    t = Lead.__table__
    if not conditions:
        estimate = int(
            (
                await session.execute(
                    sa.text("SELECT reltuples::bigint FROM pg_class WHERE oid = 'sourcing.leads'::regclass")
                )
            ).scalar_one()
        )
    else:
        stmt = sa.select(sa.literal(1)).select_from(t).where(*conditions)
        sql = str(stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
        cached = _ESTIMATES.get(sql)
        if cached is not None and time.monotonic() - cached[0] < ESTIMATE_TTL_SECONDS:
            return cached[1], False
        conn = await session.connection()
        plan = (await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql)).scalar_one()
        if isinstance(plan, str):
            plan = json.loads(plan)
        estimate = int(plan[0]["Plan"]["Plan Rows"])
        if estimate > ESTIMATE_TRUSTED_ABOVE:
            if len(_ESTIMATES) > 1000:
                _ESTIMATES.clear()
            _ESTIMATES[sql] = (time.monotonic(), estimate)
    if estimate > (EXACT_COUNT_CAP * 2 if not conditions else ESTIMATE_TRUSTED_ABOVE):
        return estimate, False
    capped = sa.select(sa.literal(1)).select_from(t).where(*conditions).limit(EXACT_COUNT_CAP + 1).subquery()
    n = int((await session.execute(sa.select(sa.func.count()).select_from(capped))).scalar_one())
    if n <= EXACT_COUNT_CAP:
        return n, True
    return max(estimate, EXACT_COUNT_CAP + 1), False


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
    if offset:
        # Deferred join: OFFSET walks the narrow (sort key, lead_id) index, and only the page's rows are read.
        ids = (
            sa.select(t.c.lead_id, key.label("sort_value"))
            .where(*stmt_conditions)
            .order_by(*ordering)
            .limit(page_size + 1)
            .offset(offset)
            .subquery()
        )
        stmt = (
            sa.select(*LIST_COLUMNS, ids.c.sort_value)
            .join_from(t, ids, t.c.lead_id == ids.c.lead_id)
            .order_by(
                *([ids.c.sort_value.desc(), ids.c.lead_id.desc()] if read_desc else [ids.c.sort_value, ids.c.lead_id])
            )
        )
    else:
        stmt = (
            sa.select(*LIST_COLUMNS, key.label("sort_value"))
            .where(*stmt_conditions)
            .order_by(*ordering)
            .limit(page_size + 1)
        )
    rows = [dict(r) for r in (await session.execute(stmt)).mappings()]
    more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()
    next_cursor = prev_cursor = None
    if rows:
        first, last = rows[0], rows[-1]
        has_next = more if not backwards else True
        has_prev = (offset > 0 or cursor is not None) if not backwards else more
        if has_next:
            next_cursor = Cursor(sort, order, last["sort_value"], last["lead_id"], True).encode()
        if has_prev:
            prev_cursor = Cursor(sort, order, first["sort_value"], first["lead_id"], False).encode()
    for r in rows:
        del r["sort_value"]
    leads = rows
    if not count:
        total, exact = 0, False
    elif cursor is None and not more:
        total, exact = offset + len(leads), True  # the last page by number: the total is known
    else:
        total, exact = await count_matching(session, conditions)
    return LeadPage(leads, total, exact, next_cursor, prev_cursor)


async def lead_stats(session: AsyncSession, window: DayWindow) -> dict[str, Any]:
    """Counts by status, by source (a lead found by two sources counts under both; ``none`` = no source)
    and by state (``none`` = unknown), and leads created per UTC day of ``window``.

    Several statements: the caller reads them from one snapshot (:func:`ra_runtime.stats.read_snapshot`).
    """
    t = Lead.__table__.c
    state = sa.func.coalesce(t.state, "none")
    out: dict[str, Any] = {"total": 0, "by_status": {}, "by_source": {}, "by_state": {}}
    for status, st, n in await session.execute(sa.select(t.status, state, sa.func.count()).group_by(t.status, state)):
        out["by_status"][status] = out["by_status"].get(status, 0) + int(n)
        out["by_state"][st] = out["by_state"].get(st, 0) + int(n)
        out["total"] += int(n)
    by_source = await session.execute(
        sa.text(
            """
            SELECT coalesce(s.source, 'none'), count(*)
            FROM sourcing.leads AS l LEFT JOIN LATERAL unnest(l.sources) AS s(source) ON true
            GROUP BY 1
            """
        )
    )
    out["by_source"] = {source: int(n) for source, n in by_source}
    day = utc_day(t.created_at)
    created = await session.execute(sa.select(day, sa.func.count()).where(t.created_at >= window.start).group_by(day))
    out["trend"] = window.single(created, "created")
    return out


async def get_lead(session: AsyncSession, lead_id: uuid.UUID, *, lock: bool = False) -> Lead | None:
    return await session.get(Lead, lead_id, with_for_update=lock or None, populate_existing=lock)


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


async def refresh_clients(session: AsyncSession, companies: Sequence[str] | None = None) -> None:
    """Recount ``lead_count`` / ``recent_lead_count`` and the category of the given companies, or (None) of
    every client this transaction has touched: ``upsert_clients`` stamps ``last_seen_at`` with ``now()``,
    which is the transaction's start time, the same for all its statements."""
    if companies is not None and not companies:
        return
    keys = (
        "SELECT unnest(CAST(:companies AS text[]))"
        if companies is not None
        else "SELECT normalized_company FROM sourcing.clients WHERE last_seen_at = now()"
    )
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
              FROM ({keys}) AS k(company)
              LEFT JOIN sourcing.leads AS l ON l.normalized_company = k.company
              GROUP BY k.company
            ) AS s
            WHERE c.normalized_company = s.company
            """
        ),
        {"companies": sorted(set(companies))} if companies is not None else {},
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
