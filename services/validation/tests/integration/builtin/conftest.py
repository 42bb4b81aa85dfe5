"""One local DNS server and one SMTP server for all the built-in verifier's tests (see ``servers.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from ra_runtime.embedded import free_port
from ra_validation.builtin import BuiltinConfig, BuiltinVerifier

from .servers import GREYLISTED, LocalDns, LocalSmtp, MailPolicy, MailServerRules, Zone

#: What each test domain is (the SMTP server answers by recipient domain; all MX hosts are 127.0.0.1
#: unless noted).
POLICIES = {
    "accept.test": MailPolicy(accept="known", mailboxes=frozenset({"alice", "bob", "info"})),
    "reject.test": MailPolicy(accept="none"),
    "catchall.test": MailPolicy(accept="all"),
    "greylist.test": MailPolicy(reply=GREYLISTED),
    "full.test": MailPolicy(reply="552 5.2.2 Mailbox full"),
    "blocked.test": MailPolicy(reply="550 5.7.1 Client host blocked using zen.spamhaus.org"),
    "nomx.test": MailPolicy(accept="known", mailboxes=frozenset({"dave"})),
    "backup.test": MailPolicy(accept="known", mailboxes=frozenset({"erin"})),
    "busy.test": MailPolicy(accept="all", delay=0.01),
}


def build_zone() -> Zone:
    zone = Zone()
    for domain in ("accept.test", "reject.test", "catchall.test", "greylist.test", "full.test", "blocked.test"):
        zone.add_domain(domain)
    zone.add_domain("busy.test")
    # No MX, only an A record: the domain itself is the mail host (RFC 5321 §5.1).
    zone.a["nomx.test"] = ["127.0.0.1"]
    # Exists, but has neither MX nor A/AAAA.
    zone.empty.add("empty.test")
    # RFC 7505 null MX: "this domain takes no mail".
    zone.mx["nullmx.test"] = [(0, ".")]
    # The best MX refuses connections (nothing listens on 127.0.0.2); the backup answers.
    zone.mx["backup.test"] = [(10, "down.backup.test"), (20, "mx.backup.test")]
    zone.a["down.backup.test"] = ["127.0.0.2"]
    zone.a["mx.backup.test"] = ["127.0.0.1"]
    # The only MX refuses connections.
    zone.add_domain("refused.test", ip="127.0.0.2")
    # The only MX accepts TCP and never greets (a SilentServer on 127.0.0.3).
    zone.add_domain("tarpit.test", ip="127.0.0.3")
    # The DNS server never answers about this domain, or about its MX host.
    zone.silent.add("slowdns.test")
    zone.mx["slowmx.test"] = [(10, "mx.slowmx.test")]
    zone.silent.add("mx.slowmx.test")
    return zone


@pytest.fixture(scope="session")
def dns_server() -> Iterator[LocalDns]:
    with LocalDns(build_zone()) as server:
        yield server


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[LocalSmtp]:
    with LocalSmtp(MailServerRules(POLICIES), port=free_port()) as server:
        yield server


@pytest.fixture
def make_verifier(dns_server: LocalDns, smtp_server: LocalSmtp) -> Callable[..., BuiltinVerifier]:
    """A fresh verifier (empty MX cache) pointed at the local servers; keyword arguments override the config."""

    def make(**overrides: Any) -> BuiltinVerifier:
        settings: dict[str, Any] = {
            "helo_name": "probe.ra.test",
            "mail_from": "verify@ra.test",
            "smtp_port": smtp_server.port,
            "nameservers": dns_server.nameservers,
            "timeout_seconds": 3.0,
            "per_domain_rate": 1000.0,
            "test_environment": True,
        }
        return BuiltinVerifier(BuiltinConfig(**(settings | overrides)))

    return make


@pytest.fixture
def verifier(make_verifier: Callable[..., BuiltinVerifier]) -> BuiltinVerifier:
    return make_verifier()
