"""One outreach email as sent (RFC 5322 + RFC 8058 one-click unsubscribe + the CAN-SPAM footer)."""

from __future__ import annotations

import binascii
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate

from ra_outreach.templates import merge_values, render


@dataclass(frozen=True)
class Sender:
    email: str
    display_name: str | None

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    @property
    def domain(self) -> str:
        return self.email.rsplit("@", 1)[-1].lower()


def message_id(event_id: uuid.UUID, sender_email: str) -> str:
    """Deterministic per outreach event: a reconciliation can name the exact message to look for."""
    return f"<{event_id}@{sender_email.rsplit('@', 1)[-1].lower()}>"


def footer(sender_name: str, postal_address: str, unsubscribe: str) -> str:
    lines = ["", "--", sender_name]
    lines += [line.strip() for line in postal_address.splitlines() if line.strip()]
    lines += ["", f"Don't want to hear from us again? Unsubscribe: {unsubscribe}"]
    return "\n".join(lines) + "\n"


def _clean(value: str) -> str:
    """One header line: no CR/LF from contact data can start a header of its own."""
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def _address(name: str, address: str) -> str:
    return formataddr((_clean(name), address), charset="utf-8")


def _text_header(value: str) -> str:
    text = _clean(value)
    if text.isascii() and len(text) <= 900:
        return text
    return Header(text, "utf-8").encode(maxlinelen=76)


def build_message(
    *,
    sender: Sender,
    recipient: str,
    fields: Mapping[str, str | None],
    subject_template: str,
    body_template: str,
    msg_id: str,
    postal_address: str,
    unsubscribe: str,
) -> bytes:
    """The message as sent (CRLF line ends), written directly: the ``email`` package's header machinery
    costs more than the whole SMTP conversation, and every header here is known in advance."""
    values = merge_values(fields, sender.name, sender.email)
    body = render(body_template, values).rstrip() + "\n" + footer(sender.name, postal_address, unsubscribe)
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if body.isascii() and all(len(line) <= 990 for line in lines):
        encoding, payload = "7bit", "\r\n".join(lines)
    else:
        qp = binascii.b2a_qp("\n".join(lines).encode("utf-8")).decode("ascii")
        encoding, payload = "quoted-printable", qp.replace("\n", "\r\n")
    headers = [
        ("From", _address(sender.name, sender.email)),
        ("To", _address(values["full_name"] or "", recipient)),
        ("Subject", _text_header(render(subject_template, values))),
        ("Date", formatdate(usegmt=True)),
        ("Message-ID", msg_id),
        ("List-Unsubscribe", f"<{unsubscribe}>"),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("MIME-Version", "1.0"),
        ("Content-Type", 'text/plain; charset="utf-8"'),
        ("Content-Transfer-Encoding", encoding),
    ]
    head = "".join(f"{k}: {v}\r\n" for k, v in headers)
    return (head + "\r\n" + payload.rstrip("\r\n") + "\r\n").encode("utf-8" if encoding == "7bit" else "ascii")
