"""A running warmup service as the tests drive it: queries, the events it published, its rows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from ra_contracts.envelope import Envelope, Payload
from ra_runtime.queries import QueryError, ask
from ra_runtime.service import Service
from ra_runtime.testing import eventually
from ra_warmup.models import SenderMailbox


@dataclass
class Warmup:
    service: Service
    nc: NATS
    js: JetStreamContext
    #: every event published on WARMUP_EVENTS, in order, with its raw bytes
    events: list[Envelope] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    _sub: Subscription | None = None

    async def start(self) -> None:
        async def on_event(msg: Msg) -> None:
            self.raw.append(msg.data)
            self.events.append(Envelope.model_validate_json(msg.data))

        self._sub = await self.nc.subscribe("mailbox.>", cb=on_event)
        await self.nc.flush()
        await self.service.start()  # answers queries from here on (the responder waits for its subscriptions)

    async def stop(self) -> None:
        await self.service.stop()
        if self._sub is not None:
            await self._sub.unsubscribe()

    async def ask(self, name: str, params: Mapping[str, Any] | None = None, timeout: float = 30) -> Any:
        return await ask(self.nc, f"q.warmup.mailboxes.{name}", params or {}, timeout=timeout)

    async def refused(self, name: str, params: Mapping[str, Any]) -> QueryError:
        try:
            await self.ask(name, params)
        except QueryError as exc:
            return exc
        raise AssertionError(f"q.warmup.mailboxes.{name} answered instead of refusing")

    async def create(self, **fields: Any) -> dict[str, Any]:
        mailbox = {"provider": "smtp", "password": "app-password", "smtp_host": "localhost", **fields}
        return dict(await self.ask("create", {"mailbox": mailbox, "actor": "admin@example.com"}))

    async def row(self, mailbox_id: str | uuid.UUID) -> SenderMailbox:
        assert self.service.ctx is not None
        async with self.service.ctx.sessions() as s:
            found = await s.get(SenderMailbox, uuid.UUID(str(mailbox_id)))
            assert found is not None
            return found

    async def rows(self) -> list[SenderMailbox]:
        assert self.service.ctx is not None
        async with self.service.ctx.sessions() as s:
            return list((await s.execute(sa.select(SenderMailbox).order_by(SenderMailbox.email))).scalars())

    def of(self, mailbox_id: str | uuid.UUID, type_: str | None = None) -> list[Envelope]:
        """Events about one mailbox (optionally of one type), in publication order."""
        key = str(mailbox_id)
        out = []
        for e in self.events:
            about = e.payload.get("mailbox_id") or (e.payload.get("mailbox") or {}).get("mailbox_id")
            if str(about) == key and (type_ is None or e.type == type_):
                out.append(e)
        return out

    async def wait_events(self, mailbox_id: str | uuid.UUID, count: int, type_: str | None = None) -> list[Envelope]:
        async def enough() -> list[Envelope] | None:
            found = self.of(mailbox_id, type_)
            return found if len(found) >= count else None

        result = await eventually(enough, what=f"{count} {type_ or 'events'} about {mailbox_id}")
        return list(result)

    async def publish(self, payload: Payload, *, event_id: uuid.UUID | None = None, dedup: bool = True) -> Envelope:
        """Publish like another service would (``dedup=False``: no Nats-Msg-Id, so a copy is stored twice)."""
        envelope = Envelope.wrap(payload, producer="test", subject=payload.subject(), event_id=event_id)
        headers = {"Nats-Msg-Id": str(envelope.event_id)} if dedup else None
        await self.js.publish(envelope.subject, envelope.model_dump_json().encode(), headers=headers)
        return envelope
