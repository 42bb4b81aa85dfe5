"""Composition root of the sourcing service."""

from __future__ import annotations

from pathlib import Path

from ra_runtime.service import ServiceDefinition

from ra_sourcing.handlers import build
from ra_sourcing.models import SCHEMA, TABLES, Base


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="sourcing",
        schema=SCHEMA,
        metadata=Base.metadata,
        tables=TABLES,
        migrations_dir=Path(__file__).parent / "migrations",
        build=build,
    )
