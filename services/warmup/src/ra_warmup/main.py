"""Composition root of the warmup service."""

from __future__ import annotations

from pathlib import Path

from ra_runtime.service import ServiceDefinition

from ra_warmup.handlers import build
from ra_warmup.models import SCHEMA, TABLES, Base


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="warmup",
        schema=SCHEMA,
        metadata=Base.metadata,
        tables=TABLES,
        migrations_dir=Path(__file__).parent / "migrations",
        build=build,
    )
