from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import pytest
from ra_runtime.http import parse_retry_after
from ra_sourcing.sources.http import (
    employment_type_label,
    parse_timestamp,
    title_batches,
    us_state_code,
)


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert 55 <= (parse_retry_after(in_a_minute) or 0) <= 60
    assert parse_retry_after(format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)) == 0.0


@pytest.mark.parametrize(
    ("value", "code"),
    [("TX", "TX"), ("tx", "TX"), ("Texas", "TX"), (" new york ", "NY"), ("Ontario", None), ("", None), (None, None)],
)
def test_us_state_code(value: object, code: str | None) -> None:
    assert us_state_code(value) == code


def test_timestamps_of_every_provider_become_aware_utc() -> None:
    expected = datetime(2026, 2, 26, 14, 5, tzinfo=UTC)
    assert parse_timestamp("2026-02-26T14:05:00.000Z") == expected
    assert parse_timestamp("2026-02-26T15:05:00+01:00") == expected
    assert parse_timestamp(int(expected.timestamp())) == expected
    assert parse_timestamp(date(2026, 2, 26)) == datetime(2026, 2, 26, tzinfo=UTC)
    assert parse_timestamp("2026-02-26") == datetime(2026, 2, 26, tzinfo=UTC)
    assert parse_timestamp("3 days ago") is None and parse_timestamp(float("nan")) is None


def test_employment_types_read_alike() -> None:
    assert [employment_type_label(v) for v in ("FULLTIME", "fulltime, contract", "Full-time", "CONTRACTOR")] == [
        "Full-time",
        "Full-time",
        "Full-time",
        "Contract",
    ]
    assert employment_type_label(None) is None


def test_title_batches_keep_order_and_the_cap() -> None:
    titles = [f"T{n}" for n in range(1, 38)]
    batches = title_batches(titles, 4)
    assert len(batches) == 10 and batches[-1] == ["T37"] and max(map(len, batches)) == 4
    assert title_batches([" A ", "", "B"], 4) == [["A", "B"]]
