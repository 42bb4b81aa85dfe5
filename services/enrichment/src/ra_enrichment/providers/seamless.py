"""Seamless.AI as a contact provider (SOP §3.2): search, research, poll.

Built to Seamless's public API (``https://api.seamless.ai/api/client/v1``, API key in the ``Token``
header) as its OpenAPI document describes it; no request here was checked against the live service.

1. ``POST /search/contacts`` (free) with ``companyName: [company]``, ``jobTitle`` (at most 10 titles a
   search, so the titles go in batches of 10, in order, until enough people are found), ``contactState:
   [state name]`` when the lead has a state (``locationType`` left at its default, contact *or* company
   in that state) and ``limit`` = ``max(query.limit, 25)`` capped at 50. Search results carry a name,
   title, company and LinkedIn URL but no email or phone, and name companies by relevance, so only results
   whose ``company`` loosely names the searched one are kept (:mod:`ra_enrichment.providers.companies`).
2. ``POST /contacts/research`` with the ``searchResultIds`` of at most ``query.limit`` of them. **This
   spends one Seamless credit per person**; ``skipDeduplicationCheck`` is left off, so a person researched
   recently comes back as a ``duplicate``, which the documentation implies costs no new credit. The answer
   holds one ``requestId`` per person.
3. ``GET /contacts/research/poll?requestIds=a,b`` every ``poll_interval_seconds`` (the retry policy's
   ``sleep``, so tests do not wait) until no request is ``queued`` or ``researching``, at most
   ``max_polls`` times. ``done``, ``duplicate`` and ``contact-already-researched`` carry the researched
   ``contact``; ``missing`` / ``not found`` mean Seamless has no record (skipped); ``error`` and a status
   naming credits or a licence are failures.

Candidates: ``firstName`` / ``lastName``, ``email`` (else ``email1``), ``contactPhone1`` (else
``contactPhone2``; company switchboard numbers are not the person's), ``title`` and ``lIProfileUrl``, with
the search result's name, title and ``liUrl`` filling gaps.

What is returned when research does not fully succeed: whatever finished is returned; if nothing did,
a credits/licence status is a ``quota`` error, research still running after the last poll is
``timeout`` and every request failing is ``unavailable``; "no such person" for all is ``[]``. 422
``insufficientCredits`` is ``quota``; 429 is retried, waiting until Seamless's ``X-RateLimit-Reset``.
A missing key is a ``config`` :class:`ProviderError` raised by :meth:`search`, not by the constructor.

Assumptions, from the documentation alone: ``companyName`` matching by relevance (``default``), the poll
taking ``requestIds`` comma-separated, and statuses compared case-insensitively.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import httpx
from ra_contracts.defaults import US_STATE_NAMES
from ra_runtime.http import RetryPolicy, open_client

from ra_enrichment.providers.base import ContactCandidate, ContactSearch
from ra_enrichment.providers.companies import same_company, searched_keys
from ra_enrichment.providers.errors import ProviderApi, ProviderError

SEAMLESS_API = "https://api.seamless.ai/api/client/v1"
CONTACT_SEARCH_URL = f"{SEAMLESS_API}/search/contacts"
CONTACT_RESEARCH_URL = f"{SEAMLESS_API}/contacts/research"
RESEARCH_POLL_URL = f"{SEAMLESS_API}/contacts/research/poll"
#: Seamless accepts at most this many ``jobTitle`` values in one search.
MAX_TITLES_PER_SEARCH = 10
_SEARCH_LIMIT_FLOOR = 25
_SEARCH_LIMIT_CAP = 50
_PENDING = frozenset({"queued", "researching"})
_RESEARCHED = frozenset({"done", "duplicate", "contact-already-researched"})
_USER_AGENT = "ra-enrichment/0.1 (contact enrichment for a staffing firm)"
#: Whose people the connection test searches for.
CHECK_COMPANY = "Seamless.AI"

#: A researched contact and the search result it was researched from (when the poll names it).
_Researched = tuple[dict[str, Any], str | None]


class SeamlessContactProvider:
    """People at the lead's company, researched by Seamless.AI (``source="seamless"``)."""

    name = "seamless"

    def __init__(
        self,
        api_key: str | None,
        *,
        timeout_seconds: float = 30.0,
        poll_interval_seconds: float = 3.0,
        max_polls: int = 20,
        client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.api_key = api_key.strip() if api_key else None
        self.timeout_seconds = timeout_seconds
        self.poll_interval_seconds = poll_interval_seconds
        self.max_polls = max(1, max_polls)
        self._client = client
        self.retry = retry or RetryPolicy()

    @classmethod
    def from_settings(cls, get: Callable[[str], Any]) -> Self:
        return cls(api_key=get("seamless_api_key") or None)

    def search_bodies(self, query: ContactSearch) -> list[dict[str, Any]]:
        """The contact searches for one lead, one per batch of titles, most wanted titles first."""
        titles = [title.strip() for title in query.titles if title.strip()]
        batches = [titles[i : i + MAX_TITLES_PER_SEARCH] for i in range(0, len(titles), MAX_TITLES_PER_SEARCH)]
        limit = min(_SEARCH_LIMIT_CAP, max(query.limit, _SEARCH_LIMIT_FLOOR))
        base: dict[str, Any] = {"companyName": [query.company_name.strip()], "limit": limit}
        state = (query.state or "").strip()
        if state:
            base["contactState"] = [US_STATE_NAMES.get(state.upper(), state)]
        return [base | {"jobTitle": batch} for batch in batches] or [base]

    async def check_connection(self) -> str:
        """The Settings page's test: one contact search (free: only research spends credits).

        Seamless's public API has no account or credits endpoint, so the smallest authenticated call is a
        search for Seamless.AI's own people; nothing is researched. ``config`` without a key, before
        anything is sent.
        """
        if not self.api_key:
            raise ProviderError("config", "Seamless has no API key: set seamless_api_key in Settings")
        body = {"companyName": [CHECK_COMPANY], "limit": _SEARCH_LIMIT_FLOOR}
        async with open_client(self._client, self.timeout_seconds, user_agent=_USER_AGENT) as client:
            api = ProviderApi(client, timeout=self.timeout_seconds, retry=self.retry, headers=self._headers())
            found = _search_results(await api.request("POST", CONTACT_SEARCH_URL, json_body=body))
        return f"key accepted: a contact search found {len(found)} people (searches are free; no credits spent)"

    def _headers(self) -> dict[str, str]:
        return {"Token": self.api_key or "", "Content-Type": "application/json", "Accept": "application/json"}

    async def search(self, query: ContactSearch) -> list[ContactCandidate]:
        if not self.api_key:
            raise ProviderError("config", "Seamless has no API key: set seamless_api_key in Settings")
        headers = self._headers()
        async with open_client(self._client, self.timeout_seconds, user_agent=_USER_AGENT) as client:
            api = ProviderApi(client, timeout=self.timeout_seconds, retry=self.retry, headers=headers)
            found = await self._search(api, query)
            if not found:
                return []
            request_ids = await self._research(api, found)
            researched = await self._poll(api, request_ids)
        by_search_id = {item["searchResultId"]: item for item in found}
        candidates = []
        for request_id in request_ids:
            if request_id not in researched:
                continue
            contact, search_id = researched[request_id]
            candidate = map_seamless_contact(contact, by_search_id.get(search_id or ""))
            if candidate is not None:
                candidates.append(candidate)
        return candidates[: query.limit]

    async def _search(self, api: ProviderApi, query: ContactSearch) -> list[dict[str, Any]]:
        keys = searched_keys(query)
        found: dict[str, dict[str, Any]] = {}
        for body in self.search_bodies(query):
            payload = await api.request("POST", CONTACT_SEARCH_URL, json_body=body)
            for item in _search_results(payload):
                search_id = _text(item.get("searchResultId"))
                if search_id and search_id not in found and same_company(keys, _text(item.get("company"))):
                    found[search_id] = item
            if len(found) >= query.limit:
                break
        return list(found.values())[: query.limit]

    async def _research(self, api: ProviderApi, found: list[dict[str, Any]]) -> list[str]:
        ids = [item["searchResultId"] for item in found]
        payload = await api.request("POST", CONTACT_RESEARCH_URL, json_body={"searchResultIds": ids})
        request_ids = payload.get("requestIds") if isinstance(payload, dict) else None
        if not isinstance(request_ids, list) or not all(isinstance(r, str) and r for r in request_ids):
            raise ProviderError("bad_response", "unexpected research answer: no 'requestIds' list")
        if not request_ids:
            raise ProviderError("bad_response", f"research of {len(ids)} contacts accepted none")
        return request_ids

    async def _poll(self, api: ProviderApi, request_ids: list[str]) -> dict[str, _Researched]:
        """The researched contact of every request that has one, by request id."""
        researched: dict[str, _Researched] = {}
        pending = list(request_ids)
        failures: list[tuple[str, str]] = []
        for _ in range(self.max_polls):
            await self.retry.sleep(self.poll_interval_seconds)
            payload = await api.request("GET", RESEARCH_POLL_URL, params={"requestIds": ",".join(pending)})
            for item in _poll_results(payload):
                request_id = _text(item.get("requestId"))
                status = (_text(item.get("status")) or "").lower()
                if request_id is None or request_id not in pending or status in _PENDING:
                    continue
                pending.remove(request_id)
                contact = item.get("contact")
                if status in _RESEARCHED and isinstance(contact, dict):
                    researched[request_id] = (contact, _text(item.get("searchResultId")))
                elif status not in ("missing", "not found"):
                    failures.append((status, _text(item.get("message")) or status))
            if not pending:
                break
        if researched:
            return researched
        refused = [message for status, message in failures if "credit" in status or "licen" in status]
        if refused:
            raise ProviderError("quota", f"research refused: {refused[0]}")
        if pending:
            raise ProviderError(
                "timeout", f"research of {len(pending)} contacts not finished after {self.max_polls} polls"
            )
        if len(failures) == len(request_ids):
            raise ProviderError("unavailable", f"research failed for every contact: {failures[0][1]}")
        return researched


def _search_results(payload: Any) -> list[dict[str, Any]]:
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise ProviderError("bad_response", "unexpected search answer: no 'data' list")
    return [item for item in payload["data"] if isinstance(item, dict)]


def _poll_results(payload: Any) -> list[dict[str, Any]]:
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise ProviderError("bad_response", "unexpected poll answer: no 'data' list")
    return [item for item in payload["data"] if isinstance(item, dict)]


def map_seamless_contact(contact: dict[str, Any], search_result: dict[str, Any] | None) -> ContactCandidate | None:
    """A researched contact as a candidate, gaps filled from its search result; None without a full name."""
    found = search_result or {}
    first_name = _text(contact.get("firstName")) or _text(found.get("firstName"))
    last_name = _text(contact.get("lastName")) or _text(found.get("lastName"))
    if first_name is None or last_name is None:
        first_name, last_name = _split_name(_text(contact.get("name")) or _text(found.get("name")))
    if first_name is None or last_name is None:
        return None
    email = _text(contact.get("email")) or _text(contact.get("email1"))
    return ContactCandidate(
        first_name=first_name,
        last_name=last_name,
        email=email if email and "@" in email else None,
        phone=_text(contact.get("contactPhone1")) or _text(contact.get("contactPhone2")),
        title=_text(contact.get("title")) or _text(found.get("title")),
        source="seamless",
        linkedin_url=_text(contact.get("lIProfileUrl")) or _text(found.get("liUrl")),
    )


def _split_name(name: str | None) -> tuple[str | None, str | None]:
    parts = (name or "").split()
    if len(parts) < 2:
        return None, None
    return parts[0], parts[-1]


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None
