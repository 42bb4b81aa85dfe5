"""Never twice: outreach as three real processes sending to a real SMTP server, killed at the worst moments.

Each eligible contact ends with exactly one message received, or — for the one message a killed process
may have been handing over — an ``uncertain`` event that is never re-sent. No address ever gets two.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import nats
import psutil
import pytest
from nats.aio.client import Client as NATS
from nats.js.api import KeyValueConfig, StorageType
from ra_contracts.catalog import SETTINGS_BUCKET, STREAMS
from ra_contracts.envelope import Envelope, Payload
from ra_contracts.events import ContactCreated, ContactValidated, MailboxCreated, MailboxState, RunOutreach
from ra_runtime.db import asyncpg_dsn
from ra_runtime.messaging import declare_stream
from ra_runtime.secrets import SecretBox
from ra_runtime.testing import FakeOwner, ServiceProcess, eventually

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CONTACTS = 30
#: A short ack wait: the command of a killed process comes back to another replica within seconds.
ENV = {"RA_ALLOW_PRIVATE_MAIL_HOSTS": "true", "RA_ACK_WAIT_SECONDS": "3"}
SETTINGS = {
    # 600 a minute (the setting's maximum): quick, and still one message at a time, so a kill leaves at most
    # one message in doubt.
    "rate_limit_per_minute": 600,
    "daily_send_limit": 1000,
    "outreach_postal_address": "Acme Staffing, 1 Main St, Springfield, IL 62701",
    "public_base_url": "https://ra.example",
}


@dataclass
class Sink:
    """An SMTP server in the test process that accepts any login and every recipient."""

    port: int = 0
    received: list[tuple[str, int]] = field(default_factory=list)
    server: Any = None

    async def start(self) -> Sink:
        from aiosmtpd.smtp import SMTP, AuthResult

        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                for rcpt in envelope.rcpt_tos:
                    sink.received.append((rcpt, int(session.peer[1])))
                return "250 2.0.0 accepted"

        def factory() -> SMTP:
            return SMTP(
                Handler(),
                hostname="sink.test",
                authenticator=lambda *_: AuthResult(success=True),
                auth_require_tls=False,
            )

        self.server = await asyncio.get_running_loop().create_server(factory, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    def per_address(self) -> Counter[str]:
        return Counter(rcpt for rcpt, _ in self.received)


@dataclass
class World:
    nc: NATS
    sink: Sink
    db: str
    contacts: list[ContactCreated]

    async def publish(self, payload: Payload) -> None:
        env = Envelope.wrap(payload, producer="test", subject=payload.subject())
        await self.nc.jetstream().publish(
            payload.subject(), env.model_dump_json().encode(), headers={"Nats-Msg-Id": str(env.event_id)}
        )

    async def scalar(self, sql: str, *args: Any) -> Any:
        conn = await asyncpg.connect(asyncpg_dsn(self.db))
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    async def statuses(self) -> dict[str, str]:
        conn = await asyncpg.connect(asyncpg_dsn(self.db))
        try:
            rows = await conn.fetch("SELECT email, status FROM outreach.outreach_events WHERE status <> 'skipped'")
        finally:
            await conn.close()
        out: dict[str, str] = {}
        for r in rows:
            assert r["email"] not in out, f"{r['email']} was claimed twice"
            out[r["email"]] = r["status"]
        return out

    async def start_run(self) -> uuid.UUID:
        cmd = RunOutreach(run_id=uuid.uuid4(), requested_by="test", mode="send")
        await self.publish(cmd)
        return cmd.run_id

    async def finished(self, run_id: uuid.UUID) -> str:
        async def done() -> str | None:
            status: str | None = await self.scalar(
                "SELECT status FROM outreach.job_runs WHERE run_id = $1 AND status <> 'running'", run_id
            )
            return status

        return str(await eventually(done, timeout=90, what="the outreach run to finish"))


@pytest.fixture
async def world(migrated: str, nats_url: str) -> AsyncIterator[World]:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    for name in ("ENRICHMENT_EVENTS", "VALIDATION_EVENTS", "SOURCING_EVENTS", "WARMUP_EVENTS"):
        await declare_stream(js, STREAMS[name])
    kv = await js.create_key_value(KeyValueConfig(bucket=SETTINGS_BUCKET, history=5, storage=StorageType.FILE))
    for key, value in SETTINGS.items():
        await kv.put(key, json.dumps({"value": value}).encode())
    sink = await Sink().start()
    box = SecretBox.from_setting("")
    mailboxes = [
        MailboxState(
            mailbox_id=uuid.uuid4(),
            version=1,
            email=f"sender{i}@acme{i}.example",
            display_name=f"Sender {i}",
            provider="smtp",
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            smtp_security="none",
            warmup_status="ACTIVE",
            connection_status="ok",
            daily_send_limit=500,
        )
        for i in range(2)
    ]
    by_id = {m.mailbox_id: m for m in mailboxes}

    def credentials(params: dict[str, Any]) -> dict[str, Any]:  # stands in for warmup's query
        m = by_id[uuid.UUID(params["mailbox_id"])]
        return {
            "mailbox_id": str(m.mailbox_id),
            "email": m.email,
            "smtp_host": m.smtp_host,
            "smtp_port": m.smtp_port,
            "smtp_security": m.smtp_security,
            "smtp_username": m.email,
            "password_encrypted": box.encrypt("app-password"),
        }

    await FakeOwner(nc).answer("q.warmup.mailboxes.credentials", credentials)
    w = World(nc, sink, migrated, [])
    for m in mailboxes:
        await w.publish(MailboxCreated(mailbox=m))
    for i in range(CONTACTS):
        c = ContactCreated(
            contact_id=uuid.uuid4(),
            lead_id=uuid.uuid4(),
            email=f"person{i}@client{i}.example",
            first_name=f"P{i}",
            source="test",
            company_name=f"Company {i}",
        )
        w.contacts.append(c)
        await w.publish(c)
        await w.publish(
            ContactValidated(
                contact_id=c.contact_id,
                lead_id=c.lead_id,
                email=c.email,
                status="valid",
                provider="demo",
                checked_at=datetime.now(UTC),
            )
        )
    try:
        yield w
    finally:
        sink.server.close()
        await nc.close()


async def read_model_ready(w: World) -> None:
    async def ready() -> bool:
        valid = await w.scalar("SELECT count(*) FROM outreach.contacts WHERE validation_status = 'valid'")
        boxes = await w.scalar("SELECT count(*) FROM outreach.mailboxes")
        return bool(valid == CONTACTS and boxes == 2)

    await eventually(ready, timeout=60, what="outreach's read model of contacts and mailboxes")


def owner_of_port(processes: list[ServiceProcess], port: int) -> ServiceProcess | None:
    for p in processes:
        if p.proc.poll() is not None:
            continue
        for conn in psutil.Process(p.proc.pid).net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port:
                return p
    return None


def assert_each_contact_reached_at_most_once(w: World, statuses: dict[str, str], killed: int) -> None:
    per_address = w.sink.per_address()
    twice = {a: n for a, n in per_address.items() if n > 1}
    assert not twice, f"addresses that received two messages: {twice}"
    uncertain = [a for a, s in statuses.items() if s == "uncertain"]
    assert len(uncertain) <= killed, f"more messages in doubt than killed processes: {uncertain}"
    for c in w.contacts:
        received = per_address[c.email]
        assert received == 1 or statuses.get(c.email) == "uncertain", (c.email, received, statuses.get(c.email))
        if received == 1 and c.email not in uncertain:
            assert statuses[c.email] == "sent", (c.email, statuses[c.email])


async def test_three_replicas_and_a_kill_mid_run_reach_every_contact_exactly_once(spawn, world: World):
    w = world
    replicas = [spawn("ra_outreach", **ENV) for _ in range(3)]
    for r in replicas:
        await r.wait_ready()
    await read_model_ready(w)
    run_id = await w.start_run()

    async def some_sent() -> bool:
        return len(w.sink.received) >= 5

    await eventually(some_sent, timeout=60, what="the first messages")
    runner = owner_of_port(replicas, w.sink.received[-1][1])
    assert runner is not None, "the process sending could not be found"
    runner.kill()
    sent_before_kill = len(w.sink.received)
    assert sent_before_kill < CONTACTS, "the run finished before the kill: make it longer"

    assert await w.finished(run_id) == "completed"
    statuses = await w.statuses()
    assert_each_contact_reached_at_most_once(w, statuses, killed=1)
    assert len(w.sink.received) > sent_before_kill  # another replica finished the run
    # A later run sends nothing more: everyone is in cooldown (the uncertain one included).
    again = await w.start_run()
    assert await w.finished(again) == "completed"
    assert_each_contact_reached_at_most_once(w, await w.statuses(), killed=1)


async def test_killed_after_claiming_before_sending_the_claims_are_all_sent_once(spawn, world: World):
    w = world
    doomed = spawn("ra_outreach", RA_CRASH_AT="after-claim:outreach", **ENV)
    await doomed.wait_ready()
    await read_model_ready(w)
    run_id = await w.start_run()
    assert await doomed.wait_exit(timeout=60) == -9
    assert w.sink.received == []
    assert await w.scalar("SELECT count(*) FROM outreach.outreach_events WHERE status = 'claimed'") == CONTACTS
    for _ in range(2):
        spawn("ra_outreach", **ENV)
    assert await w.finished(run_id) == "completed"
    statuses = await w.statuses()
    assert set(statuses.values()) == {"sent"}
    assert w.sink.per_address() == Counter({c.email: 1 for c in w.contacts})


async def test_killed_after_the_server_accepted_a_message_that_message_is_uncertain_not_resent(spawn, world: World):
    w = world
    doomed = spawn("ra_outreach", RA_CRASH_AT="after-data:outreach", **ENV)
    await doomed.wait_ready()
    await read_model_ready(w)
    run_id = await w.start_run()
    assert await doomed.wait_exit(timeout=60) == -9
    [(first, _)] = w.sink.received  # accepted by the server, never recorded as sent
    for _ in range(2):
        spawn("ra_outreach", **ENV)
    assert await w.finished(run_id) == "completed"
    statuses = await w.statuses()
    assert statuses[first] == "uncertain"
    assert Counter(statuses.values()) == {"sent": CONTACTS - 1, "uncertain": 1}
    assert w.sink.per_address() == Counter({c.email: 1 for c in w.contacts})
    message_id = await w.scalar("SELECT message_id FROM outreach.outreach_events WHERE status = 'uncertain'")
    assert message_id and message_id.endswith(">")
