"""``/outreach`` relayed to the outreach service: events, stats, the suppression list (and its CSV import)
and the templates; parameters checked at the edge, roles, answers and refusals."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from ra_gateway.testing import RunningGateway, bearer
from ra_runtime.objects import UPLOADS, fetched_file
from ra_runtime.queries import QueryError
from ra_runtime.testing import FakeOwner

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC).isoformat()
TEMPLATE_ID = str(uuid.uuid4())
TEMPLATE = {
    "template_id": TEMPLATE_ID,
    "name": "First touch",
    "subject": "Hello {{first_name|there}}",
    "body": "Hi {{first_name|there}},\n\nWe place {{job_title}} candidates.\n\n{{sender_name}}",
    "is_default": True,
    "created_at": NOW,
    "updated_at": NOW,
}
STATS = {
    "sent_today": 12,
    "daily_limit": 30,
    "remaining_today": 18,
    "by_status": {"sent": 12, "skipped": 4},
    "by_channel": {"smtp": 10, "mailmerge": 2},
    "suppressed": 3,
    "ready_mailboxes": 2,
    "trend": [{"date": "2025-03-01", "sent": 10, "bounced": 0, "failed": 1, "exported": 2}],
    "sent_total": 10,
    "bounced_total": 0,
    "bounce_rate": 0.0,
    "reply_rate": None,
}


def _page(params: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": items, "total": len(items), "page": params["page"], "page_size": params["page_size"]}


def _template(params: dict[str, Any]) -> dict[str, Any]:
    if params["template_id"] != TEMPLATE_ID:
        raise QueryError(404, "template not found")
    return TEMPLATE | params.get("changes", {})


def _created(params: dict[str, Any]) -> dict[str, Any]:
    if "{{shoe_size}}" in params["template"]["body"]:
        raise QueryError(422, "unknown merge field {{shoe_size}}")
    return TEMPLATE | params["template"] | {"template_id": str(uuid.uuid4())}


def _unlisted(params: dict[str, Any]) -> dict[str, Any]:
    if params["email"] != "pat@example.com":
        raise QueryError(404, "not on the suppression list")
    return {"deleted": True}


def _added(params: dict[str, Any]) -> dict[str, Any]:
    good = [e for e in params["emails"] if "@" in e]
    return {
        "added": len(good),
        "already": 0,
        "invalid": [{"value": e, "error": "not an email"} for e in params["emails"] if "@" not in e],
    }


def _deleted(params: dict[str, Any]) -> dict[str, Any]:
    _template(params)
    return {"deleted": True}


@pytest.fixture
async def outreach(gateway: RunningGateway) -> FakeOwner:
    owner = FakeOwner(gateway.nc)
    entry = {"email": "pat@example.com", "reason": "unsubscribe", "created_by": None, "created_at": NOW}
    event = {"outreach_event_id": str(uuid.uuid4()), "email": "lee@example.com", "channel": "smtp", "status": "sent"}
    answers = {
        "events.list": lambda p: _page(p, [event]),
        "stats": lambda _: STATS,
        "suppression.list": lambda p: _page(p, [entry]),
        "suppression.add": _added,
        "suppression.delete": _unlisted,
        "templates.list": lambda _: {"items": [TEMPLATE]},
        "templates.get": _template,
        "templates.create": _created,
        "templates.update": _template,
        "templates.delete": _deleted,
    }
    for name, reply in answers.items():
        await owner.answer(f"q.outreach.{name}", reply)
    return owner


async def test_events_are_filtered_at_the_owner(gateway: RunningGateway, outreach: FakeOwner) -> None:
    viewer = bearer(await gateway.user_token("viewer"))
    run_id, lead_id, mailbox_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    listed = await gateway.http.get(
        "/api/v1/outreach/events",
        params={
            "page": 3,
            "page_size": 100,
            "run_id": str(run_id),
            "lead_id": str(lead_id),
            "mailbox_id": str(mailbox_id),
            "channel": "smtp",
            "status": "deferred",
            "search": " Lee@Example ",
            "since": "2025-01-01T00:00:00",
            "until": "2025-01-02T00:00:00+00:00",
        },
        headers=viewer,
    )
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"][0]["email"] == "lee@example.com" and listed.json()["page"] == 3
    assert outreach.params("q.outreach.events.list") == [
        {
            "page": 3,
            "page_size": 100,
            "run_id": str(run_id),
            "lead_id": str(lead_id),
            "mailbox_id": str(mailbox_id),
            "channel": "smtp",
            "status": "deferred",
            "search": "lee@example",
            "since": "2025-01-01T00:00:00+00:00",
            "until": "2025-01-02T00:00:00+00:00",
        }
    ]
    bad: list[tuple[dict[str, Any], str]] = [
        ({"page_size": 20}, "page_size"),
        ({"channel": "fax"}, "channel"),
        ({"status": "opened"}, "status"),
        ({"contact_id": "42"}, "contact_id"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2025-02-01T00:00:00Z", "until": "2025-01-01T00:00:00Z"}, "until"),
    ]
    for query, field in bad:
        refused = await gateway.http.get("/api/v1/outreach/events", params=query, headers=viewer)
        assert refused.status_code == 422, query
        assert refused.json()["detail"][0]["loc"] == ["query", field]
    assert len(outreach.params("q.outreach.events.list")) == 1

    stats = await gateway.http.get("/api/v1/outreach/stats", headers=viewer)
    assert stats.status_code == 200 and stats.json() == STATS


async def test_the_suppression_list(gateway: RunningGateway, outreach: FakeOwner) -> None:
    viewer = bearer(await gateway.user_token("viewer"))
    operator = bearer(await gateway.user_token("operator"))
    listed = await gateway.http.get(
        "/api/v1/outreach/suppression", params={"search": "PAT", "page_size": 10}, headers=viewer
    )
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"][0]["reason"] == "unsubscribe"
    assert outreach.params("q.outreach.suppression.list") == [{"page": 1, "page_size": 10, "search": "pat"}]

    added = await gateway.http.post(
        "/api/v1/outreach/suppression", json={"emails": ["a@example.com", "nonsense"]}, headers=operator
    )
    assert added.status_code == 200, added.text
    assert added.json() == {
        "added": 1,
        "already": 0,
        "invalid": [{"row": None, "value": "nonsense", "error": "not an email"}],
    }
    assert outreach.params("q.outreach.suppression.add") == [
        {"actor": "operator@example.com", "emails": ["a@example.com", "nonsense"], "reason": "manual"}
    ]
    for body in ({"emails": []}, {"emails": ["x@example.com"] * 1001}, {"emails": ["a@b.c"], "reason": "Bad Reason!"}):
        assert (await gateway.http.post("/api/v1/outreach/suppression", json=body, headers=operator)).status_code == 422

    removed = await gateway.http.delete("/api/v1/outreach/suppression/Pat@Example.com", headers=operator)
    assert removed.status_code == 204
    assert outreach.params("q.outreach.suppression.delete") == [
        {"actor": "operator@example.com", "email": "pat@example.com"}
    ]
    missing = await gateway.http.delete("/api/v1/outreach/suppression/nobody@example.com", headers=operator)
    assert missing.status_code == 404 and missing.json() == {"detail": "not on the suppression list"}

    assert (
        await gateway.http.post("/api/v1/outreach/suppression", json={"emails": ["a@b.c"]}, headers=viewer)
    ).status_code == 403
    assert (
        await gateway.http.delete("/api/v1/outreach/suppression/pat@example.com", headers=viewer)
    ).status_code == 403


async def test_a_suppression_csv_goes_through_the_uploads_bucket(gateway: RunningGateway) -> None:
    owner = FakeOwner(gateway.nc)
    received: list[str] = []

    async def import_file(params: dict[str, Any]) -> dict[str, Any]:
        # The owner reads the upload from the bucket, as the real outreach service does.
        async with fetched_file(gateway.nc.jetstream(), UPLOADS, params["object_name"]) as path:
            received.append(path.read_text())
        return {"added": 2, "already": 1, "invalid": [{"row": 4, "value": "nope", "error": "not an email"}]}

    await owner.answer("q.outreach.suppression.import", import_file)
    operator = bearer(await gateway.user_token("operator"))
    csv_text = "Email,Name\na@example.com,A\nb@example.com,B\nnope,C\nc@example.com,C\n"
    response = await gateway.http.post(
        "/api/v1/outreach/suppression/import",
        files={"file": ("do-not-contact.csv", csv_text.encode(), "text/csv")},
        headers=operator,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "added": 2,
        "already": 1,
        "invalid": [{"row": 4, "value": "nope", "error": "not an email"}],
    }
    assert received == [csv_text]
    [request] = owner.params("q.outreach.suppression.import")
    assert request["actor"] == "operator@example.com" and request["object_name"].startswith("suppression-imports/")
    assert request["object_name"].endswith(".csv")

    for name, content in (("list.xlsx", b"PK..."), ("empty.csv", b"")):
        refused = await gateway.http.post(
            "/api/v1/outreach/suppression/import", files={"file": (name, content)}, headers=operator
        )
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "file"]
    missing = await gateway.http.post("/api/v1/outreach/suppression/import", headers=operator)
    assert missing.status_code == 422
    viewer = bearer(await gateway.user_token("viewer"))
    forbidden = await gateway.http.post(
        "/api/v1/outreach/suppression/import", files={"file": ("x.csv", b"a@example.com\n")}, headers=viewer
    )
    assert forbidden.status_code == 403
    assert len(received) == 1


async def test_templates(gateway: RunningGateway, outreach: FakeOwner) -> None:
    viewer = bearer(await gateway.user_token("viewer"))
    admin = bearer(await gateway.token())
    listed = await gateway.http.get("/api/v1/outreach/templates", headers=viewer)
    assert listed.status_code == 200 and listed.json()["items"][0]["template_id"] == TEMPLATE_ID
    one = await gateway.http.get(f"/api/v1/outreach/templates/{TEMPLATE_ID}", headers=viewer)
    assert one.status_code == 200 and one.json()["subject"] == TEMPLATE["subject"]
    missing = await gateway.http.get(f"/api/v1/outreach/templates/{uuid.uuid4()}", headers=viewer)
    assert missing.status_code == 404

    new = {"name": " Follow-up ", "subject": "Again, {{first_name}}", "body": "Hi {{first_name}}"}
    created = await gateway.http.post("/api/v1/outreach/templates", json=new, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Follow-up"
    assert outreach.params("q.outreach.templates.create") == [
        {
            "actor": "admin@example.com",
            "template": {"name": "Follow-up", "subject": "Again, {{first_name}}", "body": "Hi {{first_name}}"},
        }
    ]
    unknown_field = await gateway.http.post(
        "/api/v1/outreach/templates", json=new | {"body": "Your {{shoe_size}}"}, headers=admin
    )
    assert unknown_field.status_code == 422 and "shoe_size" in unknown_field.json()["detail"]
    for bad, field in (
        ({"subject": "Hi\r\nBcc: everyone@example.com"}, "subject"),
        ({"name": ""}, "name"),
        ({"body": ""}, "body"),
        ({"is_default": "sometimes"}, "is_default"),
        ({"html": "<b>"}, "html"),
    ):
        refused = await gateway.http.post("/api/v1/outreach/templates", json=new | bad, headers=admin)
        assert refused.status_code == 422, bad
        assert refused.json()["detail"][0]["loc"] == ["body", field]

    updated = await gateway.http.put(
        f"/api/v1/outreach/templates/{TEMPLATE_ID}", json={"is_default": False, "subject": "New"}, headers=admin
    )
    assert updated.status_code == 200 and updated.json()["subject"] == "New"
    assert outreach.params("q.outreach.templates.update")[-1] == {
        "actor": "admin@example.com",
        "template_id": TEMPLATE_ID,
        "changes": {"subject": "New", "is_default": False},
    }
    cleared = await gateway.http.put(f"/api/v1/outreach/templates/{TEMPLATE_ID}", json={"body": None}, headers=admin)
    assert cleared.status_code == 422 and cleared.json()["detail"][0]["loc"] == ["body", "body"]

    deleted = await gateway.http.delete(f"/api/v1/outreach/templates/{TEMPLATE_ID}", headers=admin)
    assert deleted.status_code == 204
    gone = await gateway.http.delete(f"/api/v1/outreach/templates/{uuid.uuid4()}", headers=admin)
    assert gone.status_code == 404

    for method, path, body in (
        ("POST", "/api/v1/outreach/templates", new),
        ("PUT", f"/api/v1/outreach/templates/{TEMPLATE_ID}", {"name": "x"}),
        ("DELETE", f"/api/v1/outreach/templates/{TEMPLATE_ID}", None),
    ):
        response = await gateway.http.request(method, path, json=body, headers=viewer)
        assert response.status_code == 403, f"{method} {path}"


async def test_the_owner_down_is_503(gateway: RunningGateway) -> None:
    admin = bearer(await gateway.token())
    for method, path, body in (
        ("GET", "/api/v1/outreach/events", None),
        ("GET", "/api/v1/outreach/stats", None),
        ("GET", "/api/v1/outreach/suppression", None),
        ("POST", "/api/v1/outreach/suppression", {"emails": ["a@example.com"]}),
        ("DELETE", "/api/v1/outreach/suppression/a@example.com", None),
        ("GET", "/api/v1/outreach/templates", None),
        ("GET", f"/api/v1/outreach/templates/{TEMPLATE_ID}", None),
        ("POST", "/api/v1/outreach/templates", {"name": "n", "subject": "s", "body": "b"}),
    ):
        response = await gateway.http.request(method, path, json=body, headers=admin)
        assert response.status_code == 503, f"{method} {path}: {response.status_code}"
        assert "outreach" in response.json()["detail"] and response.headers["Retry-After"] == "5"
