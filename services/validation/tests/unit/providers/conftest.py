"""Shared by the validation-provider tests: answers shaped like the documented ones, instant retries."""

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from ra_runtime.http import RetryPolicy

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def recorded() -> Callable[[str], Any]:
    """The JSON body of a recorded answer, e.g. ``recorded("neverbounce/valid.json")``."""

    def load(name: str) -> Any:
        return json.loads((FIXTURES / name).read_text())

    return load


@pytest.fixture
def waits() -> list[float]:
    """Every wait the retry policy asked for (nothing actually sleeps)."""
    return []


@pytest.fixture
def retry(waits: list[float]) -> RetryPolicy:
    async def record(seconds: float) -> None:
        waits.append(seconds)

    return RetryPolicy(attempts=4, backoff_initial=0.01, backoff_max=0.02, jitter=0, max_retry_after=30, sleep=record)


@pytest.fixture(scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """One client for every test (respx answers for it): building one per check is most of a test's time."""
    async with httpx.AsyncClient() as client:
        yield client
