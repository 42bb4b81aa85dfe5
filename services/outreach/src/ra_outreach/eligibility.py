"""Who may be reached (SOP §5.2), and who gets which mailbox. Pure rules: no database, no broker.

Per contact, in this order: not suppressed → validation status valid → the cooldown since the last outreach
to the same address → the per-lead limit (contacts of one lead reached within the cooldown window, this run
included). Sending then needs a mailbox with room under its own daily limit and room under the global one.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Literal

SkipReason = Literal["suppressed", "not_valid", "not_validated", "cooldown", "lead_limit", "no_mailbox", "daily_limit"]
SKIP_REASONS: Final[tuple[str, ...]] = (
    "suppressed",
    "not_valid",
    "not_validated",
    "cooldown",
    "lead_limit",
    "no_mailbox",
    "daily_limit",
)
#: Mailbox states that may send outreach (SOP §6.1).
SENDING_STATES: Final[frozenset[str]] = frozenset({"COLD_READY", "ACTIVE"})


@dataclass(frozen=True)
class Candidate:
    """A contact with everything the rules need, as one query reads it."""

    contact_id: uuid.UUID
    lead_id: uuid.UUID
    email: str
    validation_status: str | None
    validated_email: str | None
    suppressed: bool
    last_outreach_at: datetime | None
    #: contacts of the lead reached within the cooldown window before this run
    lead_reached: int
    last_skip_reason: str | None = None


@dataclass
class Verdicts:
    eligible: list[Candidate] = field(default_factory=list)
    skipped: list[tuple[Candidate, SkipReason]] = field(default_factory=list)

    def skip_counts(self) -> Counter[str]:
        return Counter(reason for _, reason in self.skipped)


def judge(candidates: Iterable[Candidate], *, now: datetime, cooldown: timedelta, max_per_lead: int) -> Verdicts:
    """Sort the candidates (in the order given: best first) into eligible and skipped-with-reason.

    One address is reached once per run even when several contacts share it (the others: ``cooldown``).
    """
    out = Verdicts()
    per_lead: Counter[uuid.UUID] = Counter()
    seen: set[str] = set()
    for c in candidates:
        address = c.email.lower()
        reason: SkipReason | None = None
        if c.suppressed:
            reason = "suppressed"
        elif c.validation_status is None or (c.validated_email or "").lower() != address:
            reason = "not_validated"
        elif c.validation_status != "valid":
            reason = "not_valid"
        elif address in seen or (c.last_outreach_at is not None and c.last_outreach_at > now - cooldown):
            reason = "cooldown"
        elif c.lead_reached + per_lead[c.lead_id] >= max_per_lead:
            reason = "lead_limit"
        if reason is not None:
            out.skipped.append((c, reason))
            continue
        seen.add(address)
        per_lead[c.lead_id] += 1
        out.eligible.append(c)
    return out


@dataclass
class MailboxRoom:
    """A mailbox that may send, with what it has claimed today."""

    mailbox_id: uuid.UUID
    email: str
    display_name: str | None
    daily_send_limit: int
    used_today: int

    @property
    def room(self) -> int:
        return max(0, self.daily_send_limit - self.used_today)


def usable(
    *, warmup_status: str, is_active: bool, connection_status: str, is_blacklisted: bool, deleted: bool = False
) -> bool:
    return (
        warmup_status in SENDING_STATES
        and is_active
        and connection_status == "ok"
        and not is_blacklisted
        and not deleted
    )


def assign_mailboxes(
    count: int, mailboxes: Sequence[MailboxRoom], *, global_limit: int, global_used: int
) -> tuple[list[MailboxRoom], SkipReason | None]:
    """Mailboxes for up to ``count`` messages, one at a time to the least-loaded mailbox with room (fewest
    claimed today, then the most room left, then by address), within the global daily limit. ``used_today``
    of the given mailboxes is updated. Returns the assignment, and why it stopped short (if it did)."""
    if not mailboxes:
        return [], "no_mailbox" if count else None
    out: list[MailboxRoom] = []
    used = global_used
    for _ in range(count):
        if used >= global_limit:
            return out, "daily_limit"
        open_ = [m for m in mailboxes if m.room > 0]
        if not open_:
            return out, "daily_limit"
        best = min(open_, key=lambda m: (m.used_today, -m.room, m.email))
        best.used_today += 1
        used += 1
        out.append(best)
    return out, None
