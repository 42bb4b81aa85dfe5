"""What the stats queries share: counts read from one snapshot, and per-day trends.

A trend is one entry per UTC day of a window that ends today, oldest first, days without rows counted as
zero (``[{"date": "2025-01-30", "created": 0}, …]``). A service counts rows per :func:`utc_day` in SQL and
hands the counts to :meth:`DayWindow.series`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

DEFAULT_DAYS = 30
MAX_DAYS = 365

#: The ``days`` parameter of a stats query: how many UTC days the trend covers, today included.
TrendDays = Annotated[int, Field(ge=1, le=MAX_DAYS, description="UTC days in the trend, today included")]


async def read_snapshot(session: AsyncSession) -> None:
    """Make the rest of the session's transaction read one snapshot, so several statements agree.

    Must be the first statement of the transaction (Postgres refuses it later). Under the default READ
    COMMITTED every statement would see the commits made since the previous one.
    """
    await session.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))


def utc_day(moment: sa.ColumnElement[datetime] | InstrumentedAttribute[datetime]) -> sa.ColumnElement[date]:
    """The UTC calendar day of a ``timestamptz`` column, whatever the session's time zone."""
    return sa.cast(sa.func.timezone("UTC", moment), sa.Date)


class DayWindow:
    """The last ``days`` UTC days, today included."""

    def __init__(self, days: int, now: datetime | None = None) -> None:
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(f"days must be between 1 and {MAX_DAYS}")
        self.last = (now or datetime.now(UTC)).astimezone(UTC).date()
        self.first = self.last - timedelta(days=days - 1)

    @property
    def start(self) -> datetime:
        """Midnight UTC at the start of the first day: count rows at or after it."""
        return datetime.combine(self.first, time.min, tzinfo=UTC)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def series(self, counts: Mapping[date, Mapping[str, Any]], fields: Sequence[str]) -> list[dict[str, Any]]:
        """One ``{"date": "YYYY-MM-DD", field: n, …}`` per day, oldest first; missing counts are 0 and
        counts for days outside the window are ignored."""
        return [
            {"date": day.isoformat(), **{f: int(counts.get(day, {}).get(f, 0)) for f in fields}} for day in self.days()
        ]

    def single(self, rows: Iterable[tuple[date, int]], field: str) -> list[dict[str, Any]]:
        """:meth:`series` of one count from ``(day, n)`` rows."""
        return self.series({day: {field: n} for day, n in rows}, (field,))
