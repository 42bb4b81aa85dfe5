"""Composition root of the outreach service."""

from __future__ import annotations

from pathlib import Path

from ra_runtime.service import ServiceDefinition

from ra_outreach.handlers import build
from ra_outreach.models import SCHEMA, TABLES, Base


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="outreach",
        schema=SCHEMA,
        metadata=Base.metadata,
        tables=TABLES,
        migrations_dir=Path(__file__).parent / "migrations",
        build=build,
    )
