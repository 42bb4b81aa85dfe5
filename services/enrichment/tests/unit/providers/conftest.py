"""Shared by the contact-provider tests: provider answers shaped like the documented ones, instant retries."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ra_enrichment.providers.base import ContactSearch
from ra_runtime.http import RetryPolicy

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def recorded() -> Callable[[str], Any]:
    """The JSON body of a recorded answer, e.g. ``recorded("apollo/people_search.json")``."""

    def load(name: str) -> Any:
        return json.loads((FIXTURES / name).read_text())

    return load


@pytest.fixture
def waits() -> list[float]:
    """Every wait asked for, backoffs and Seamless's poll interval alike (nothing actually sleeps)."""
    return []


@pytest.fixture
def retry(waits: list[float]) -> RetryPolicy:
    async def record(seconds: float) -> None:
        waits.append(seconds)

    return RetryPolicy(attempts=4, backoff_initial=0.01, backoff_max=0.02, jitter=0, max_retry_after=30, sleep=record)


@pytest.fixture
def summit_foods() -> ContactSearch:
    """The lead's company as enrichment asks for it: a job in Columbus, Ohio."""
    return ContactSearch(company_name="Summit Foods", normalized_company="summit foods", city="Columbus", state="OH")
