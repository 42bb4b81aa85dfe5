"""A deterministic, offline contact provider for trying the system out. Every person is made up.

The same company always yields the same 2-6 people, so re-running enrichment changes nothing. Across
companies the titles reach every priority level (P1-P5) and include people who are not decision-makers;
names, titles and phones arrive in the untidy shapes real providers send, and now and then the same
email is listed twice. The first person is always a decision-maker with a valid email, so every lead
can be enriched. Emails use ``<company>.demo.example`` and phones the 555-01xx range reserved for
fiction, so nothing here can reach a real person. The requested titles are not used for filtering.
"""

from __future__ import annotations

import zlib

from ra_enrichment.providers.base import ContactCandidate, ContactSearch

_MASK64 = (1 << 64) - 1
# fmt: off
_FIRST_NAMES = (
    "Maria", "James", "Aisha", "Robert", "Linda", "Carlos", "Jennifer", "David", "Mei", "Kevin", "Priya",
    "Michael", "Sarah", "Luis", "Emily", "Daniel", "Keisha", "Thomas", "Olivia", "Andre", "Rachel",
    "Brian", "Sofia", "Marcus", "Hannah", "Victor", "Grace", "Tyrone", "Elena", "Patrick", "Nadia", "Scott",
)
_LAST_NAMES = (
    "Johnson", "Garcia", "Williams", "Nguyen", "Brown", "Martinez", "Davis", "Patel", "Lee", "Clark",
    "O'Brien", "McKenzie", "Rodriguez", "Thompson", "Kowalski", "Washington", "Hernandez", "Schmidt",
    "Okafor", "Reyes", "Sullivan", "Kim", "Foster", "Novak", "Bennett", "Chavez", "Murphy", "Ortiz",
    "Fischer", "Coleman", "Delgado", "Price",
)
# fmt: on
# Decision-makers, spelled the way providers send them; together they reach every level P1-P5.
_DECISION_MAKER_TITLES = (
    "Hiring Manager",
    "Talent Acquisition Director",
    "Director of Talent Acquisition",
    "Recruiter",
    "Sr. Recruiter",
    "HR Coordinator",
    "TA Specialist",
    "HR Manager",
    "Sr. HR Mgr",
    "HRBP",
    "HR Director",
    "VP, Human Resources",
    "Operations Manager",
    "Plant Mgr",
    "Production Manager",
    "Director of Operations",
    "General Manager",
    "Maintenance Supervisor",
    "Quality Director",
    "Logistics Manager",
)
_OTHER_TITLES = (
    "Payroll Specialist",
    "Staff Accountant",
    "Executive Assistant",
    "Customer Service Representative",
    "Marketing Coordinator",
    "Receptionist",
)
_ANY_TITLES = _DECISION_MAKER_TITLES + _OTHER_TITLES
_AREA_CODES = ("312", "214", "404", "615", "513", "602", "303", "412", "704", "816", "317", "616")
_MAX_DOMAIN_LABEL = 40


def _mix(value: int) -> int:
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def demo_domain(normalized_company: str) -> str:
    """The made-up mail domain of a company, e.g. ``"summit foods"`` -> ``"summitfoods.demo.example"``."""
    label = "".join(ch for ch in normalized_company.lower() if ch.isascii() and ch.isalnum())
    return f"{label[:_MAX_DOMAIN_LABEL] or 'company'}.demo.example"


def _local_part(style: int, first: str, last: str) -> str:
    first_key = "".join(ch for ch in first.lower() if ch.isalnum())
    last_key = "".join(ch for ch in last.lower() if ch.isalnum())
    if style == 0:
        return f"{first_key}.{last_key}"
    if style == 1:
        return f"{first_key[0]}{last_key}"
    if style == 2:
        return f"{first_key}{last_key[0]}"
    return f"{first_key}_{last_key}"


def _untidy_name(name: str, roll: int) -> str:
    if roll == 0:
        return name.upper()
    if roll == 1:
        return f" {name.lower()}"
    return name


def _phone(h: int) -> str | None:
    area = _AREA_CODES[(h >> 20) % len(_AREA_CODES)]
    line = f"01{(h >> 24) % 100:02d}"
    style = (h >> 31) % 5
    if style == 0:
        return f"({area}) 555-{line}"
    if style == 1:
        return f"{area}.555.{line}"
    if style == 2:
        return f"+1 {area} 555 {line}"
    if style == 3:
        return f"{area}-555-{line}"
    return None


class DemoContactProvider:
    """Made-up decision-makers per company (``source="demo"``), stable across runs."""

    name = "demo"
    #: Free: its answers are not stored (enrichment.pipeline keeps only paid providers' answers).
    paid = False

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    async def search(self, query: ContactSearch) -> list[ContactCandidate]:
        return self.candidates_for(query)

    def candidates_for(self, query: ContactSearch) -> list[ContactCandidate]:
        """What ``search`` returns, without the coroutine."""
        company_key = query.normalized_company or query.company_name.lower()
        # crc32 rather than hash(): Python salts str hashes per process, which would break repeatability.
        h = _mix(zlib.crc32(company_key.encode()) ^ (self.seed << 32))
        domain = demo_domain(company_key)
        email_style = (h >> 3) % 4
        count = min(2 + h % 5, query.limit)

        candidates: list[ContactCandidate] = []
        for index in range(count):
            hc = _mix(h + index)
            first = _FIRST_NAMES[hc % len(_FIRST_NAMES)]
            last = _LAST_NAMES[(hc >> 8) % len(_LAST_NAMES)]
            if index == 0:
                title = _DECISION_MAKER_TITLES[(hc >> 16) % len(_DECISION_MAKER_TITLES)]
                email: str | None = f"{_local_part(email_style, first, last)}@{domain}"
            else:
                title = _ANY_TITLES[(hc >> 16) % len(_ANY_TITLES)]
                roll = (hc >> 36) % 12
                if roll == 0:
                    # The same person listed twice, as providers sometimes do.
                    email = candidates[0].email
                elif roll == 1:
                    email = None
                else:
                    email = f"{_local_part(email_style, first, last)}@{domain}"
                    if roll == 2:
                        email = email.title()
            name_roll = (hc >> 40) % 8
            candidates.append(
                ContactCandidate(
                    first_name=_untidy_name(first, name_roll),
                    last_name=_untidy_name(last, name_roll),
                    email=email,
                    phone=_phone(hc),
                    title=title.lower() if name_roll == 2 else title,
                    source="demo",
                    linkedin_url=(
                        f"https://linkedin.demo.example/in/{first.lower()}-{last.lower()}-{(hc >> 44) % 10000}"
                        if (hc >> 58) % 3 != 0
                        else None
                    ),
                )
            )
        return candidates
