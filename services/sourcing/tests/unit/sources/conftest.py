"""Shared by the job-source adapter tests: recorded provider answers, a fixed clock, instant retries."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ra_runtime.http import RetryPolicy

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
#: Every recorded posting is dated relative to this moment.
FIXED_NOW = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)


@pytest.fixture
def recorded() -> Callable[[str], Any]:
    """The JSON body of a recorded answer, e.g. ``recorded("jsearch/search_page1.json")``."""

    def load(name: str) -> Any:
        return json.loads((FIXTURES / name).read_text())

    return load


@pytest.fixture
def fixture_path() -> Callable[[str], Path]:
    return lambda name: FIXTURES / name


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: FIXED_NOW


@pytest.fixture
def waits() -> list[float]:
    """The backoff waits the retry policy asked for (nothing actually sleeps)."""
    return []


@pytest.fixture
def retry(waits: list[float]) -> RetryPolicy:
    async def record(seconds: float) -> None:
        waits.append(seconds)

    return RetryPolicy(attempts=4, backoff_initial=0.01, backoff_max=0.02, jitter=0, max_retry_after=30, sleep=record)
