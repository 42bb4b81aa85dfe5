"""Email validation (SOP §4.2): dedup addresses, reuse recent results, check the rest, apply each result to
every contact with that address, and emit ``contact.validated`` per contact. No broker or HTTP here."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ra_contracts.events import ContactValidated
from ra_runtime.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from ra_validation import repository as repo
from ra_validation.providers.base import EmailValidator, Verdict

STATUSES = ("valid", "invalid", "catch_all", "unknown")
#: An Unknown from greylisting or a timeout is checked again after this long (not reused until then).
UNKNOWN_RETRY_AFTER = timedelta(hours=1)


@dataclass
class ValidationTally:
    contacts: int = 0
    #: distinct addresses among the contacts, and how many of them were sent to the provider
    addresses: int = 0
    checked: int = 0
    reused: int = 0
    errors: int = 0
    by_status: Counter[str] = field(default_factory=Counter)

    def add(self, other: ValidationTally) -> None:
        for k in ("contacts", "addresses", "checked", "reused", "errors"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.by_status.update(other.by_status)

    def counts(self) -> dict[str, int]:
        """Run counts; ``bounce_risk_pct`` is the share of the addresses that look sendable (valid, catch-all
        or unknown) whose delivery is not confirmed (catch-all or unknown), in percent."""
        sendable = sum(self.by_status[s] for s in ("valid", "catch_all", "unknown"))
        risky = self.by_status["catch_all"] + self.by_status["unknown"]
        return {
            "contacts": self.contacts,
            "addresses": self.addresses,
            "checked": self.checked,
            "reused": self.reused,
            "errors": self.errors,
            **{s: self.by_status[s] for s in STATUSES},
            "bounce_risk_pct": round(100 * risky / sendable) if sendable else 0,
        }


async def check_addresses(validator: EmailValidator, emails: list[str], concurrency: int = 20) -> dict[str, Verdict]:
    """Each address checked once by the validator (bounded concurrency); a provider error propagates."""
    gate = asyncio.Semaphore(concurrency)

    async def one(email: str) -> Verdict:
        async with gate:
            return await validator.check(email)

    verdicts = await asyncio.gather(*(one(e) for e in emails))
    return dict(zip(emails, verdicts, strict=True))


def result_row(verdict: Verdict) -> dict[str, Any]:
    retry = None
    if verdict.status == "unknown":
        # The verifier may say when to ask again (greylisting names a wait); else an hour.
        hint = verdict.raw.get("retry_after") if isinstance(verdict.raw, dict) else None
        wait = timedelta(seconds=float(hint)) if isinstance(hint, int | float) and hint > 0 else UNKNOWN_RETRY_AFTER
        retry = verdict.checked_at + wait
    return {
        "email": verdict.email.lower(),
        "status": verdict.status,
        "sub_status": verdict.sub_status,
        "provider": verdict.provider,
        "raw": verdict.raw,
        "checked_at": verdict.checked_at,
        "retry_after": retry,
    }


async def validate_emails(
    session: AsyncSession,
    outbox: Outbox,
    validator: EmailValidator,
    emails: list[str],
    *,
    reuse_days: int,
    run_id: uuid.UUID | None = None,
) -> ValidationTally:
    """Validate ``emails`` (any case, repeats allowed) and apply the results to every contact with them,
    inside the caller's transaction."""
    distinct = sorted({e.strip().lower() for e in emails if e and e.strip()})
    tally = ValidationTally(addresses=len(distinct))
    reusable = await repo.reusable_results(session, distinct, reuse_days)
    to_check = [e for e in distinct if e not in reusable]
    # A validator may take more checks at once than the default (the built-in one queues them per mail
    # server itself, so it wants many in flight to keep every server's slots busy).
    fresh = await check_addresses(validator, to_check, int(getattr(validator, "max_in_flight", 20)))
    await repo.store_results(session, [result_row(v) for v in fresh.values()])
    tally.checked, tally.reused = len(fresh), len(reusable)
    results: dict[str, tuple[str, str | None, str, datetime, bool]] = {
        e: (r["status"], r["sub_status"], r["provider"], r["checked_at"], True) for e, r in reusable.items()
    }
    for e, v in fresh.items():
        results[e] = (v.status, v.sub_status, v.provider, v.checked_at, False)
    for status, *_ in results.values():
        tally.by_status[status] += 1
    applied = await repo.apply_results(session, {e: r[0] for e, r in results.items()}, datetime.now(UTC))
    tally.contacts = len(applied)
    events = []
    for contact_id, lead_id, email in applied:
        status, sub_status, provider, checked_at, reused = results[email]
        events.append(
            ContactValidated(
                contact_id=contact_id,
                lead_id=lead_id,
                email=email,
                status=status,  # type: ignore[arg-type]
                sub_status=sub_status,
                provider=provider,
                checked_at=checked_at,
                reused=reused,
                run_id=run_id,
            )
        )
    await outbox.add(session, events, correlation_id=str(run_id) if run_id else None)
    return tally
