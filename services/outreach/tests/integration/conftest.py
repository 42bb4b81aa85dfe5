"""Outreach in-process on the embedded NATS and Postgres, fed with contract events, sending to a real SMTP
server (aiosmtpd) in the test's loop; mailbox logins answered by a small stand-in for warmup's query."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import pytest
import sqlalchemy as sa
from nats.aio.client import Client as NATS
from ra_contracts.catalog import STREAMS
from ra_contracts.envelope import Envelope, Payload
from ra_contracts.events import (
    ContactCreated,
    ContactValidated,
    MailboxCreated,
    MailboxState,
    RunOutreach,
)
from ra_outreach.main import definition as outreach
from ra_runtime.config import ServiceConfig
from ra_runtime.embedded import free_port
from ra_runtime.messaging import declare_stream
from ra_runtime.queries import QueryError, ask
from ra_runtime.secrets import SecretBox
from ra_runtime.service import Service
from ra_runtime.testing import FakeOwner, eventually, migrate

POSTAL = "Acme Staffing · 1 Main St · Springfield, IL 62701"


@dataclass
class Received:
    mail_from: str
    rcpt: str
    data: bytes


@dataclass
class SmtpSink:
    """An SMTP server that accepts any login, refuses the recipients in ``refuse`` with their reply, and
    answers 451 to the first RCPT of each address in ``defer_once``."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    defer_once: set[str] = field(default_factory=set)
    rcpt_tries: Counter[str] = field(default_factory=Counter)
    connections: int = 0
    server: Any = None

    async def start(self) -> SmtpSink:
        from aiosmtpd.smtp import SMTP, AuthResult

        sink = self

        class Handler:
            async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
                sink.rcpt_tries[address] += 1
                if address in sink.refuse:
                    return sink.refuse[address]
                if address in sink.defer_once and sink.rcpt_tries[address] == 1:
                    return "451 4.7.1 Greylisted, try again later"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                for rcpt in envelope.rcpt_tos:
                    sink.messages.append(Received(envelope.mail_from, rcpt, envelope.original_content))
                return "250 2.0.0 Message accepted"

        def authenticator(*_: Any) -> AuthResult:
            return AuthResult(success=True)

        def factory() -> SMTP:
            sink.connections += 1
            return SMTP(Handler(), hostname="sink.test", authenticator=authenticator, auth_require_tls=False)

        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(factory, self.host, 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self.server.close()

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if m.rcpt == address]


def envelope_bytes(payload: Payload) -> tuple[bytes, dict[str, str]]:
    env = Envelope.wrap(payload, producer="test", subject=payload.subject())
    return env.model_dump_json().encode(), {"Nats-Msg-Id": str(env.event_id)}


@dataclass
class Harness:
    service: Service
    nc: NATS
    sink: SmtpSink
    exports_dir: Path
    passwords: dict[uuid.UUID, str] = field(default_factory=dict)
    mailboxes: dict[uuid.UUID, MailboxState] = field(default_factory=dict)
    box: SecretBox = field(default_factory=lambda: SecretBox.from_setting(""))

    @property
    def ctx(self) -> Any:
        assert self.service.ctx is not None
        return self.service.ctx

    def settings(self, **values: Any) -> None:
        for key, value in values.items():
            self.ctx.settings.apply(key, json.dumps({"value": value}).encode())

    async def publish(self, *payloads: Payload) -> None:
        js = self.nc.jetstream()
        for p in payloads:
            data, headers = envelope_bytes(p)
            await js.publish(p.subject(), data, headers=headers)

    async def mailbox(
        self, name: str, *, limit: int = 30, status: str = "ACTIVE", connection: str = "ok", display: str | None = None
    ) -> MailboxState:
        state = MailboxState(
            mailbox_id=uuid.uuid4(),
            version=1,
            email=f"{name}@sender{len(self.mailboxes)}.example",
            display_name=display or name.title(),
            provider="smtp",
            smtp_host=self.sink.host,
            smtp_port=self.sink.port,
            smtp_security="none",
            warmup_status=status,  # type: ignore[arg-type]
            connection_status=connection,  # type: ignore[arg-type]
            daily_send_limit=limit,
        )
        self.mailboxes[state.mailbox_id] = state
        self.passwords[state.mailbox_id] = f"pw-{name}"
        await self.publish(MailboxCreated(mailbox=state))
        return state

    async def contact(
        self,
        email: str,
        *,
        lead_id: uuid.UUID | None = None,
        status: str | None = "valid",
        first_name: str | None = "Ada",
        last_name: str | None = "Lovelace",
        company: str | None = "Analytical Engines",
        job_title: str | None = "Staff Engineer",
        **extra: Any,
    ) -> ContactCreated:
        created = ContactCreated(
            contact_id=uuid.uuid4(),
            lead_id=lead_id or uuid.uuid4(),
            email=email,
            first_name=first_name,
            last_name=last_name,
            title=extra.pop("title", "CTO"),
            source="test",
            company_name=company,
            state=extra.pop("state", "CA"),
            job_title=job_title,
            priority=extra.pop("priority", None),
        )
        await self.publish(created)
        if status is not None:
            await self.publish(self.validated(created, status))
        return created

    @staticmethod
    def validated(c: ContactCreated, status: str = "valid") -> ContactValidated:
        from datetime import UTC, datetime

        return ContactValidated(
            contact_id=c.contact_id,
            lead_id=c.lead_id,
            email=c.email,
            status=status,  # type: ignore[arg-type]
            provider="demo",
            checked_at=datetime.now(UTC),
        )

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.ctx.sessions() as s:
            return (await s.execute(sa.text(sql), params)).scalar()

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.ctx.sessions() as s:
            return list(await s.execute(sa.text(sql), params))

    async def synced(
        self, contacts: int | None = None, validated: int | None = None, mailboxes: int | None = None
    ) -> None:
        async def ready() -> bool:
            ok = True
            if contacts is not None:
                ok &= await self.scalar("SELECT count(*) FROM outreach.contacts WHERE title IS NOT NULL") == contacts
            if validated is not None:
                ok &= (
                    await self.scalar("SELECT count(*) FROM outreach.contacts WHERE validation_status IS NOT NULL")
                    == validated
                )
            if mailboxes is not None:
                ok &= await self.scalar("SELECT count(*) FROM outreach.mailboxes") == mailboxes
            return ok

        await eventually(ready, what="outreach's read model")

    async def ask(self, subject: str, params: dict[str, Any] | None = None) -> Any:
        return await ask(self.nc, subject, params or {}, timeout=30)

    async def run(
        self,
        mode: str = "send",
        *,
        dry_run: bool = False,
        limit: int | None = None,
        template_id: uuid.UUID | None = None,
        timeout: float = 60,
    ) -> dict[str, Any]:
        cmd = RunOutreach(
            run_id=uuid.uuid4(),
            requested_by="test",
            mode=mode,  # type: ignore[arg-type]
            dry_run=dry_run,
            limit=limit,
            template_id=template_id,
        )
        await self.publish(cmd)

        async def finished() -> dict[str, Any] | None:
            status = await self.scalar("SELECT status FROM outreach.job_runs WHERE run_id = :r", r=cmd.run_id)
            if status in ("completed", "failed"):
                run: dict[str, Any] = await self.ask("q.outreach.runs.get", {"run_id": str(cmd.run_id)})
                return run
            return None

        return await eventually(finished, timeout=timeout, what=f"outreach run {cmd.run_id}")  # type: ignore[no-any-return]

    async def events(self, **where: Any) -> list[Any]:
        cond = " AND ".join(f"{k} = :{k}" for k in where) or "true"
        return await self.rows(f"SELECT * FROM outreach.outreach_events WHERE {cond} ORDER BY created_at", **where)

    async def outbox_types(self) -> Counter[str]:
        rows = await self.rows("SELECT data FROM outreach.outbox")
        return Counter(json.loads(bytes(r.data))["type"] for r in rows)


async def answer_credentials(nc: NATS, h: Harness) -> None:
    """Stands in for warmup's ``q.warmup.mailboxes.credentials``: the login, password still encrypted."""

    def credentials(params: dict[str, Any]) -> dict[str, Any]:
        mailbox_id = uuid.UUID(params["mailbox_id"])
        state = h.mailboxes.get(mailbox_id)
        if state is None:
            raise QueryError(404, "mailbox not found")
        return {
            "mailbox_id": str(mailbox_id),
            "email": state.email,
            "smtp_host": state.smtp_host,
            "smtp_port": state.smtp_port,
            "smtp_security": state.smtp_security,
            "smtp_username": state.email,
            "password_encrypted": h.box.encrypt(h.passwords[mailbox_id]),
        }

    await FakeOwner(nc).answer("q.warmup.mailboxes.credentials", credentials)


@pytest.fixture
async def harness(database_url: str, nats_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    definition = outreach()
    await migrate(database_url, definition)
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for name in ("ENRICHMENT_EVENTS", "VALIDATION_EVENTS", "SOURCING_EVENTS", "WARMUP_EVENTS"):
        await declare_stream(js, STREAMS[name])
    sink = await SmtpSink().start()
    config = ServiceConfig(
        nats_url=nats_url,
        database_url=database_url,
        http_host="127.0.0.1",
        http_port=free_port(),
        exports_dir=str(tmp_path / "exports"),
        allow_private_mail_hosts=True,
        batch_size=64,
    )
    service = Service(definition, config)
    await service.start()
    h = Harness(service, nc, sink, tmp_path / "exports")
    await answer_credentials(nc, h)
    # Fast by default: no pacing (the pacer has its own tests); the postal address every email needs.
    h.settings(rate_limit_per_minute=0, outreach_postal_address=POSTAL, public_base_url="https://ra.example")
    try:
        yield h
    finally:
        await service.stop()
        await sink.stop()
        await nc.close()
