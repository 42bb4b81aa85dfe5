"""The connection test of a mailbox (SOP §6.1 "Test Connection"): SMTP connect, STARTTLS or implicit TLS, login;
then an IMAP login when the mailbox has an IMAP server. Each step has a timeout; a failure says what to fix."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from ra_runtime.mailnet import MailConnectError, check_imap, open_smtp

from ra_warmup.models import SenderMailbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailPolicy:
    """The operator's switches (ServiceConfig: RA_ALLOW_PRIVATE_MAIL_HOSTS, RA_MAIL_PORTS, RA_MAIL_CA_FILE)."""

    allow_private: bool = False
    ports: str | None = None
    ca_file: str | None = None


@dataclass(frozen=True)
class Endpoints:
    """What a test needs, copied out of the row so no database connection is held while the servers talk."""

    mailbox_id: Any
    email: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    login: str
    imap_host: str | None
    imap_port: int | None
    imap_security: str | None
    fingerprint: str
    provider: str = ""

    @classmethod
    def of(cls, mailbox: SenderMailbox) -> Endpoints:
        return cls(
            mailbox_id=mailbox.mailbox_id,
            email=mailbox.email,
            smtp_host=mailbox.smtp_host,
            smtp_port=mailbox.smtp_port,
            smtp_security=mailbox.smtp_security,
            login=mailbox.smtp_username or mailbox.email,
            imap_host=mailbox.imap_host,
            imap_port=mailbox.imap_port,
            imap_security=mailbox.imap_security,
            fingerprint=fingerprint(mailbox),
            provider=mailbox.provider,
        )


def fingerprint(mailbox: SenderMailbox) -> str:
    """Changes when anything the test depends on changes (then a result in flight no longer applies)."""
    parts = (
        mailbox.smtp_host,
        mailbox.smtp_port,
        mailbox.smtp_security,
        mailbox.smtp_username,
        mailbox.email,
        mailbox.imap_host,
        mailbox.imap_port,
        mailbox.imap_security,
        mailbox.password_encrypted,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


#: What usually fixes a refused login at the big providers (SOP §6.1).
LOGIN_HINTS = {
    "gmail": "Gmail needs an app password (turn on 2-Step Verification first, then create one for Mail); "
    "the account password is refused.",
    "microsoft365": "Microsoft 365 refuses SMTP logins unless SMTP AUTH is enabled for this mailbox in the "
    "Microsoft 365 admin center (Active users → Mail → Manage email apps → Authenticated SMTP).",
}


def provider_family(provider: str, host: str) -> str | None:
    """gmail / microsoft365 from the mailbox's provider or its SMTP host, else None."""
    p, h = provider.lower(), host.lower()
    if "gmail" in p or "google" in p or h.endswith(("gmail.com", "googlemail.com")):
        return "gmail"
    if any(k in p for k in ("microsoft", "office", "outlook", "m365", "o365")) or h.endswith(
        ("office365.com", "outlook.com")
    ):
        return "microsoft365"
    return None


def _outcome(
    started: float, error: MailConnectError | None, ok_message: str, target: Endpoints | None = None
) -> dict[str, Any]:
    elapsed_ms = round((asyncio.get_running_loop().time() - started) * 1000)
    if error is None:
        return {"ok": True, "kind": "ok", "stage": "login", "message": ok_message, "elapsed_ms": elapsed_ms}
    family = provider_family(target.provider, target.smtp_host) if target is not None else None
    return {
        "ok": False,
        "kind": error.kind,
        "stage": error.stage,
        "message": error.message,
        "elapsed_ms": elapsed_ms,
        "hint": LOGIN_HINTS.get(family or "") if error.kind == "auth" else None,
    }


async def probe_smtp(target: Endpoints, password: str, *, timeout: float, policy: MailPolicy) -> dict[str, Any]:
    started = asyncio.get_running_loop().time()
    try:
        smtp = await open_smtp(
            target.smtp_host,
            target.smtp_port,
            target.smtp_security,
            target.login,
            password,
            timeout=timeout,
            allow_private=policy.allow_private,
            ca_file=policy.ca_file,
            allowed_ports=policy.ports,
        )
    except MailConnectError as exc:
        return _outcome(started, exc, "", target)
    with contextlib.suppress(Exception):
        await smtp.quit()
    smtp.close()
    how = {"starttls": "STARTTLS", "ssl": "implicit TLS", "none": "no TLS"}[target.smtp_security]
    return _outcome(started, None, f"logged in to {target.smtp_host}:{target.smtp_port} ({how})")


async def probe_imap(target: Endpoints, password: str, *, timeout: float, policy: MailPolicy) -> dict[str, Any] | None:
    if not target.imap_host:
        return None
    port = target.imap_port or 993
    security = target.imap_security or ("ssl" if port == 993 else "starttls")
    started = asyncio.get_running_loop().time()
    try:
        await check_imap(
            target.imap_host,
            port,
            security,
            target.login,
            password,
            timeout=timeout,
            allow_private=policy.allow_private,
            ca_file=policy.ca_file,
            allowed_ports=policy.ports,
        )
    except MailConnectError as exc:
        return _outcome(started, exc, "", target)
    return _outcome(started, None, f"logged in to {target.imap_host}:{port}")


async def run_connection_test(
    target: Endpoints, password: str, *, timeout: float, policy: MailPolicy
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(smtp outcome, imap outcome or None); never raises for a server's failure."""
    smtp = await probe_smtp(target, password, timeout=timeout, policy=policy)
    imap = await probe_imap(target, password, timeout=timeout, policy=policy)
    log.info(
        "connection test of mailbox %s: smtp %s, imap %s",
        target.mailbox_id,
        smtp["kind"],
        imap["kind"] if imap else "-",
    )
    return smtp, imap
