"""Real local servers for the built-in verifier: an authoritative DNS server (dnslib) for made-up domains and
an SMTP server (aiosmtpd) whose answers depend on the recipient's domain. Used by the tests here and by
``bench/validation_builtin.py``.

Every mail host resolves to 127.0.0.1 and the single SMTP server answers for every domain, so one verifier
config (``smtp_port`` = the server's port) reaches all of them. Other loopback addresses stand for broken
servers: nothing listens on them, so connecting is refused at once.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from dnslib import AAAA, MX, QTYPE, RCODE, RR, A, DNSError, DNSRecord
from dnslib.server import BaseResolver, DNSHandler, DNSLogger, DNSServer

# --------------------------------------------------------------------------------------------------- DNS


@dataclass
class Zone:
    """Records served. A name in no table is NXDOMAIN; a known name without the asked type is an empty
    answer (NOERROR); a name in ``silent`` gets no reply at all, so the client times out."""

    mx: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    a: dict[str, list[str]] = field(default_factory=dict)
    aaaa: dict[str, list[str]] = field(default_factory=dict)
    silent: set[str] = field(default_factory=set)
    #: names that exist but have no records (e.g. a domain with neither MX nor A)
    empty: set[str] = field(default_factory=set)
    queries: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add_domain(self, domain: str, mail_host: str | None = None, ip: str = "127.0.0.1") -> None:
        """``domain`` with one MX, ``mx.<domain>`` (or ``mail_host``), resolving to ``ip``."""
        host = mail_host or f"mx.{domain}"
        self.mx[domain] = [(10, host)]
        self.a.setdefault(host, []).append(ip)


class _ZoneResolver(BaseResolver):  # type: ignore[misc]
    def __init__(self, zone: Zone) -> None:
        self.zone = zone
        self._lock = threading.Lock()

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        name = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        zone = self.zone
        with self._lock:
            zone.queries[(name, qtype)] += 1
        if name in zone.silent:
            raise DNSError("dropped on purpose")  # dnslib's handler then sends nothing
        reply = request.reply()
        known = name in zone.mx or name in zone.a or name in zone.aaaa or name in zone.empty
        if not known:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        if qtype == "MX":
            for preference, host in zone.mx.get(name, []):
                reply.add_answer(RR(name, QTYPE.MX, rdata=MX(host or ".", preference), ttl=60))
        elif qtype == "A":
            for ip in zone.a.get(name, []):
                reply.add_answer(RR(name, QTYPE.A, rdata=A(ip), ttl=60))
        elif qtype == "AAAA":
            for ip in zone.aaaa.get(name, []):
                reply.add_answer(RR(name, QTYPE.AAAA, rdata=AAAA(ip), ttl=60))
        return reply


class LocalDns:
    """The zone served over UDP on 127.0.0.1 and a free port, in a background thread."""

    def __init__(self, zone: Zone) -> None:
        self.zone = zone
        self._server = DNSServer(
            _ZoneResolver(zone), address="127.0.0.1", port=0, logger=DNSLogger(log="-request,-reply,-error")
        )
        self.port: int = self._server.server.server_address[1]

    @property
    def nameservers(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", self.port)]

    def __enter__(self) -> LocalDns:
        self._server.start_thread()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()
        self._server.server.server_close()


# -------------------------------------------------------------------------------------------------- SMTP

ACCEPT = "250 2.1.5 OK"
UNKNOWN_USER = "550 5.1.1 User unknown"
GREYLISTED = "450 4.2.0 Greylisted"
FULL = "552 5.2.2 Mailbox full"


@dataclass
class MailPolicy:
    """How the server answers RCPT for one domain: ``known`` mailboxes only, ``all`` (catch-all),
    ``none`` (every address unknown), or a fixed ``reply`` for every recipient (greylisting, full …)."""

    accept: str = "known"
    mailboxes: frozenset[str] = frozenset()
    reply: str | None = None
    #: seconds to wait before answering RCPT (a slow server)
    delay: float = 0.0

    def answer(self, local_part: str) -> str:
        if self.reply is not None:
            return self.reply
        if self.accept == "all" or (self.accept == "known" and local_part.lower() in self.mailboxes):
            return ACCEPT
        return UNKNOWN_USER


class MailServerRules:
    """The aiosmtpd handler: answers by recipient domain and records what clients did.

    ``sessions_now`` / ``max_sessions`` count, per domain, open connections that have asked about a
    recipient there; every counter is only touched from the server's own thread.
    """

    def __init__(self, policies: dict[str, MailPolicy] | None = None) -> None:
        self.policies: dict[str, MailPolicy] = dict(policies or {})
        self.commands: Counter[str] = Counter()
        self.rcpts: list[str] = []
        self.sessions_now: Counter[str] = Counter()
        self.max_sessions: Counter[str] = Counter()
        self.connections = 0

    def note_command(self, verb: str) -> None:
        self.commands[verb] += 1

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        local, _, domain = address.rpartition("@")
        domain = domain.lower()
        self.rcpts.append(address)
        counted: set[str] = session.__dict__.setdefault("counted_domains", set())
        if domain not in counted:
            counted.add(domain)
            self.sessions_now[domain] += 1
            self.max_sessions[domain] = max(self.max_sessions[domain], self.sessions_now[domain])
        policy = self.policies.get(domain, MailPolicy(accept="none"))
        if policy.delay:
            await asyncio.sleep(policy.delay)
        answer = policy.answer(local)
        if answer.startswith("2"):
            envelope.rcpt_tos.append(address)
        return answer

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "554 5.7.0 This test server takes no mail"

    def session_ended(self, session: Session | None) -> None:
        if session is None:
            return
        for domain in session.__dict__.pop("counted_domains", set()):
            self.sessions_now[domain] -= 1

    def max_sessions_per_domain(self) -> int:
        return max(self.max_sessions.values(), default=0)


class _RecordingSMTP(SMTP):  # type: ignore[misc]
    """aiosmtpd's server, telling the rules which commands arrived and when a connection ends."""

    rules: MailServerRules

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.rules.connections += 1

    def connection_lost(self, error: Exception | None) -> None:
        self.rules.session_ended(self.session)
        super().connection_lost(error)

    async def smtp_EHLO(self, arg: str) -> None:
        self.rules.note_command("EHLO")
        await super().smtp_EHLO(arg)

    async def smtp_HELO(self, arg: str) -> None:
        self.rules.note_command("HELO")
        await super().smtp_HELO(arg)

    async def smtp_MAIL(self, arg: str) -> None:
        self.rules.note_command("MAIL")
        await super().smtp_MAIL(arg)

    async def smtp_RCPT(self, arg: str) -> None:
        self.rules.note_command("RCPT")
        await super().smtp_RCPT(arg)

    async def smtp_RSET(self, arg: str) -> None:
        self.rules.note_command("RSET")
        await super().smtp_RSET(arg)

    async def smtp_VRFY(self, arg: str) -> None:
        self.rules.note_command("VRFY")
        await super().smtp_VRFY(arg)

    async def smtp_DATA(self, arg: str) -> None:
        self.rules.note_command("DATA")
        await super().smtp_DATA(arg)

    async def smtp_QUIT(self, arg: str) -> None:
        self.rules.note_command("QUIT")
        self.rules.session_ended(self.session)
        await super().smtp_QUIT(arg)


class _RecordingController(Controller):  # type: ignore[misc]
    def factory(self) -> SMTP:
        server = _RecordingSMTP(self.handler, **self.SMTP_kwargs)
        server.rules = self.handler
        return server


async def serve_smtp(rules: MailServerRules, host: str, port: int, *, reuse_port: bool = False) -> asyncio.Server:
    """``rules`` served by aiosmtpd in the running event loop (the benchmark's server processes)."""
    loop = asyncio.get_running_loop()

    def connection() -> SMTP:
        server = _RecordingSMTP(rules, hostname="mx.local.test", loop=loop)
        server.rules = rules
        return server

    return await loop.create_server(connection, host, port, reuse_port=reuse_port)


class LocalSmtp:
    """``rules`` served by aiosmtpd on ``host`` and a free port, in the Controller's thread."""

    def __init__(self, rules: MailServerRules, port: int, host: str = "127.0.0.1") -> None:
        self.rules = rules
        self.port = port
        self._controller = _RecordingController(
            rules, hostname=host, port=port, server_hostname="mx.local.test", ready_timeout=10
        )

    def __enter__(self) -> LocalSmtp:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


class SilentServer:
    """Accepts TCP connections and never says a word (a tarpit): the client's banner wait times out."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> SilentServer:
        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self._writers.append(writer)

        self._server = await asyncio.start_server(hold, self.host, self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for writer in self._writers:
            writer.close()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
