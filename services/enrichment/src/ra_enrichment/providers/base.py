"""What contact providers are asked (a company and the titles wanted) and what they answer (SOP §3.2)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pydantic import BaseModel, Field
from ra_contracts.defaults import DECISION_MAKER_TITLES


class ContactCandidate(BaseModel):
    """A person a provider found at the lead's company, as the provider spelled it.

    ``priority`` (P1..P5) is empty until the enrichment rules assign it.
    """

    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    priority: str | None = None
    source: str
    linkedin_url: str | None = None


class ContactSearch(BaseModel):
    """One company to search: the decision-maker titles wanted, near the job's location."""

    company_name: str
    normalized_company: str
    state: str | None = None
    city: str | None = None
    titles: list[str] = Field(default_factory=lambda: list(DECISION_MAKER_TITLES))
    limit: int = Field(default=10, ge=1)


@runtime_checkable
class ContactProvider(Protocol):
    """A people-search adapter (Apollo, Seamless, demo). Returns at most ``query.limit`` candidates."""

    name: str

    async def search(self, query: ContactSearch) -> list[ContactCandidate]: ...
