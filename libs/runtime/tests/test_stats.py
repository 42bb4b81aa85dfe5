"""The per-day series of the stats queries: one entry per UTC day, today included, zero-filled, oldest first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from ra_runtime.db import create_engine, session_factory
from ra_runtime.stats import MAX_DAYS, DayWindow, read_snapshot

NOW = datetime(2025, 3, 2, 0, 30, tzinfo=UTC)


def test_the_window_ends_today_in_utc_and_starts_at_midnight() -> None:
    window = DayWindow(3, NOW)
    assert window.days() == [date(2025, 2, 28), date(2025, 3, 1), date(2025, 3, 2)]
    assert window.start == datetime(2025, 2, 28, tzinfo=UTC)
    # 20:00 the day before in New York is already the 2nd in UTC.
    evening = NOW.astimezone(timezone(timedelta(hours=-5)))
    assert DayWindow(1, evening).days() == [date(2025, 3, 2)]


def test_a_series_is_zero_filled_oldest_first_and_ignores_days_outside() -> None:
    window = DayWindow(4, NOW)
    counts = {date(2025, 3, 1): {"sent": 3, "bounced": 1}, date(2025, 2, 1): {"sent": 9}}
    assert window.series(counts, ("sent", "bounced")) == [
        {"date": "2025-02-27", "sent": 0, "bounced": 0},
        {"date": "2025-02-28", "sent": 0, "bounced": 0},
        {"date": "2025-03-01", "sent": 3, "bounced": 1},
        {"date": "2025-03-02", "sent": 0, "bounced": 0},
    ]
    assert window.single([(date(2025, 3, 2), 5)], "created")[-1] == {"date": "2025-03-02", "created": 5}
    assert len(DayWindow(MAX_DAYS, NOW).series({}, ("created",))) == MAX_DAYS


@pytest.mark.parametrize("days", [0, -1, MAX_DAYS + 1])
def test_the_window_has_bounds(days: int) -> None:
    with pytest.raises(ValueError):
        DayWindow(days, NOW)


@pytest.mark.integration
async def test_the_counts_of_a_stats_query_come_from_one_read_only_snapshot(database_url: str) -> None:
    engine = create_engine(database_url, "public")
    try:
        async with session_factory(engine)() as session, session.begin():
            await read_snapshot(session)
            level = (await session.execute(sa.text("SHOW transaction_isolation"))).scalar_one()
            read_only = (await session.execute(sa.text("SHOW transaction_read_only"))).scalar_one()
            assert (level, read_only) == ("repeatable read", "on")
    finally:
        await engine.dispose()
