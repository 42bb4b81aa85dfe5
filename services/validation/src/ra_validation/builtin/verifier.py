"""The key-free validator: syntax, throwaway domains and role accounts locally, then DNS (MX, or A/AAAA as an
implicit MX) and a polite SMTP conversation with the domain's mail server that stops before DATA.

Use one :class:`BuiltinVerifier` for the life of the service: its MX cache and its per-server limits only
protect anyone when every check goes through the same instance. See :mod:`.replies` for how answers map to
the SOP's statuses.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import dns.asyncresolver
import dns.resolver
from email_validator import EmailNotValidError, validate_email

from ra_validation.builtin.limits import DomainLimits
from ra_validation.builtin.lists import is_disposable, is_role
from ra_validation.builtin.mx import MailRouter, RouteFailure, make_resolver
from ra_validation.builtin.probe import ProbeSettings, probe_mailbox
from ra_validation.builtin.replies import judge
from ra_validation.providers.base import ValidationProviderError, Verdict, VerdictStatus

#: Settings keys read by :meth:`BuiltinConfig.from_settings` (all optional; defaults below).
SETTINGS_KEYS = (
    "builtin_helo_name",
    "builtin_mail_from",
    "builtin_smtp_port",
    "builtin_dns_server",
    "builtin_per_domain_connections",
    "builtin_per_domain_rate",
    "builtin_timeout_seconds",
)


@dataclass(frozen=True)
class BuiltinConfig:
    #: the name given in EHLO; should be this host's FQDN with matching forward and reverse DNS
    helo_name: str
    #: the MAIL FROM address; a real mailbox at a domain you control (some servers verify it)
    mail_from: str
    smtp_port: int = 25
    #: DNS servers as (IP, port); ``None`` = the system resolver
    nameservers: list[tuple[str, int]] | None = None
    #: for each DNS lookup and each SMTP step (connect, every command)
    timeout_seconds: float = 10.0
    #: concurrent SMTP sessions per mail server (keyed by the domain's primary MX host)
    per_domain_connections: int = 2
    #: session starts per second per mail server
    per_domain_rate: float = 5.0
    #: concurrent SMTP sessions over all servers
    max_concurrency: int = 50
    #: how long an MX answer (or a definite "no mail here") is reused
    mx_cache_seconds: float = 3600.0
    #: ``retry_after`` hint for a temporary refusal that names no wait
    greylist_retry_seconds: int = 300
    #: accept ``.test`` domains (email-validator refuses special-use names otherwise); for tests only
    test_environment: bool = False

    def __post_init__(self) -> None:
        if self.per_domain_connections < 1 or self.max_concurrency < 1:
            raise ValueError("per_domain_connections and max_concurrency must be at least 1")
        if self.per_domain_rate <= 0 or self.timeout_seconds <= 0:
            raise ValueError("per_domain_rate and timeout_seconds must be positive")

    @classmethod
    def from_settings(cls, get: Callable[[str], Any]) -> BuiltinConfig:
        """From the Settings catalogue; a key it does not know (yet) or leaves empty gets the default."""

        def setting(key: str) -> Any:
            try:
                value = get(key)
            except KeyError:
                return None
            return None if value is None or (isinstance(value, str) and not value.strip()) else value

        helo = str(setting("builtin_helo_name") or _machine_name()).strip()
        dns_server = setting("builtin_dns_server")
        return cls(
            helo_name=helo,
            mail_from=str(setting("builtin_mail_from") or f"verify@{helo}").strip(),
            smtp_port=int(setting("builtin_smtp_port") or 25),
            nameservers=parse_nameservers(str(dns_server)) if dns_server else None,
            timeout_seconds=float(setting("builtin_timeout_seconds") or 10.0),
            per_domain_connections=int(setting("builtin_per_domain_connections") or 2),
            per_domain_rate=float(setting("builtin_per_domain_rate") or 5.0),
        )


def parse_nameservers(text: str) -> list[tuple[str, int]]:
    """``"10.0.0.2"``, ``"127.0.0.1:5353"``, ``"[::1]:53"``, several separated by commas."""
    servers: list[tuple[str, int]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") else 53
        elif item.count(":") == 1:
            host, _, port_text = item.partition(":")
            port = int(port_text)
        else:
            host, port = item, 53  # a bare IPv4 or IPv6 address
        servers.append((host, port))
    return servers


class BuiltinVerifier:
    """An :class:`~ra_validation.providers.base.EmailValidator` that needs no API key."""

    name: ClassVar[str] = "builtin"
    paid: ClassVar[bool] = False
    #: Checks a caller may have in flight: the verifier queues them per mail server itself.
    max_in_flight: ClassVar[int] = 200

    def __init__(self, config: BuiltinConfig, *, resolver: dns.asyncresolver.Resolver | None = None) -> None:
        self.config = config
        self._resolver = resolver
        self._router: MailRouter | None = None
        self.limits = DomainLimits(config.per_domain_connections, config.per_domain_rate)
        self._sessions = asyncio.Semaphore(config.max_concurrency)
        self._probe = ProbeSettings(
            port=config.smtp_port,
            helo_name=config.helo_name,
            mail_from=config.mail_from,
            timeout=config.timeout_seconds,
        )

    @classmethod
    def from_settings(cls, get: Callable[[str], Any]) -> BuiltinVerifier:
        return cls(BuiltinConfig.from_settings(get))

    @property
    def router(self) -> MailRouter:
        if self._router is None:
            try:
                resolver = self._resolver or make_resolver(self.config.nameservers, self.config.timeout_seconds)
            except dns.resolver.NoResolverConfiguration as exc:
                raise ValidationProviderError(
                    "config", "the built-in verifier found no DNS resolver: set builtin_dns_server in Settings"
                ) from exc
            except ValueError as exc:
                raise ValidationProviderError("config", f"builtin_dns_server is not an IP address: {exc}") from exc
            self._router = MailRouter(resolver, cache_seconds=self.config.mx_cache_seconds)
        return self._router

    async def check(self, email: str) -> Verdict:
        started = time.perf_counter()
        raw: dict[str, Any] = {}

        def verdict(status: VerdictStatus, sub_status: str | None) -> Verdict:
            raw["timings_ms"] = raw.get("timings_ms", {}) | {"total": _ms_since(started)}
            return Verdict(email=email, status=status, sub_status=sub_status, provider=self.name, raw=raw)

        address = email.strip()
        try:
            parsed = validate_email(address, check_deliverability=False, test_environment=self.config.test_environment)
        except EmailNotValidError as exc:
            raw["error"] = str(exc)
            return verdict("invalid", "syntax")
        domain = parsed.ascii_domain.lower()
        local = parsed.local_part
        raw["normalized"] = parsed.normalized
        raw["role"] = role = is_role(local)
        if is_disposable(domain):
            return verdict("invalid", "disposable")

        looked_up = time.perf_counter()
        route = await self.router.route(domain)
        raw["timings_ms"] = {"dns": _ms_since(looked_up)}  # about 0 when the MX answer was cached
        if isinstance(route, RouteFailure):
            raw["dns_error"] = route.detail
            return verdict("invalid" if route.problem == "no_mx" else "unknown", route.problem)
        raw["mx"] = route.to_raw()
        raw["implicit_mx"] = route.implicit

        recipient = f"{local}@{domain}"
        decoy = f"{_decoy_local_part()}@{domain}"
        waited = time.perf_counter()
        async with self.limits.slot(route.limit_key), self._sessions:
            raw["timings_ms"]["queue"] = _ms_since(waited)
            probe = await probe_mailbox(route, recipient, decoy, self._probe, smtputf8=not local.isascii())
        raw["timings_ms"]["smtp"] = probe.smtp_ms
        raw["attempts"] = probe.attempts
        raw["commands"] = probe.commands
        raw["rcpt"] = probe.rcpt.to_raw() if probe.rcpt else None
        raw["catch_all_probe"] = probe.decoy.to_raw() | {"address": decoy} if probe.decoy else None
        if probe.problem_reply is not None:
            raw["problem_reply"] = probe.problem_reply.to_raw()
        if probe.problem_detail:
            raw["problem"] = probe.problem_detail
        judgement = judge(probe, role=role, default_retry=self.config.greylist_retry_seconds)
        if judgement.retry_after is not None:
            raw["retry_after"] = judgement.retry_after
        return verdict(judgement.status, judgement.sub_status)

    @property
    def domain_lookups(self) -> int:
        """MX lookups sent so far; every other check of a domain was answered from the cache."""
        return self._router.lookups if self._router else 0


@functools.cache
def _machine_name() -> str:
    # getfqdn() may ask DNS for this host's reverse name, which can block: once per process is enough.
    return socket.getfqdn() or "localhost"


def _decoy_local_part() -> str:
    # Looks like a person's mailbox to the server, but nobody has it.
    return "x" + secrets.token_hex(7)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
