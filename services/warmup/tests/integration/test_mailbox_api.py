"""Mailbox CRUD through the warmup service's queries: rows, answers and the events published."""

from __future__ import annotations

import uuid

import pytest
from ra_runtime.secrets import SecretBox

from .support import Warmup

pytestmark = pytest.mark.integration


async def test_create_answers_the_view_and_never_the_password(warmup: Warmup) -> None:
    created = await warmup.create(
        email=" Sender@Example.COM ", display_name="Sales Team", provider="Gmail", smtp_host="smtp.gmail.com",
        smtp_port=465, password="s3cret-app-pass",
    )  # fmt: skip
    assert created["email"] == "sender@example.com"
    assert created["provider"] == "gmail"
    assert created["smtp_security"] == "ssl"  # port 465 → implicit TLS
    assert created["warmup_status"] == "INACTIVE" and created["connection_status"] == "untested"
    assert created["version"] == 1 and created["has_password"] is True
    assert created["daily_send_limit"] == 30 and created["emails_sent_today"] == 0
    assert "password" not in created and "password_encrypted" not in created
    row = await warmup.row(created["mailbox_id"])
    assert row.password_encrypted != "s3cret-app-pass"
    assert SecretBox.from_setting(None).decrypt(row.password_encrypted) == "s3cret-app-pass"

    (event,) = await warmup.wait_events(created["mailbox_id"], 1, "mailbox.created")
    assert event.payload["mailbox"]["email"] == "sender@example.com"
    assert event.payload["mailbox"]["version"] == 1
    assert event.payload["created_by"] == "admin@example.com"

    assert (await warmup.ask("get", {"mailbox_id": created["mailbox_id"]})) == created
    other = await warmup.create(email="two@example.com", smtp_port=587, imap_host="imap.example.com")
    assert other["smtp_security"] == "starttls"
    assert (other["imap_port"], other["imap_security"]) == (993, "ssl")

    duplicate = await warmup.refused(
        "create", {"mailbox": {"email": "SENDER@example.com", "password": "x", "smtp_host": "h.example.com"}}
    )
    assert duplicate.status == 409 and "already exists" in duplicate.detail
    bad = await warmup.refused(
        "create", {"mailbox": {"email": "not-an-address", "password": "x", "smtp_host": "h.example.com"}}
    )
    assert bad.status == 422
    bad = await warmup.refused(
        "create", {"mailbox": {"email": "a@example.com", "password": "x", "smtp_host": "bad host!"}}
    )
    assert bad.status == 422
    bad = await warmup.refused(
        "create", {"mailbox": {"email": "a@example.com", "password": "", "smtp_host": "h.example.com"}}
    )
    assert bad.status == 422
    assert all(b"s3cret-app-pass" not in raw for raw in warmup.raw)
    assert (await warmup.refused("get", {"mailbox_id": str(uuid.uuid4())})).status == 404


async def test_update_list_stats_credentials_delete(warmup: Warmup) -> None:
    a = await warmup.create(
        email="alice@example.com", display_name="Alice", provider="gmail", smtp_host="smtp.gmail.com"
    )
    b = await warmup.create(
        email="bob@example.com", display_name="Bob", provider="microsoft365", smtp_host="smtp.office365.com"
    )
    c = await warmup.create(email="carol@example.org", provider="smtp", smtp_host="mail.example.org", is_active=False)

    updated = await warmup.ask(
        "update",
        {
            "mailbox_id": a["mailbox_id"],
            "changes": {"display_name": "Alice S.", "daily_send_limit": 40, "password": ""},
            "actor": "op",
        },
    )
    assert updated["display_name"] == "Alice S." and updated["daily_send_limit"] == 40
    assert updated["version"] == 2 and updated["connection_status"] == "untested"
    (event,) = await warmup.wait_events(a["mailbox_id"], 1, "mailbox.updated")
    assert event.payload["changed"] == ["daily_send_limit", "display_name"]
    assert event.payload["mailbox"]["version"] == 2 and event.payload["updated_by"] == "op"
    row = await warmup.row(a["mailbox_id"])
    assert SecretBox.from_setting(None).decrypt(row.password_encrypted) == "app-password"  # empty = keep

    new_password = await warmup.ask("update", {"mailbox_id": a["mailbox_id"], "changes": {"password": "rotated"}})
    assert new_password["version"] == 3
    assert SecretBox.from_setting(None).decrypt((await warmup.row(a["mailbox_id"])).password_encrypted) == "rotated"
    same = await warmup.ask("update", {"mailbox_id": a["mailbox_id"], "changes": {"display_name": "Alice S."}})
    assert same["version"] == 3  # nothing changed, nothing published
    taken = await warmup.refused("update", {"mailbox_id": a["mailbox_id"], "changes": {"email": "BOB@example.com"}})
    assert taken.status == 409
    unknown = await warmup.refused("update", {"mailbox_id": a["mailbox_id"], "changes": {"colour": "red"}})
    assert unknown.status == 422

    page = await warmup.ask("list", {"sort": "email", "order": "asc", "page_size": 2})
    assert [m["email"] for m in page["items"]] == ["alice@example.com", "bob@example.com"]
    assert page["total"] == 3 and page["page"] == 1 and page["page_size"] == 2
    page2 = await warmup.ask("list", {"sort": "email", "order": "asc", "page_size": 2, "page": 2})
    assert [m["email"] for m in page2["items"]] == ["carol@example.org"]
    assert [m["email"] for m in (await warmup.ask("list", {"search": "office365"}))["items"]] == ["bob@example.com"]
    assert [m["email"] for m in (await warmup.ask("list", {"provider": "gmail"}))["items"]] == ["alice@example.com"]
    assert [m["email"] for m in (await warmup.ask("list", {"is_active": False}))["items"]] == ["carol@example.org"]
    assert (await warmup.ask("list", {"warmup_status": "ACTIVE"}))["total"] == 0
    assert (await warmup.refused("list", {"sort": "password_encrypted"})).status == 422

    stats = await warmup.ask("stats")
    assert stats["total"] == 3 and stats["active"] == 2
    assert stats["by_status"] == {"INACTIVE": 3}
    assert stats["by_connection"] == {"untested": 3}
    assert stats["by_provider"] == {"gmail": 1, "microsoft365": 1, "smtp": 1}
    assert stats["sent_today"] == 0 and stats["daily_capacity"] == 0 and stats["blacklisted"] == 0

    creds = await warmup.ask("credentials", {"mailbox_id": b["mailbox_id"]})
    assert creds["smtp_host"] == "smtp.office365.com" and creds["smtp_username"] == "bob@example.com"
    assert SecretBox.from_setting(None).decrypt(creds["password_encrypted"]) == "app-password"

    assert await warmup.ask("delete", {"mailbox_id": c["mailbox_id"], "actor": "op"}) == {"deleted": True}
    (gone,) = await warmup.wait_events(c["mailbox_id"], 1, "mailbox.deleted")
    assert gone.payload["email"] == "carol@example.org" and gone.payload["deleted_by"] == "op"
    assert (await warmup.refused("delete", {"mailbox_id": c["mailbox_id"]})).status == 404
    missing = str(uuid.uuid4())
    answer = await warmup.ask(
        "bulk_delete", {"mailbox_ids": [a["mailbox_id"], b["mailbox_id"], missing], "actor": "op"}
    )
    assert answer == {"deleted": 2, "not_found": [missing]}
    await warmup.wait_events(b["mailbox_id"], 1, "mailbox.deleted")
    assert await warmup.rows() == []
