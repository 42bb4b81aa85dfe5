"""Each service's migrations build exactly the schema its models describe, and can be undone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from ra_enrichment.main import definition as enrichment
from ra_gateway.main import definition as gateway
from ra_outreach.main import definition as outreach
from ra_runtime.db import sqlalchemy_url
from ra_runtime.migrations import upgrade_async
from ra_sourcing.main import definition as sourcing
from ra_validation.main import definition as validation
from ra_warmup.main import definition as warmup
from sqlalchemy.ext.asyncio import create_async_engine

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "make",
    [sourcing, enrichment, validation, warmup, outreach, gateway],
    ids=["sourcing", "enrichment", "validation", "warmup", "outreach", "gateway"],
)
async def test_migrations_match_the_models(database_url: str, make) -> None:
    d = make()
    await upgrade_async(database_url, d.migrations_dir, d.schema)
    await upgrade_async(database_url, d.migrations_dir, d.schema)  # idempotent: a second run is a no-op

    def diff(conn: sa.Connection) -> list:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "include_schemas": True,
                "include_name": lambda name, type_, _: type_ != "schema" or name == d.schema,
                "compare_type": True,
                "version_table_schema": d.schema,
            },
        )
        return [
            change
            for change in compare_metadata(ctx, d.metadata)
            if not (isinstance(change, tuple) and change[0] == "remove_table" and change[1].name == "alembic_version")
        ]

    engine = create_async_engine(sqlalchemy_url(database_url))
    try:
        async with engine.connect() as conn:
            changes = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert changes == [], f"{d.name}: the models and the migrations disagree; add a migration: {changes}"
