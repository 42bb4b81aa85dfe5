"""Composition root of the enrichment service."""

from __future__ import annotations

from pathlib import Path

from ra_runtime.service import ServiceDefinition

from ra_enrichment.handlers import build
from ra_enrichment.models import SCHEMA, TABLES, Base


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="enrichment",
        schema=SCHEMA,
        metadata=Base.metadata,
        tables=TABLES,
        migrations_dir=Path(__file__).parent / "migrations",
        build=build,
    )
