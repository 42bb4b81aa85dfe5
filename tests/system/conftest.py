from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from ra_enrichment.main import definition as enrichment
from ra_outreach.main import definition as outreach
from ra_runtime.testing import ServiceProcess, migrate
from ra_sourcing.main import definition as sourcing
from ra_validation.main import definition as validation
from ra_warmup.main import definition as warmup


@pytest.fixture
async def migrated(database_url: str) -> str:
    for d in (sourcing(), enrichment(), validation(), warmup(), outreach()):
        await migrate(database_url, d)
    return database_url


@pytest.fixture
async def spawn(migrated: str, nats_url: str, tmp_path: Path) -> AsyncIterator[Callable[..., ServiceProcess]]:
    """Start services as real processes: ``spawn("ra_enrichment", RA_CRASH_AT=…)``; all stopped at the end."""
    started: list[ServiceProcess] = []

    def _spawn(module: str, **env: str) -> ServiceProcess:
        base = {
            "NATS_URL": nats_url,
            "DATABASE_URL": migrated,
            "LOG_LEVEL": "INFO",
            "RA_RETRY_BACKOFF_BASE": "0.05",
        }
        p = ServiceProcess(module, base, tmp_path / f"{module}-{len(started)}.log").start(**env)
        started.append(p)
        return p

    yield _spawn
    for p in started:
        p.kill()
