"""A deterministic, offline email validator for trying the system out. Nothing is sent anywhere.

The same address always gets the same verdict, so re-running validation changes nothing, and the mix
looks like a real list's: about 70% ``valid``, 15% ``invalid`` (``mailbox_not_found``), 10%
``catch_all`` and 5% ``unknown`` (``greylisted`` or ``timeout``). Catch-all is a property of a mail
server, so it is decided by the domain (about one domain in ten accepts everything); the rest by the
whole address. Role mailboxes (``info@``, ``admin@``, ``sales@`` …) are always ``valid`` with sub_status
``role``. The demo contact provider's ``*.demo.example`` addresses follow the same rules. Every
verdict's ``raw`` is ``{"demo": true}``.
"""

from __future__ import annotations

import hashlib

from ra_validation.providers.base import Verdict, VerdictStatus

#: Share of domains that accept every address, in percent.
CATCH_ALL_DOMAINS_PCT = 10
# Of the other addresses (90% of all): valid 70, invalid 15, unknown 5, out of 90.
_VALID_BELOW = 70
_INVALID_BELOW = 85
_OUT_OF = 90
ROLE_MAILBOXES = frozenset(
    {
        "accounts",
        "admin",
        "billing",
        "careers",
        "contact",
        "enquiries",
        "help",
        "hello",
        "hr",
        "info",
        "inquiries",
        "jobs",
        "marketing",
        "office",
        "recruiting",
        "sales",
        "support",
        "team",
    }
)


def _number(text: str, seed: int) -> int:
    # blake2b rather than hash(): Python salts str hashes per process, which would break repeatability.
    return int.from_bytes(hashlib.blake2b(f"{seed}:{text}".encode(), digest_size=8).digest(), "big")


class DemoValidator:
    """Made-up verdicts (``provider="demo"``), stable across runs. Free: it spends no credits."""

    name = "demo"
    paid = False

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    async def check(self, email: str) -> Verdict:
        return self.verdict_for(email)

    def verdict_for(self, email: str) -> Verdict:
        """What ``check`` returns, without the coroutine."""
        address = email.strip()
        status, sub_status = self.classify(address)
        return Verdict(email=address, status=status, sub_status=sub_status, provider=self.name, raw={"demo": True})

    def classify(self, email: str) -> tuple[VerdictStatus, str | None]:
        key = email.strip().lower()
        local, _, domain = key.rpartition("@")
        if local.split("+", 1)[0] in ROLE_MAILBOXES:
            return "valid", "role"
        if _number(f"domain:{domain}", self.seed) % 100 < CATCH_ALL_DOMAINS_PCT:
            return "catch_all", None
        h = _number(key, self.seed)
        roll = h % _OUT_OF
        if roll < _VALID_BELOW:
            return "valid", None
        if roll < _INVALID_BELOW:
            return "invalid", "mailbox_not_found"
        return "unknown", "greylisted" if (h >> 32) % 2 else "timeout"
