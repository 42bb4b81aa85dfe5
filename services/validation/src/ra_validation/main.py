"""Composition root of the validation service."""

from __future__ import annotations

from pathlib import Path

from ra_runtime.service import ServiceDefinition

from ra_validation.handlers import build
from ra_validation.models import SCHEMA, TABLES, Base


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="validation",
        schema=SCHEMA,
        metadata=Base.metadata,
        tables=TABLES,
        migrations_dir=Path(__file__).parent / "migrations",
        build=build,
    )
