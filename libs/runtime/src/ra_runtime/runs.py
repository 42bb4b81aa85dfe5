"""Pipeline runs (the SOP's JobRun): the queries every pipeline-running service answers about its own runs.

Each service keeps its own ``job_runs`` table (its own ORM model, with at least ``run_id``, ``pipeline``,
``status``, ``requested_by``, ``started_at``, ``finished_at``, ``counts``, ``error_message``); this module
serves ``q.<service>.runs.list`` and ``q.<service>.runs.get`` from it the same way everywhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from ra_runtime.queries import QueryError, QueryHandler, uuid_param


class RunPage(BaseModel):
    limit: int = Field(25, ge=1, le=500)
    offset: int = Field(0, ge=0)


def run_view(run: Any) -> dict[str, Any]:
    view = {c.key: getattr(run, c.key) for c in sa.inspect(type(run)).columns}
    finished, started = view.get("finished_at"), view.get("started_at")
    view["duration_seconds"] = (finished - started).total_seconds() if finished and started else None
    return view


async def start_run(session: AsyncSession, model: type[Any], run_id: uuid.UUID, requested_by: str | None) -> bool:
    """Record the run as running (again, when a command is redelivered after a crash).

    Returns False, changing nothing, when the run was cancelled before it started (models with a
    ``cancel_requested_at`` column support cancellation).
    """
    t = model.__table__
    stmt = pg_insert(t).values(run_id=run_id, status="running", requested_by=requested_by, counts={})
    cancellable = "cancel_requested_at" in t.c
    result = await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[t.c.run_id],
            set_={"status": "running", "started_at": sa.func.now(), "finished_at": None},
            where=t.c.cancel_requested_at.is_(None) if cancellable else None,
        ).returning(t.c.run_id)
    )
    return result.scalar_one_or_none() is not None


async def request_cancel(
    session: AsyncSession,
    model: type[Any],
    run_id: uuid.UUID,
    actor: str | None,
    *,
    new_row: Mapping[str, Any] | None = None,
    not_stoppable: Callable[[Any], str | None] | None = None,
) -> tuple[str, Any]:
    """Ask a run to stop (models with ``cancel_requested_at`` and ``cancelled_by`` columns). Returns the
    outcome and the run:

    * ``cancelled`` — not started yet: recorded as cancelled, so :func:`start_run` refuses it when its
      command arrives (``new_row``: the model's other required columns);
    * ``finished`` — it already ended;
    * what ``not_stoppable(run)`` says, when it says something (that running run is left alone);
    * ``cancelling`` — running: flagged, it stops at its next checkpoint.
    """
    t = model.__table__
    inserted = (
        await session.execute(
            pg_insert(t)
            .values(
                run_id=run_id,
                status="cancelled",
                requested_by=None,
                counts={},
                cancel_requested_at=sa.func.now(),
                cancelled_by=actor,
                finished_at=sa.func.now(),
                error_message="cancelled before it started",
                **dict(new_row or {}),
            )
            .on_conflict_do_nothing(index_elements=[t.c.run_id])
            .returning(t.c.run_id)
        )
    ).scalar_one_or_none()
    run = await session.get(model, run_id, with_for_update=True, populate_existing=True)
    assert run is not None
    if inserted is not None:
        return "cancelled", run
    if run.status != "running":
        return "finished", run
    refusal = not_stoppable(run) if not_stoppable else None
    if refusal:
        return refusal, run
    await session.execute(
        sa.update(t)
        .where(t.c.run_id == run_id)
        .values(cancel_requested_at=sa.func.coalesce(t.c.cancel_requested_at, sa.func.now()), cancelled_by=actor)
    )
    return "cancelling", run


async def cancel_requested(session: AsyncSession, model: type[Any], run_id: uuid.UUID) -> bool:
    found = await session.execute(
        sa.select(model.cancel_requested_at).where(model.run_id == run_id, model.cancel_requested_at.isnot(None))
    )
    return found.first() is not None


def run_queries(service: str, model: type[Any]) -> dict[str, QueryHandler]:
    async def runs_list(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        page = RunPage.model_validate(params)
        total = (await session.execute(sa.select(sa.func.count()).select_from(model))).scalar_one()
        rows = (
            await session.execute(
                sa.select(model).order_by(model.started_at.desc(), model.run_id).limit(page.limit).offset(page.offset)
            )
        ).scalars()
        return {"items": [run_view(r) for r in rows], "total": int(total)}

    async def runs_get(session: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        run = await session.get(model, uuid_param(params, "run_id"))
        if run is None:
            raise QueryError(404, "run not found")
        return run_view(run)

    return {f"q.{service}.runs.list": runs_list, f"q.{service}.runs.get": runs_get}
