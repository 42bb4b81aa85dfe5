"""Request/reply queries over core NATS: the gateway asks, any replica of the owning service answers.

Wire format: the request is a JSON object of parameters; the reply is ``{"ok": true, "data": …}`` or
``{"ok": false, "status": <http status>, "detail": …}``.
"""

from __future__ import annotations

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
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ra_runtime.telemetry import QUERIES, extract_context, inject_headers, tracer

log = logging.getLogger(__name__)

QueryHandler = Callable[[AsyncSession, dict[str, Any]], Awaitable[Any]]


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


def _jsonable(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, list):
        return [_jsonable(d) for d in data]
    if isinstance(data, dict):
        return {k: _jsonable(v) for k, v in data.items()}
    return data


class QueryResponder:
    def __init__(
        self, nc: NATS, service: str, sessions: async_sessionmaker[AsyncSession], handlers: Mapping[str, QueryHandler]
    ) -> None:
        self.nc = nc
        self.service = service
        self.sessions = sessions
        self.handlers = dict(handlers)
        self._subs: list[Subscription] = []

    async def start(self) -> None:
        for subject in self.handlers:
            self._subs.append(await self.nc.subscribe(subject, queue=self.service, cb=self._on_request))

    async def stop(self) -> None:
        for s in self._subs:
            await s.drain()
        self._subs.clear()

    async def _on_request(self, msg: Msg) -> None:
        handler = self.handlers[msg.subject]
        with tracer().start_as_current_span(f"query {msg.subject}", context=extract_context(msg.headers)):
            try:
                params = json.loads(msg.data or b"{}")
                if not isinstance(params, dict):
                    raise QueryError(400, "query parameters must be a JSON object")
                async with self.sessions() as session:
                    data = await handler(session, params)
                reply: dict[str, Any] = {"ok": True, "data": _jsonable(data)}
                QUERIES.labels(msg.subject, "ok").inc()
            except QueryError as exc:
                reply = {"ok": False, "status": exc.status, "detail": exc.detail}
                QUERIES.labels(msg.subject, str(exc.status)).inc()
            except ValidationError as exc:
                reply = {"ok": False, "status": 422, "detail": json.loads(exc.json(include_url=False))}
                QUERIES.labels(msg.subject, "422").inc()
            except json.JSONDecodeError:
                reply = {"ok": False, "status": 400, "detail": "query parameters are not valid JSON"}
                QUERIES.labels(msg.subject, "400").inc()
            except Exception as exc:
                log.exception("query %s failed", msg.subject)
                reply = {"ok": False, "status": 500, "detail": f"{self.service} failed to answer: {type(exc).__name__}"}
                QUERIES.labels(msg.subject, "500").inc()
        if msg.reply:
            await msg.respond(json.dumps(reply, default=str).encode())


async def ask(nc: NATS, subject: str, params: Mapping[str, Any] | None = None, timeout: float = 5.0) -> Any:
    """Send a query and return its data; raises :class:`QueryError` or :class:`ServiceUnavailable`."""
    service = subject.split(".")[1] if subject.count(".") >= 2 else subject
    try:
        msg = await nc.request(
            subject, json.dumps(dict(params or {}), default=str).encode(), timeout=timeout, headers=inject_headers()
        )
    except NoRespondersError as exc:
        raise ServiceUnavailable(service, "no replica is running") from exc
    except (NatsTimeout, TimeoutError) as exc:
        raise ServiceUnavailable(service, f"no answer within {timeout:g}s") from exc
    try:
        reply = json.loads(msg.data)
        if not isinstance(reply, dict):
            raise ValueError("reply is not a JSON object")
    except ValueError as exc:
        raise QueryError(502, f"the {service} service sent an unreadable answer") from exc
    if not reply.get("ok"):
        raise QueryError(int(reply.get("status", 500)), reply.get("detail"))
    return reply["data"]
