"""Query responders over a real NATS server: a slow answer never holds up the others."""

from __future__ import annotations

import asyncio
from typing import Any

import nats
import pytest
from ra_runtime.queries import QueryError, QueryResponder, ask
from sqlalchemy.ext.asyncio import AsyncSession

pytestmark = pytest.mark.integration


class NoSessions:
    """The handlers here touch no database: a stand-in session factory (the responder only opens and closes it)."""

    def __call__(self) -> NoSessions:
        return self

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


async def test_requests_for_one_subject_are_answered_concurrently(nats_url: str) -> None:
    release = asyncio.Event()

    async def probe(_: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("slow"):
            await release.wait()
        if params.get("refuse"):
            raise QueryError(409, "not now")
        return {"echo": params["n"]}

    nc = await nats.connect(nats_url)
    responder = QueryResponder(nc, "probe", NoSessions(), {"q.probe.test": probe})  # type: ignore[arg-type]
    await responder.start()
    try:
        slow = asyncio.create_task(ask(nc, "q.probe.test", {"n": 1, "slow": True}, timeout=10))
        await asyncio.sleep(0)  # the slow request goes out first
        # Answered while the slow one is still waiting (it would time out if requests were handled in turn).
        assert await ask(nc, "q.probe.test", {"n": 2}, timeout=5) == {"echo": 2}
        with pytest.raises(QueryError) as refused:
            await ask(nc, "q.probe.test", {"n": 3, "refuse": True}, timeout=5)
        assert refused.value.status == 409
        assert not slow.done()
        release.set()
        assert await slow == {"echo": 1}
    finally:
        release.set()
        await responder.stop()
        await nc.close()


async def test_stopping_lets_requests_in_hand_finish(nats_url: str) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def probe(_: AsyncSession, params: dict[str, Any]) -> dict[str, Any]:
        started.set()
        await release.wait()
        return {"done": True}

    nc = await nats.connect(nats_url)
    responder = QueryResponder(nc, "probe", NoSessions(), {"q.probe.drain": probe})  # type: ignore[arg-type]
    await responder.start()
    try:
        pending = asyncio.create_task(ask(nc, "q.probe.drain", {}, timeout=10))
        await started.wait()
        stopping = asyncio.create_task(responder.stop())
        await asyncio.sleep(0.05)
        assert not stopping.done()  # waits for the request in hand
        release.set()
        await stopping
        assert await pending == {"done": True}
    finally:
        release.set()
        await nc.close()
