"""Request/reply queries over core NATS: the gateway asks, any replica of the owning service answers.

Wire format: the request is a JSON object of parameters; the reply is ``{"ok":true,"data":…}`` (written with
exactly that prefix, so a reader can take the data's bytes without parsing them) or
``{"ok": false, "status": <http status>, "detail": …}``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from pydantic import ValidationError
from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ra_runtime.telemetry import QUERIES, extract_context, inject_headers, tracer

log = logging.getLogger(__name__)

QueryHandler = Callable[[AsyncSession, dict[str, Any]], Awaitable[Any]]


OK_PREFIX = b'{"ok":true,"data":'
#: Pauses before asking again when no replica is subscribed (then the caller gets ServiceUnavailable).
NO_RESPONDERS_RETRIES = (0.05, 0.25)


class QueryError(Exception):
    """A query the owner refuses (400) or cannot answer (404); carried to the HTTP client as is."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(str(detail))
        self.status = status
        self.detail = detail


def uuid_param(params: Mapping[str, Any], key: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(params[key]))
    except (KeyError, ValueError) as exc:
        raise QueryError(400, f"{key} must be a UUID") from exc


class ServiceUnavailable(Exception):
    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"the {service} service is unavailable: {reason}")
        self.service = service


class QueryResponder:
    """Answers the service's query subjects (queue group = the service, so any replica answers).

    Each request is handled in its own task: nats-py runs one subscription's callbacks one after the other,
    so a slow answer (a mailbox connection test waits on a remote server) would otherwise hold up every
    other request for the same subject. At most ``max_concurrent`` are in flight per replica.
    """

    def __init__(
        self,
        nc: NATS,
        service: str,
        sessions: async_sessionmaker[AsyncSession],
        handlers: Mapping[str, QueryHandler],
        max_concurrent: int = 64,
    ) -> None:
        self.nc = nc
        self.service = service
        self.sessions = sessions
        self.handlers = dict(handlers)
        self._subs: list[Subscription] = []
        self._slots = asyncio.Semaphore(max_concurrent)
        self._inflight: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        for subject in self.handlers:
            self._subs.append(await self.nc.subscribe(subject, queue=self.service, cb=self._on_request))
        # Subscriptions are sent without waiting: a round trip makes sure the server has them before the
        # service calls itself started.
        await self.nc.flush()

    async def stop(self) -> None:
        """Stop taking requests, then let the ones in hand finish (their askers are waiting)."""
        for s in self._subs:
            await s.drain()
        self._subs.clear()
        if self._inflight:
            await asyncio.wait(self._inflight, timeout=30)

    async def _on_request(self, msg: Msg) -> None:
        await self._slots.acquire()  # back-pressure: the subscription waits while every slot is busy
        task = asyncio.create_task(self._serve(msg))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)

    async def _serve(self, msg: Msg) -> None:
        try:
            handler = self.handlers[msg.subject]
            with tracer().start_as_current_span(f"query {msg.subject}", context=extract_context(msg.headers)):
                outcome, body = await self._answer(handler, msg)
                QUERIES.labels(msg.subject, outcome).inc()
            if msg.reply:
                await msg.respond(body)
        except Exception:
            log.exception("query %s could not be answered", msg.subject)
        finally:
            self._slots.release()

    async def _answer(self, handler: QueryHandler, msg: Msg) -> tuple[str, bytes]:
        """(outcome label, reply bytes); the data is serialised once, by pydantic-core (UUIDs, datetimes,
        decimals and models included)."""
        status: int
        detail: Any
        try:
            params = json.loads(msg.data or b"{}")
            if not isinstance(params, dict):
                raise QueryError(400, "query parameters must be a JSON object")
            async with self.sessions() as session:
                data = await handler(session, params)
            return "ok", OK_PREFIX + to_json(data) + b"}"
        except QueryError as exc:
            status, detail = exc.status, exc.detail
        except ValidationError as exc:
            status, detail = 422, json.loads(exc.json(include_url=False))
        except json.JSONDecodeError:
            status, detail = 400, "query parameters are not valid JSON"
        except Exception as exc:
            log.exception("query %s failed", msg.subject)
            status, detail = 500, f"{self.service} failed to answer: {type(exc).__name__}"
        return str(status), to_json({"ok": False, "status": status, "detail": detail})


async def ask(nc: NATS, subject: str, params: Mapping[str, Any] | None = None, timeout: float = 5.0) -> Any:
    """Send a query and return its data; raises :class:`QueryError` or :class:`ServiceUnavailable`."""
    return json.loads(await ask_raw(nc, subject, params, timeout))


async def ask_raw(nc: NATS, subject: str, params: Mapping[str, Any] | None = None, timeout: float = 5.0) -> bytes:
    """Like :func:`ask`, but the data comes back as the owner's JSON bytes, unparsed (the gateway passes
    large answers such as a page of leads straight through to its HTTP client)."""
    service = subject.split(".")[1] if subject.count(".") >= 2 else subject
    payload = json.dumps(dict(params or {}), default=str).encode()
    # "No responders" means nobody received the request, so asking again is safe even for a write: it
    # bridges the moment a replica restarts (a rolling update) before the caller is told 503.
    for pause in (*NO_RESPONDERS_RETRIES, None):
        try:
            msg = await nc.request(subject, payload, timeout=timeout, headers=inject_headers())
            break
        except NoRespondersError as exc:
            if pause is None:
                raise ServiceUnavailable(service, "no replica is running") from exc
            await asyncio.sleep(pause)
        except (NatsTimeout, TimeoutError) as exc:
            raise ServiceUnavailable(service, f"no answer within {timeout:g}s") from exc
    data: bytes = msg.data
    if data.startswith(OK_PREFIX) and data.endswith(b"}"):
        return data[len(OK_PREFIX) : -1]
    try:
        reply = json.loads(data)
        if not isinstance(reply, dict):
            raise ValueError("reply is not a JSON object")
    except ValueError as exc:
        raise QueryError(502, f"the {service} service sent an unreadable answer") from exc
    if not reply.get("ok"):
        raise QueryError(int(reply.get("status", 500)), reply.get("detail"))
    return json.dumps(reply["data"]).encode()
