"""Gateway test fixtures: a real gateway in-process on the embedded NATS and Postgres."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from ra_gateway.testing import RunningGateway, running_gateway

# The database_url / nats_url fixtures come from ra_runtime.testing, registered by the repository's root
# conftest.py (pytest allows pytest_plugins only there).


@pytest.fixture
async def gateway(database_url: str, nats_url: str) -> AsyncIterator[RunningGateway]:
    # A short query timeout, so "owner down" answers come fast; long enough for a fake owner on a busy box.
    async with running_gateway(database_url, nats_url, query_timeout_seconds=1.0) as running:
        yield running
