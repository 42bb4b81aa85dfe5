"""What a mail server's answers say about an address, as a verdict (SOP §4.1 statuses).

The rules, in short:

* RCPT accepted (2xx) and the made-up address refused (any 5xx) → **valid**; both accepted → **catch_all**.
  Either way ``sub_status`` is ``role`` for role accounts (``info@``, ``sales@``), else empty.
* RCPT refused permanently because of the mailbox (550/551/553, or an enhanced code 5.1.x) →
  **invalid** / ``mailbox_not_found`` (also 5.2.1, a disabled mailbox).
* 552 or 5.2.2, mailbox full → **invalid** / ``full_inbox``: a permanently full mailbox is an abandoned
  one, and a bounce costs the sender's reputation as much as any other. A temporary 452 / 4.2.2 is
  **unknown** / ``full_inbox`` with a ``retry_after`` hint instead.
* Any other 4xx (greylisting 450/451, "try later" 421) at any step → **unknown** / ``greylisted`` with
  ``retry_after`` (seconds) in ``raw``: the service asks again later.
* Refusals about the sender rather than the mailbox (5.7.x policy, block lists, a 5xx banner or MAIL FROM)
  → **unknown** / ``blocked``: the probe IP or HELO name needs attention, the address may be fine.
* No connection on any MX → **unknown** / ``timeout`` (every attempt timed out) or ``unreachable``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ra_validation.builtin.probe import ProbeResult, Reply

Status = Literal["valid", "invalid", "catch_all", "unknown"]
Meaning = Literal["accepted", "no_mailbox", "disabled", "full", "full_temporary", "temporary", "blocked", "other"]

_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})(?!\d)")
_BLOCKED = re.compile(
    r"block|blacklist|black list|spamhaus|barracuda|\blisted\b|policy|reputation|\bspam\b|banned|relay|"
    r"access denied|not authori[sz]ed|\brbl\b|dnsbl",
    re.IGNORECASE,
)
_NO_MAILBOX = re.compile(
    r"no such|unknown|does ?n[o']?t exist|not exist|doesn.t have|not found|invalid (recipient|mailbox|address|user)|"
    r"no mailbox|mailbox (is )?unavailable|undeliverable|not a valid|unrouteable|recipient rejected",
    re.IGNORECASE,
)
_FULL = re.compile(r"\bfull\b|quota|over ?limit|insufficient storage", re.IGNORECASE)
_RETRY = re.compile(r"(\d{1,5})\s*(seconds?|secs?|s\b|minutes?|mins?)", re.IGNORECASE)


def rcpt_meaning(reply: Reply) -> Meaning:
    """What one reply to RCPT TO says about that recipient."""
    code, message = reply.code, reply.message
    if 200 <= code < 300:
        return "accepted"
    enhanced = _ENHANCED.match(message)
    subject, detail = (int(enhanced[2]), int(enhanced[3])) if enhanced else (0, 0)
    if 400 <= code < 500:
        if (subject, detail) == (2, 2) or (code == 452 and _FULL.search(message)):
            return "full_temporary"
        return "temporary"
    if not 500 <= code < 600:
        return "other"
    if enhanced and (subject, detail) != (0, 0):
        if subject == 1:
            return "no_mailbox"  # addressing: bad mailbox (5.1.1), bad domain, moved, …
        if subject == 2:
            return "disabled" if detail == 1 else "full" if detail == 2 else "no_mailbox"
        if subject in (3, 4, 7):
            return "blocked"  # mail system, routing, policy/security: not a statement about the mailbox
        return "other"  # 5.5.x protocol trouble
    if _BLOCKED.search(message):
        return "blocked"
    if code == 552 or _FULL.search(message):
        return "full"
    if code in (550, 551, 553) or _NO_MAILBOX.search(message):
        return "no_mailbox"
    return "other"


def retry_after_seconds(reply: Reply | None, default: int) -> int:
    """The wait a temporary refusal asks for ("try again in 5 minutes"), else ``default``; 1 min to 1 day."""
    match = _RETRY.search(reply.message) if reply is not None else None
    if match is None:
        return default
    seconds = int(match[1]) * (60 if match[2].lower().startswith("m") else 1)
    return max(60, min(seconds, 86_400))


@dataclass(frozen=True)
class Judgement:
    status: Status
    sub_status: str | None
    #: seconds after which asking again may give an answer (temporary refusals only)
    retry_after: int | None = None


def judge(probe: ProbeResult, *, role: bool, default_retry: int) -> Judgement:
    """The verdict on an address from one SMTP conversation about it."""
    accepted_sub = "role" if role else None
    rcpt = probe.rcpt
    if rcpt is None:
        return _problem(probe, default_retry)
    meaning = rcpt_meaning(rcpt)
    if meaning == "accepted":
        if probe.decoy is None:
            return _problem(probe, default_retry)
        decoy = rcpt_meaning(probe.decoy)
        if decoy == "accepted":
            return Judgement("catch_all", accepted_sub)
        if decoy in ("temporary", "full_temporary"):
            # Cannot tell a real mailbox from a catch-all until the server answers the made-up address.
            return Judgement("unknown", "greylisted", retry_after_seconds(probe.decoy, default_retry))
        return Judgement("valid", accepted_sub)
    if meaning in ("no_mailbox", "disabled"):
        return Judgement("invalid", "mailbox_not_found")
    if meaning == "full":
        return Judgement("invalid", "full_inbox")
    if meaning == "full_temporary":
        return Judgement("unknown", "full_inbox", retry_after_seconds(rcpt, default_retry))
    if meaning == "temporary":
        return Judgement("unknown", "greylisted", retry_after_seconds(rcpt, default_retry))
    if meaning == "blocked":
        return Judgement("unknown", "blocked")
    return Judgement("unknown", "smtp_error")


def _problem(probe: ProbeResult, default_retry: int) -> Judgement:
    problem = probe.problem or "smtp_error"
    if problem == "greylisted":
        return Judgement("unknown", "greylisted", retry_after_seconds(probe.problem_reply, default_retry))
    return Judgement("unknown", problem)
