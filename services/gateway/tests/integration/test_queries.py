"""Reads proxied to their owners over NATS: answers, 404s, owner down, and parameter checks."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from nats.aio.msg import Msg
from ra_gateway.testing import RunningGateway, bearer

pytestmark = pytest.mark.integration


async def test_owner_down_is_503_within_the_timeout(gateway: RunningGateway) -> None:
    token = await gateway.user_token("viewer")
    started = time.monotonic()
    response = await gateway.http.get("/api/v1/leads", headers=bearer(token))
    assert response.status_code == 503
    assert response.json()["detail"].startswith("the sourcing service is unavailable")
    assert time.monotonic() - started < gateway.config.query_timeout_seconds + 1.0

    contacts = await gateway.http.get("/api/v1/contacts", headers=bearer(token))
    assert contacts.status_code == 503 and "enrichment" in contacts.json()["detail"]


async def test_owner_answers_come_back(gateway: RunningGateway) -> None:
    token = await gateway.user_token("viewer")
    lead_id = str(uuid.uuid4())
    seen: list[dict[str, Any]] = []

    async def sourcing(msg: Msg) -> None:
        params = json.loads(msg.data)
        seen.append(params)
        if msg.subject == "q.sourcing.leads.list":
            data = {"items": [{"lead_id": lead_id, "company_name": "Acme"}], "total": 1, **params}
            reply: dict[str, Any] = {"ok": True, "data": data}
        elif params["lead_id"] == lead_id:
            reply = {"ok": True, "data": {"lead_id": lead_id, "company_name": "Acme"}}
        else:
            reply = {"ok": False, "status": 404, "detail": "lead not found"}
        await msg.respond(json.dumps(reply).encode())

    await gateway.nc.subscribe("q.sourcing.>", cb=sourcing)
    await gateway.nc.flush()

    listed = await gateway.http.get(
        "/api/v1/leads",
        params={"page": 2, "page_size": 50, "state": "tx", "status": "new", "search": " acme ", "sort": "created_at"},
        headers=bearer(token),
    )
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == [{"lead_id": lead_id, "company_name": "Acme"}]
    assert listed.json()["page"] == 2 and listed.json()["page_size"] == 50
    assert seen[-1] == {
        "page": 2,
        "page_size": 50,
        "status": "NEW",
        "state": "TX",
        "search": "acme",
        "sort": "created_at",
        "order": "desc",
    }

    one = await gateway.http.get(f"/api/v1/leads/{lead_id}", headers=bearer(token))
    assert one.status_code == 200 and one.json()["company_name"] == "Acme"
    missing = await gateway.http.get(f"/api/v1/leads/{uuid.uuid4()}", headers=bearer(token))
    assert missing.status_code == 404 and missing.json() == {"detail": "lead not found"}


async def test_contacts_are_asked_of_enrichment(gateway: RunningGateway) -> None:
    token = await gateway.user_token("viewer")
    lead_id = str(uuid.uuid4())

    async def enrichment(msg: Msg) -> None:
        params = json.loads(msg.data)
        data = {"items": [{"contact_id": str(uuid.uuid4()), "lead_id": params["lead_id"]}], "total": 1, "page": 1}
        await msg.respond(json.dumps({"ok": True, "data": data | {"page_size": params["page_size"]}}).encode())

    await gateway.nc.subscribe("q.enrichment.contacts.list", cb=enrichment)
    response = await gateway.http.get(
        "/api/v1/contacts", params={"lead_id": lead_id, "page_size": 10}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    assert response.json()["items"][0]["lead_id"] == lead_id and response.json()["page_size"] == 10


@pytest.mark.parametrize(
    "query",
    [
        {"page_size": 7},
        {"page": 0},
        {"state": "ZZ"},
        {"order": "sideways"},
        {"sort": "name; drop table"},
        {"search": "x" * 201},
    ],
)
async def test_bad_parameters_are_refused_at_the_edge(gateway: RunningGateway, query: dict[str, Any]) -> None:
    token = await gateway.token()
    response = await gateway.http.get("/api/v1/leads", params=query, headers=bearer(token))
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", next(iter(query))]
    bad_id = await gateway.http.get("/api/v1/leads/not-a-uuid", headers=bearer(token))
    assert bad_id.status_code == 422
