"""What a sender mailbox (SOP §6.2) is made of when a person enters one: the checks the gateway applies to a
request and the warmup service, which owns mailboxes, applies again — one implementation for both."""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

#: How a mail server is spoken to: STARTTLS upgrade, TLS from the first byte, or plain (a local relay).
MailSecurity = Literal["starttls", "ssl", "none"]

MailboxSort = Literal[
    "email",
    "display_name",
    "provider",
    "warmup_status",
    "connection_status",
    "daily_send_limit",
    "emails_sent_today",
    "created_at",
    "last_tested_at",
]

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def host_name(value: str) -> str:
    """A DNS name or an IP address, lower-cased, without a trailing dot. Where it resolves to is checked by
    the owner when it connects (``ra_runtime.mailnet``), not here."""
    text = value.strip().lower().removesuffix(".")
    literal = text.removeprefix("[").removesuffix("]")
    try:
        return str(ipaddress.ip_address(literal))
    except ValueError:
        pass
    if not text or len(text) > 253 or not all(_LABEL.match(label) for label in text.split(".")):
        raise ValueError("must be a host name or an IP address")
    return text


def email_address(value: str) -> str:
    """A mailbox's address, lower-cased: one ``@``, a local part without spaces or delimiters, and a domain
    that is a dotted host name."""
    text = value.strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local or len(text) > 254 or any(c.isspace() or c in '@<>,;"' for c in local):
        raise ValueError("not an email address")
    try:
        checked = host_name(domain)
    except ValueError:
        checked = ""
    if "." not in domain or checked != domain:
        raise ValueError("not an email address")
    return text
