"""``/mailboxes`` relayed to the warmup service: bodies checked at the edge, roles, answers and refusals."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from ra_gateway.testing import RunningGateway, bearer
from ra_runtime.queries import QueryError
from ra_runtime.testing import FakeOwner

pytestmark = pytest.mark.integration

MAILBOX_ID = str(uuid.uuid4())
NOW = datetime.now(UTC).isoformat()

NEW_MAILBOX: dict[str, Any] = {
    "email": "Sender@Example.com",
    "display_name": "Pat Sender",
    "password": "app-password-1234",
    "provider": "gmail",
    "smtp_host": "smtp.gmail.com",
    "smtp_port": 587,
}


def view(**changes: Any) -> dict[str, Any]:
    """A mailbox as the warmup service shows it (plus a secret it must never let through)."""
    return {
        "mailbox_id": MAILBOX_ID,
        "version": 1,
        "email": "sender@example.com",
        "display_name": "Pat Sender",
        "provider": "gmail",
        "smtp_host": "smtp.gmail.com",
        "smtp_port": 587,
        "smtp_security": "starttls",
        "smtp_username": None,
        "imap_host": None,
        "imap_port": None,
        "imap_security": None,
        "has_password": True,
        "password_encrypted": "gAAAA-not-for-clients",
        "warmup_status": "INACTIVE",
        "is_active": True,
        "connection_status": "untested",
        "last_tested_at": None,
        "last_test_result": None,
        "daily_send_limit": 30,
        "emails_sent_today": 0,
        "created_at": NOW,
        "updated_at": NOW,
        **changes,
    }


def check(ok: bool, kind: str = "ok", stage: str = "login") -> dict[str, Any]:
    return {"ok": ok, "kind": kind, "stage": stage, "message": "235 Authentication successful", "elapsed_ms": 12.5}


def connection_test(mailbox_id: str = MAILBOX_ID) -> dict[str, Any]:
    return {
        "mailbox_id": mailbox_id,
        "email": "sender@example.com",
        "ok": False,
        "tested_at": NOW,
        "smtp": check(False, "auth", "login") | {"message": "535 5.7.8 Username and Password not accepted"},
        "imap": None,
        "mailbox": view(mailbox_id=mailbox_id, connection_status="failed"),
    }


def _known(params: dict[str, Any]) -> None:
    if params["mailbox_id"] != MAILBOX_ID:
        raise QueryError(404, "mailbox not found")


def changed(params: dict[str, Any]) -> dict[str, Any]:
    _known(params)
    return view(**{k: v for k, v in params["changes"].items() if k != "password"})


def moved(params: dict[str, Any]) -> dict[str, Any]:
    _known(params)
    if params["status"] == "ACTIVE":
        raise QueryError(409, "INACTIVE → ACTIVE is not allowed")
    return view(warmup_status=params["status"], paused_reason=params.get("reason"))


def deleted(params: dict[str, Any]) -> dict[str, Any]:
    _known(params)
    return {"deleted": True}


def probed(params: dict[str, Any]) -> dict[str, Any]:
    _known(params)
    return connection_test()


STATS = {
    "total": 3,
    "active": 2,
    "by_status": {"INACTIVE": 1, "WARMING_UP": 2},
    "by_connection": {"ok": 2, "untested": 1},
    "by_provider": {"gmail": 3},
    "sent_today": 7,
    "daily_capacity": 90,
    "blacklisted": 0,
}


@pytest.fixture
async def warmup(gateway: RunningGateway) -> FakeOwner:
    owner = FakeOwner(gateway.nc)
    answers = {
        "list": lambda p: {"items": [view()], "total": 1, "page": p["page"], "page_size": p["page_size"]},
        "get": lambda p: _known(p) or view(),
        "create": lambda p: view(**{k: v for k, v in p["mailbox"].items() if k != "password"}),
        "update": changed,
        "status": moved,
        "delete": deleted,
        "bulk_delete": lambda p: {"deleted": len(p["mailbox_ids"]) - 1, "not_found": p["mailbox_ids"][-1:]},
        "stats": lambda _: STATS,
        "test": probed,
        "test_all": lambda _: {
            "results": [connection_test(), connection_test(str(uuid.uuid4()))],
            "ok": 0,
            "failed": 2,
        },
    }
    for name, reply in answers.items():
        await owner.answer(f"q.warmup.mailboxes.{name}", reply)
    return owner


async def test_reads_are_relayed_with_their_parameters(gateway: RunningGateway, warmup: FakeOwner) -> None:
    viewer = bearer(await gateway.user_token("viewer"))
    listed = await gateway.http.get(
        "/api/v1/mailboxes",
        params={
            "page": 2,
            "page_size": 50,
            "search": "  pat ",
            "warmup_status": "WARMING_UP",
            "connection_status": "ok",
            "provider": "gmail",
            "is_active": "true",
            "sort": "emails_sent_today",
            "order": "asc",
        },
        headers=viewer,
    )
    assert listed.status_code == 200, listed.text
    assert warmup.params("q.warmup.mailboxes.list") == [
        {
            "page": 2,
            "page_size": 50,
            "search": "pat",
            "warmup_status": "WARMING_UP",
            "connection_status": "ok",
            "provider": "gmail",
            "is_active": True,
            "sort": "emails_sent_today",
            "order": "asc",
        }
    ]
    body = listed.json()
    assert body["total"] == 1 and body["page"] == 2 and body["page_size"] == 50
    [item] = body["items"]
    assert item["mailbox_id"] == MAILBOX_ID and item["has_password"] is True
    # A secret an owner lets slip by mistake stops at the gateway.
    assert not any("password" in key for key in item if key != "has_password")

    default = await gateway.http.get("/api/v1/mailboxes", headers=viewer)
    assert default.status_code == 200
    assert warmup.params("q.warmup.mailboxes.list")[-1] == {
        "page": 1,
        "page_size": 25,
        "sort": "created_at",
        "order": "desc",
    }

    one = await gateway.http.get(f"/api/v1/mailboxes/{MAILBOX_ID}", headers=viewer)
    assert one.status_code == 200 and one.json()["email"] == "sender@example.com"
    assert "password_encrypted" not in one.json()
    missing = await gateway.http.get(f"/api/v1/mailboxes/{uuid.uuid4()}", headers=viewer)
    assert missing.status_code == 404 and missing.json() == {"detail": "mailbox not found"}

    stats = await gateway.http.get("/api/v1/mailboxes/stats", headers=viewer)
    assert stats.status_code == 200 and stats.json() == STATS


async def test_bad_list_parameters_are_refused(gateway: RunningGateway) -> None:
    admin = bearer(await gateway.token())
    bad: list[dict[str, Any]] = [
        {"page_size": 30},
        {"page": 0},
        {"warmup_status": "WARM"},
        {"sort": "password"},
        {"is_active": "maybe"},
    ]
    for query in bad:
        response = await gateway.http.get("/api/v1/mailboxes", params=query, headers=admin)
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["query", next(iter(query))]


async def test_create_sends_the_password_to_the_owner_only(gateway: RunningGateway, warmup: FakeOwner) -> None:
    operator = bearer(await gateway.user_token("operator"))
    created = await gateway.http.post(
        "/api/v1/mailboxes",
        json=NEW_MAILBOX | {"imap_host": "IMAP.gmail.com.", "imap_port": 993, "daily_send_limit": 40},
        headers=operator,
    )
    assert created.status_code == 201, created.text
    assert "app-password-1234" not in created.text and "password_encrypted" not in created.json()
    [request] = warmup.params("q.warmup.mailboxes.create")
    assert request == {
        "actor": "operator@example.com",
        "mailbox": {
            "email": "sender@example.com",
            "display_name": "Pat Sender",
            "password": "app-password-1234",
            "provider": "gmail",
            "smtp_host": "smtp.gmail.com",
            "smtp_port": 587,
            "imap_host": "imap.gmail.com",
            "imap_port": 993,
            "daily_send_limit": 40,
        },
    }
    # The owner picks the security from the port when it is not given; it is sent only when it is.
    await gateway.http.post(
        "/api/v1/mailboxes", json=NEW_MAILBOX | {"smtp_port": 465, "smtp_security": "ssl"}, headers=operator
    )
    assert warmup.params("q.warmup.mailboxes.create")[-1]["mailbox"]["smtp_security"] == "ssl"


async def test_a_duplicate_address_is_a_conflict(gateway: RunningGateway) -> None:
    owner = FakeOwner(gateway.nc)

    def refuse(_: dict[str, Any]) -> None:
        raise QueryError(409, "a mailbox with this address exists")

    await owner.answer("q.warmup.mailboxes.create", refuse)
    response = await gateway.http.post("/api/v1/mailboxes", json=NEW_MAILBOX, headers=bearer(await gateway.token()))
    assert response.status_code == 409 and response.json() == {"detail": "a mailbox with this address exists"}


BAD_FIELDS: list[tuple[dict[str, Any], str]] = [
    ({"email": "not-an-address"}, "email"),
    ({"email": "pat@localhost"}, "email"),
    ({"smtp_port": 0}, "smtp_port"),
    ({"smtp_port": 65536}, "smtp_port"),
    ({"imap_port": -1}, "imap_port"),
    ({"smtp_security": "tls"}, "smtp_security"),
    ({"imap_security": "ssl3"}, "imap_security"),
    ({"daily_send_limit": 10_001}, "daily_send_limit"),
    ({"daily_send_limit": -1}, "daily_send_limit"),
    ({"smtp_host": "smtp example.com"}, "smtp_host"),
    ({"smtp_host": ""}, "smtp_host"),
    ({"imap_host": "-bad-.example.com"}, "imap_host"),
    ({"password": ""}, "password"),
    ({"provider": ""}, "provider"),
    ({"warmup_status": "ACTIVE"}, "warmup_status"),
]


async def test_bad_mailboxes_are_refused_at_the_edge(gateway: RunningGateway, warmup: FakeOwner) -> None:
    admin = bearer(await gateway.token())
    for changes, field in BAD_FIELDS:
        response = await gateway.http.post("/api/v1/mailboxes", json=NEW_MAILBOX | changes, headers=admin)
        assert response.status_code == 422, response.text
        assert [e["loc"] for e in response.json()["detail"]] == [["body", field]], changes
        assert "app-password-1234" not in response.text
    assert warmup.params("q.warmup.mailboxes.create") == []


async def test_missing_fields_are_named(gateway: RunningGateway) -> None:
    response = await gateway.http.post(
        "/api/v1/mailboxes", json={"email": "a@example.com"}, headers=bearer(await gateway.token())
    )
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["detail"]} == {
        ("body", "password"),
        ("body", "provider"),
        ("body", "smtp_host"),
    }


async def test_update_keeps_an_empty_password_and_refuses_clearing(gateway: RunningGateway, warmup: FakeOwner) -> None:
    admin = bearer(await gateway.token())
    response = await gateway.http.put(
        f"/api/v1/mailboxes/{MAILBOX_ID}",
        json={"password": "", "smtp_port": 465, "smtp_security": "ssl", "imap_host": ""},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    assert warmup.params("q.warmup.mailboxes.update") == [
        {
            "actor": "admin@example.com",
            "mailbox_id": MAILBOX_ID,
            "changes": {"smtp_port": 465, "smtp_security": "ssl", "imap_host": None},
        }
    ]
    new_password = await gateway.http.put(
        f"/api/v1/mailboxes/{MAILBOX_ID}", json={"password": "new-secret-99"}, headers=admin
    )
    assert new_password.status_code == 200 and "new-secret-99" not in new_password.text
    assert warmup.params("q.warmup.mailboxes.update")[-1]["changes"] == {"password": "new-secret-99"}

    for field in ("email", "smtp_host", "smtp_port", "daily_send_limit"):
        cleared = await gateway.http.put(f"/api/v1/mailboxes/{MAILBOX_ID}", json={field: None}, headers=admin)
        assert cleared.status_code == 422, field
        assert cleared.json()["detail"][0]["loc"] == ["body", field]
    unknown = await gateway.http.put(f"/api/v1/mailboxes/{uuid.uuid4()}", json={"display_name": "x"}, headers=admin)
    assert unknown.status_code == 404


async def test_status_changes_delete_and_bulk_delete(gateway: RunningGateway, warmup: FakeOwner) -> None:
    operator = bearer(await gateway.user_token("operator"))
    paused = await gateway.http.put(
        f"/api/v1/mailboxes/{MAILBOX_ID}/status", json={"status": "PAUSED", "reason": " bounces "}, headers=operator
    )
    assert paused.status_code == 200, paused.text
    assert paused.json()["warmup_status"] == "PAUSED" and paused.json()["paused_reason"] == "bounces"
    assert warmup.params("q.warmup.mailboxes.status") == [
        {"actor": "operator@example.com", "mailbox_id": MAILBOX_ID, "status": "PAUSED", "reason": "bounces"}
    ]
    refused = await gateway.http.put(
        f"/api/v1/mailboxes/{MAILBOX_ID}/status", json={"status": "ACTIVE"}, headers=operator
    )
    assert refused.status_code == 409 and "not allowed" in refused.json()["detail"]
    bad = await gateway.http.put(f"/api/v1/mailboxes/{MAILBOX_ID}/status", json={"status": "ON"}, headers=operator)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "status"]

    gone = await gateway.http.delete(f"/api/v1/mailboxes/{MAILBOX_ID}", headers=operator)
    assert gone.status_code == 204 and gone.content == b""
    missing = await gateway.http.delete(f"/api/v1/mailboxes/{uuid.uuid4()}", headers=operator)
    assert missing.status_code == 404

    unknown = str(uuid.uuid4())
    bulk = await gateway.http.post(
        "/api/v1/mailboxes/bulk-delete", json={"mailbox_ids": [MAILBOX_ID, MAILBOX_ID, unknown]}, headers=operator
    )
    assert bulk.status_code == 200, bulk.text
    assert bulk.json() == {"deleted": 1, "not_found": [unknown]}
    assert warmup.params("q.warmup.mailboxes.bulk_delete")[-1]["mailbox_ids"] == [MAILBOX_ID, unknown]
    for body in ({"mailbox_ids": []}, {"mailbox_ids": ["nope"]}, {"mailbox_ids": [str(uuid.uuid4())] * 1001}):
        too_bad = await gateway.http.post("/api/v1/mailboxes/bulk-delete", json=body, headers=operator)
        assert too_bad.status_code == 422


async def test_connection_tests_are_relayed(gateway: RunningGateway, warmup: FakeOwner) -> None:
    operator = bearer(await gateway.user_token("operator"))
    one = await gateway.http.post(f"/api/v1/mailboxes/{MAILBOX_ID}/test-connection", headers=operator)
    assert one.status_code == 200, one.text
    result = one.json()
    assert result["ok"] is False and result["smtp"]["kind"] == "auth" and result["smtp"]["stage"] == "login"
    assert result["smtp"]["message"].startswith("535") and result["imap"] is None
    assert result["mailbox"]["connection_status"] == "failed" and "password_encrypted" not in result["mailbox"]
    assert warmup.params("q.warmup.mailboxes.test") == [{"actor": "operator@example.com", "mailbox_id": MAILBOX_ID}]
    unknown = await gateway.http.post(f"/api/v1/mailboxes/{uuid.uuid4()}/test-connection", headers=operator)
    assert unknown.status_code == 404

    every = await gateway.http.post("/api/v1/mailboxes/test-all", headers=operator)
    assert every.status_code == 200, every.text
    assert every.json()["failed"] == 2 and len(every.json()["results"]) == 2
    assert warmup.params("q.warmup.mailboxes.test_all") == [{"actor": "operator@example.com"}]


WRITES = [
    ("POST", "/api/v1/mailboxes", NEW_MAILBOX),
    ("PUT", f"/api/v1/mailboxes/{MAILBOX_ID}", {"display_name": "x"}),
    ("PUT", f"/api/v1/mailboxes/{MAILBOX_ID}/status", {"status": "PAUSED"}),
    ("DELETE", f"/api/v1/mailboxes/{MAILBOX_ID}", None),
    ("POST", "/api/v1/mailboxes/bulk-delete", {"mailbox_ids": [MAILBOX_ID]}),
    ("POST", f"/api/v1/mailboxes/{MAILBOX_ID}/test-connection", None),
    ("POST", "/api/v1/mailboxes/test-all", None),
]


async def test_viewers_cannot_change_or_test_mailboxes(gateway: RunningGateway, warmup: FakeOwner) -> None:
    viewer = bearer(await gateway.user_token("viewer"))
    for method, path, body in WRITES:
        response = await gateway.http.request(method, path, json=body, headers=viewer)
        assert response.status_code == 403, f"{method} {path}: {response.status_code}"
    assert [subject for subject, _ in warmup.asked] == []


async def test_the_owner_down_is_503(gateway: RunningGateway) -> None:
    admin = bearer(await gateway.token())
    for method, path, body in [("GET", "/api/v1/mailboxes", None), ("GET", "/api/v1/mailboxes/stats", None), *WRITES]:
        response = await gateway.http.request(method, path, json=body, headers=admin)
        assert response.status_code == 503, f"{method} {path}: {response.status_code}"
        assert "warmup" in response.json()["detail"]


async def test_the_api_document_describes_mailboxes(gateway: RunningGateway) -> None:
    spec = gateway.app.openapi()
    schemas = spec["components"]["schemas"]
    password = schemas["MailboxInput"]["properties"]["password"]
    assert password["writeOnly"] is True and password["format"] == "password"
    assert "password" not in schemas["MailboxView"]["properties"]
    assert schemas["MailboxInput"]["properties"]["smtp_port"]["maximum"] == 65535
    create = spec["paths"]["/api/v1/mailboxes"]["post"]
    assert {"201", "409", "422", "503"} <= set(create["responses"])
    assert create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/MailboxView")
    test = spec["paths"]["/api/v1/mailboxes/{mailbox_id}/test-connection"]["post"]
    assert test["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/ConnectionTestResult")
