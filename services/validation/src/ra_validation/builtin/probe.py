"""One SMTP conversation that asks a mail server whether it would take mail for an address, without sending
any: banner, EHLO, MAIL FROM, RCPT TO the address, RCPT TO a made-up address at the same domain (is the
server a catch-all?), QUIT. DATA is never sent, so no message is ever delivered.

The server is tried in MX preference order; the next host is tried only when a connection cannot be made
(refused, timed out, or a 4xx banner such as ``421 too busy``). Once a server has answered, its answers
stand: asking a second server of the same domain would double the load and rarely changes the reply.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import aiosmtplib

from ra_validation.builtin.mx import MailRoute

#: Connections attempted per address before giving up (over all MX hosts and their addresses).
MAX_CONNECT_ATTEMPTS = 4

#: What stopped a conversation before the recipient could be judged.
SessionProblem = Literal["timeout", "unreachable", "greylisted", "blocked", "smtp_error", "smtputf8_unsupported"]


@dataclass(frozen=True)
class Reply:
    code: int
    message: str

    def to_raw(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


@dataclass
class ProbeResult:
    attempts: list[dict[str, Any]] = field(default_factory=list)
    #: the reply to RCPT TO the address, if the conversation got that far
    rcpt: Reply | None = None
    #: the reply to RCPT TO the made-up address; only asked when the address was accepted
    decoy: Reply | None = None
    #: set when the conversation ended before a verdict could be reached (even with ``rcpt`` known)
    problem: SessionProblem | None = None
    #: the reply behind ``problem`` (a refused MAIL FROM, a 5xx banner), or what failed
    problem_reply: Reply | None = None
    problem_detail: str | None = None
    #: commands sent, in order, e.g. ``["EHLO", "MAIL", "RCPT", "RCPT", "QUIT"]``
    commands: list[str] = field(default_factory=list)
    smtp_ms: float = 0.0


@dataclass(frozen=True)
class ProbeSettings:
    port: int
    helo_name: str
    mail_from: str
    timeout: float


async def probe_mailbox(
    route: MailRoute, recipient: str, decoy: str, settings: ProbeSettings, *, smtputf8: bool = False
) -> ProbeResult:
    """Ask the route's servers about ``recipient`` (and ``decoy`` if it is accepted)."""
    result = ProbeResult()
    started = time.perf_counter()
    failures: list[SessionProblem] = []
    busy: Reply | None = None
    try:
        for host in route.hosts:
            if not host.addresses:
                result.attempts.append({"host": host.name, "error": host.error or "no_address"})
                failures.append("timeout" if host.error == "timeout" else "unreachable")
                continue
            for ip in host.addresses:
                if len(result.attempts) >= MAX_CONNECT_ATTEMPTS:
                    break
                attempt: dict[str, Any] = {"host": host.name, "ip": ip}
                result.attempts.append(attempt)
                smtp = aiosmtplib.SMTP(
                    hostname=ip,
                    port=settings.port,
                    local_hostname=settings.helo_name,
                    timeout=settings.timeout,
                    start_tls=False,
                )
                try:
                    banner = await smtp.connect()
                except aiosmtplib.SMTPConnectResponseError as exc:
                    attempt["banner"] = Reply(exc.code, exc.message).to_raw()
                    if 400 <= exc.code < 500:
                        failures.append("greylisted")  # "421 busy": another MX may well answer
                        busy = Reply(exc.code, exc.message)
                        continue
                    # A 5xx greeting refuses us (usually our IP's reputation), not the address.
                    result.problem, result.problem_reply = "blocked", Reply(exc.code, exc.message)
                    return result
                except aiosmtplib.SMTPConnectTimeoutError:
                    attempt["error"] = "timeout"
                    failures.append("timeout")
                    continue
                except (aiosmtplib.SMTPConnectError, OSError) as exc:
                    attempt["error"] = str(exc) or type(exc).__name__
                    failures.append("unreachable")
                    continue
                attempt["banner"] = Reply(banner.code, banner.message).to_raw()
                try:
                    await _converse(smtp, recipient, decoy, settings, smtputf8, result)
                finally:
                    smtp.close()
                return result
        if failures and all(f == "timeout" for f in failures):
            result.problem = "timeout"
        elif "greylisted" in failures:
            result.problem, result.problem_reply = "greylisted", busy
        else:
            result.problem = "unreachable"
        return result
    finally:
        result.smtp_ms = round((time.perf_counter() - started) * 1000, 2)


async def _converse(
    smtp: aiosmtplib.SMTP, recipient: str, decoy: str, settings: ProbeSettings, smtputf8: bool, result: ProbeResult
) -> None:
    sent = result.commands
    encoding = "utf-8" if smtputf8 else "ascii"
    try:
        try:
            sent.append("EHLO")
            await smtp.ehlo()
        except aiosmtplib.SMTPHeloError as exc:
            if exc.code < 500:
                raise
            sent.append("HELO")  # a server without ESMTP (RFC 5321 §3.2 asks clients to fall back)
            await smtp.helo()
        if smtputf8 and not smtp.supports_extension("smtputf8"):
            result.problem = "smtputf8_unsupported"
            result.problem_detail = "the address has a non-ASCII local part and the server lacks SMTPUTF8"
        else:
            sent.append("MAIL")
            await smtp.mail(settings.mail_from, options=["SMTPUTF8"] if smtputf8 else None, encoding=encoding)
            sent.append("RCPT")
            result.rcpt = await _rcpt(smtp, recipient, encoding)
            if 200 <= result.rcpt.code < 300:
                sent.append("RCPT")
                result.decoy = await _rcpt(smtp, decoy, "ascii")
        with contextlib.suppress(aiosmtplib.SMTPException, OSError):
            if smtp.is_connected:
                sent.append("QUIT")
                await smtp.quit()
    except aiosmtplib.SMTPResponseException as exc:
        # EHLO/HELO or MAIL FROM refused: an answer about us (HELO name, sender, IP), not about the address.
        result.problem = "greylisted" if 400 <= exc.code < 500 else "blocked"
        result.problem_reply = Reply(exc.code, exc.message)
    except aiosmtplib.SMTPTimeoutError as exc:
        result.problem, result.problem_detail = "timeout", str(exc)
    except (aiosmtplib.SMTPException, OSError) as exc:
        result.problem, result.problem_detail = "smtp_error", str(exc) or type(exc).__name__


async def _rcpt(smtp: aiosmtplib.SMTP, address: str, encoding: str) -> Reply:
    try:
        response = await smtp.rcpt(address, encoding=encoding)
    except aiosmtplib.SMTPRecipientRefused as exc:
        return Reply(exc.code, exc.message)
    return Reply(response.code, response.message)
