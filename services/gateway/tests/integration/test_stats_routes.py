"""The dashboard's KPI and trend answers: ``GET /leads/stats``, ``/contacts/stats`` and ``/outreach/stats``
relayed to their owners with the ``days`` window (checked at the edge), answers typed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ra_gateway.testing import RunningGateway, bearer
from ra_runtime.testing import FakeOwner

pytestmark = pytest.mark.integration


def trend(days: int, **counts: int) -> list[dict[str, Any]]:
    today = datetime.now(UTC).date()
    return [{"date": (today - timedelta(days=n)).isoformat(), **counts} for n in range(days - 1, -1, -1)]


def lead_stats(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "total": 3,
        "by_status": {"NEW": 2, "ENRICHED": 1},
        "by_source": {"demo": 2, "manual": 1},
        "by_state": {"TX": 2, "none": 1},
        "trend": trend(params["days"], created=0),
    }


def contact_stats(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "total": 4,
        "by_priority": {"P1": 1, "P3": 3},
        "by_validation_status": {"valid": 1, "none": 3},
        "by_source": {"demo": 4},
        "trend": trend(params["days"], created=1),
    }


def outreach_stats(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "sent_today": 2,
        "claimed_today": 2,
        "daily_limit": 30,
        "remaining_today": 28,
        "by_status": {"sent": 3, "failed": 1},
        "by_channel": {"smtp": 3},
        "suppressed": 1,
        "ready_mailboxes": 1,
        "trend": trend(params["days"], sent=1, bounced=0, failed=0, exported=0),
        "sent_total": params["days"],
        "bounced_total": 1,
        "bounce_rate": 1 / (params["days"] + 1),
        "reply_rate": None,
    }


@pytest.fixture
async def owners(gateway: RunningGateway) -> FakeOwner:
    owner = FakeOwner(gateway.nc)
    await owner.answer("q.sourcing.leads.stats", lead_stats)
    await owner.answer("q.enrichment.contacts.stats", contact_stats)
    await owner.answer("q.outreach.stats", outreach_stats)
    # /leads/stats must not be read as a lead id.
    await owner.answer("q.sourcing.leads.get", lambda p: {"lead_id": p["lead_id"]})
    return owner


ROUTES = {
    "/api/v1/leads/stats": "q.sourcing.leads.stats",
    "/api/v1/contacts/stats": "q.enrichment.contacts.stats",
    "/api/v1/outreach/stats": "q.outreach.stats",
}


async def test_each_stats_route_asks_its_owner_for_the_window(gateway: RunningGateway, owners: FakeOwner) -> None:
    viewer = bearer(await gateway.user_token("viewer"))
    for path, subject in ROUTES.items():
        default = await gateway.http.get(path, headers=viewer)
        assert default.status_code == 200, (path, default.text)
        assert len(default.json()["trend"]) == 30
        week = await gateway.http.get(path, params={"days": 7}, headers=viewer)
        assert week.status_code == 200, (path, week.text)
        assert [d["date"] for d in week.json()["trend"]] == [d["date"] for d in trend(7)]
        longest = await gateway.http.get(path, params={"days": 365}, headers=viewer)
        assert longest.status_code == 200 and len(longest.json()["trend"]) == 365
        assert [p["days"] for p in owners.params(subject)] == [30, 7, 365]

    leads = (await gateway.http.get("/api/v1/leads/stats", headers=viewer)).json()
    assert leads == lead_stats({"days": 30})
    contacts = await gateway.http.get(
        "/api/v1/contacts/stats", params={"priority": "P1", "source": "Demo", "days": 2}, headers=viewer
    )
    assert contacts.json() == contact_stats({"days": 2})
    assert owners.params("q.enrichment.contacts.stats")[-1] == {"priority": "P1", "source": "demo", "days": 2}
    outreach = (await gateway.http.get("/api/v1/outreach/stats", params={"days": 3}, headers=viewer)).json()
    assert outreach == outreach_stats({"days": 3})  # fields the model does not name pass through too
    assert outreach["bounce_rate"] == 0.25 and outreach["reply_rate"] is None
    assert owners.params("q.sourcing.leads.get") == []


async def test_the_window_is_checked_at_the_edge(gateway: RunningGateway, owners: FakeOwner) -> None:
    viewer = bearer(await gateway.user_token("viewer"))
    for path in ROUTES:
        for days in ("0", "366", "-1", "week"):
            refused = await gateway.http.get(path, params={"days": days}, headers=viewer)
            assert refused.status_code == 422, (path, days, refused.text)
            assert refused.json()["detail"][0]["loc"] == ["query", "days"]
        assert (await gateway.http.get(path)).status_code == 401
    assert owners.asked == []


async def test_the_answers_are_typed_in_the_openapi_document(gateway: RunningGateway) -> None:
    doc = (await gateway.http.get("/api/openapi.json")).json()
    for path, model in (
        ("/api/v1/leads/stats", "LeadStats"),
        ("/api/v1/contacts/stats", "ContactStats"),
        ("/api/v1/outreach/stats", "OutreachStats"),
    ):
        get = doc["paths"][path]["get"]
        answer = get["responses"]["200"]["content"]["application/json"]["schema"]
        assert answer == {"$ref": f"#/components/schemas/{model}"}, path
        days = next(p for p in get["parameters"] if p["name"] == "days")
        assert days["schema"]["minimum"] == 1 and days["schema"]["maximum"] == 365 and days["schema"]["default"] == 30
        assert "trend" in doc["components"]["schemas"][model]["required"]
    reply_rate = doc["components"]["schemas"]["OutreachStats"]["properties"]["reply_rate"]
    assert "not tracked yet (needs inbox reading)" in reply_rate["description"].lower()
