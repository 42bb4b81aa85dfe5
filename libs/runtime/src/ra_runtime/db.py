"""Postgres access: one async SQLAlchemy engine per service, bound to that service's own schema."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


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
