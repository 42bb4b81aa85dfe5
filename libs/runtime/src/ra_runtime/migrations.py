"""Alembic, per service: migrations live in the service package, the version table in its own schema."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.ext.asyncio import create_async_engine

from ra_runtime.db import sqlalchemy_url


def alembic_config(database_url: str, migrations_dir: Path, schema: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    cfg.attributes["schema"] = schema
    return cfg


def upgrade(database_url: str, migrations_dir: Path, schema: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``. Safe to run from several replicas: guarded by an advisory lock."""
    command.upgrade(alembic_config(database_url, migrations_dir, schema), revision)


async def upgrade_async(database_url: str, migrations_dir: Path, schema: str) -> None:
    await asyncio.to_thread(upgrade, database_url, migrations_dir, schema)


def run_env(target_metadata: sa.MetaData) -> None:
    """Body of every service's ``migrations/env.py`` (online mode, async engine)."""
    cfg = context.config
    schema = cfg.attributes.get("schema") or target_metadata.schema
    assert schema, "the service's MetaData must name its schema"
    url = cfg.get_main_option("sqlalchemy.url")
    assert url

    def do_run(connection: sa.Connection) -> None:
        # One migrator at a time per schema, even when several replicas start together.
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": f"migrate:{schema}"})
        connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema,
            include_schemas=False,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def main() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(do_run)
        finally:
            await engine.dispose()

    asyncio.run(main())
