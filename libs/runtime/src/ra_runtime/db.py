"""Postgres access: one async SQLAlchemy engine per service, bound to that service's own schema."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from sqlalchemy import ARRAY, Table, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def asyncpg_dsn(database_url: str) -> str:
    """``postgresql://…`` as asyncpg itself takes it (no SQLAlchemy driver suffix)."""
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


def sqlalchemy_url(database_url: str) -> str:
    url = asyncpg_dsn(database_url)
    return url.replace("postgresql://", "postgresql+asyncpg://", 1).replace("postgres://", "postgresql+asyncpg://", 1)


def database_url_with_name(database_url: str, name: str) -> str:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def admin_execute(database_url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def create_engine(database_url: str, schema: str, *, pool_size: int = 10, application_name: str = "") -> AsyncEngine:
    """An engine whose connections use ``schema`` first on their search path.

    Models name their schema explicitly too (``MetaData(schema=…)``); the search path only covers raw SQL.
    """
    url = make_url(sqlalchemy_url(database_url))
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={
            "server_settings": {
                "search_path": f"{schema},public",
                "application_name": application_name or schema,
            }
        },
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


def _array_cast(column: Any) -> tuple[str, bool]:
    """The Postgres array type a column's values travel in, and whether the column is itself an array
    (sent as comma-joined text: ``unnest`` would flatten a two-dimensional array)."""
    from sqlalchemy.dialects import postgresql

    if isinstance(column.type, ARRAY):
        return "TEXT[]", True
    return column.type.compile(dialect=postgresql.dialect()) + "[]", False


async def insert_unnest(
    session: AsyncSession | AsyncConnection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    columns: Sequence[str] | None = None,
    on_conflict_do_nothing: Sequence[str] | None = None,
    returning: str | None = None,
) -> list[Any]:
    """``INSERT … SELECT … FROM unnest(<one array per column>)``: a batch of rows in one statement with one
    parameter per column, several times faster than a multi-row VALUES list for wide rows.

    Array columns must hold lists of strings without commas (identifiers such as source names).
    Returns the ``returning`` column of the inserted rows (conflicting rows are skipped when
    ``on_conflict_do_nothing`` names the conflict target).
    """
    if not rows:
        return []
    names = list(columns or rows[0].keys())
    # Client-side column defaults (``default=0``, ``default=uuid4``) apply as they would in an ORM insert.
    defaults = {
        c.name: c.default
        for c in table.columns
        if c.name not in names and c.default is not None and (c.default.is_scalar or c.default.is_callable)
    }
    params: dict[str, Any] = {}
    casts, selects = [], []
    for i, name in enumerate([*names, *defaults]):
        pg_type, is_array = _array_cast(table.c[name])
        if name in defaults:
            default: Any = defaults[name]
            values = [default.arg if default.is_scalar else default.arg(None) for _ in rows]
        else:
            values = [row.get(name) for row in rows]
        if is_array:
            values = [None if v is None else ",".join(v) for v in values]
            selects.append(f"string_to_array(u.c{i}, ',')")
        else:
            selects.append(f"u.c{i}")
        params[f"p{i}"] = values
        casts.append(f"CAST(:p{i} AS {pg_type})")
    names += list(defaults)
    sql = (
        f"INSERT INTO {table.fullname} ({', '.join(names)}) "
        f"SELECT {', '.join(selects)} FROM unnest({', '.join(casts)}) AS u({', '.join(f'c{i}' for i in range(len(names)))})"
    )
    if on_conflict_do_nothing:
        sql += f" ON CONFLICT ({', '.join(on_conflict_do_nothing)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {returning}"
    result = await session.execute(text(sql), params)
    return list(result.scalars()) if returning else []
