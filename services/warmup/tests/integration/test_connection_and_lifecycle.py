"""Connection tests against real mail servers started here, and the lifecycle they and a person drive."""

from __future__ import annotations

from typing import Any

import pytest
from ra_runtime.mailtesting import Certificate, closed_port, imap_server, silent_server, smtp_server

from .conftest import StartWarmup
from .support import Warmup

pytestmark = pytest.mark.integration

LOGIN = "sender@example.com"
USERS = {LOGIN: "app-password"}


async def test_a_successful_test_starts_the_warmup_and_a_person_moves_the_mailbox_on(
    warmup: Warmup, certs: dict[str, Certificate]
) -> None:
    async with (
        smtp_server(users=USERS, starttls=certs["trusted"].server_context(), require_tls_for_auth=True) as smtp,
        imap_server(users=USERS, implicit_tls=certs["trusted"].server_context()) as imap,
    ):
        mailbox = await warmup.create(
            email=LOGIN, smtp_host="localhost", smtp_port=smtp.port, imap_host="localhost", imap_port=imap.port,
            imap_security="ssl",
        )  # fmt: skip
        mid = mailbox["mailbox_id"]
        refused = await warmup.refused("status", {"mailbox_id": mid, "status": "WARMING_UP", "actor": "op"})
        assert refused.status == 409 and "test the connection" in refused.detail

        result = await warmup.ask("test", {"mailbox_id": mid, "actor": "op"})
        assert smtp.logins == [(LOGIN, True)] and imap.logins == [(LOGIN, True)]

    assert result["ok"] is True and result["email"] == LOGIN
    assert (result["smtp"]["kind"], result["smtp"]["ok"]) == ("ok", True)
    assert (result["imap"]["kind"], result["imap"]["ok"]) == ("ok", True)
    after = result["mailbox"]
    assert after["warmup_status"] == "WARMING_UP" and after["connection_status"] == "ok"
    assert after["warmup_started_at"] is not None and after["last_tested_at"] is not None
    assert after["last_test_result"]["smtp"]["kind"] == "ok" and "mailbox" not in after["last_test_result"]
    assert after["version"] == 2

    (updated,) = await warmup.wait_events(mid, 1, "mailbox.updated")
    assert set(updated.payload["changed"]) >= {"connection_status", "warmup_status", "last_tested_at"}
    assert updated.payload["mailbox"]["warmup_status"] == "WARMING_UP"
    (changed,) = await warmup.wait_events(mid, 1, "mailbox.status_changed")
    assert changed.payload["from_status"] == "INACTIVE" and changed.payload["to_status"] == "WARMING_UP"
    assert changed.payload["reason"] == "connection_test"

    async def move(status: str, reason: str | None = None) -> dict[str, Any]:
        return dict(await warmup.ask("status", {"mailbox_id": mid, "status": status, "actor": "op", "reason": reason}))

    # An already-warmed mailbox skips the warmup.
    assert (await move("ACTIVE"))["warmup_status"] == "ACTIVE"
    (ready,) = await warmup.wait_events(mid, 1, "mailbox.ready")
    assert ready.payload["status"] == "ACTIVE"
    paused = await move("PAUSED", "bounce rate 6%")
    assert paused["warmup_status"] == "PAUSED" and paused["paused_reason"] == "bounce rate 6%"
    (pause_event,) = await warmup.wait_events(mid, 1, "mailbox.paused")
    assert pause_event.payload["reason"] == "bounce rate 6%"
    not_allowed = await warmup.refused("status", {"mailbox_id": mid, "status": "ACTIVE"})
    assert not_allowed.status == 409 and "from PAUSED to ACTIVE" in not_allowed.detail
    assert (await move("RECOVERING"))["paused_reason"] == "bounce rate 6%"
    assert (await move("WARMING_UP"))["paused_reason"] is None
    assert (await move("COLD_READY"))["warmup_status"] == "COLD_READY"
    assert (await move("COLD_READY"))["version"] == (await warmup.ask("get", {"mailbox_id": mid}))["version"]
    assert (await move("INACTIVE"))["warmup_status"] == "INACTIVE"
    assert (await warmup.refused("status", {"mailbox_id": mid, "status": "SLEEPING"})).status == 409

    await warmup.wait_events(mid, 7, "mailbox.status_changed")
    moves = [(e.payload["from_status"], e.payload["to_status"]) for e in warmup.of(mid, "mailbox.status_changed")]
    assert moves == [
        ("INACTIVE", "WARMING_UP"),
        ("WARMING_UP", "ACTIVE"),
        ("ACTIVE", "PAUSED"),
        ("PAUSED", "RECOVERING"),
        ("RECOVERING", "WARMING_UP"),
        ("WARMING_UP", "COLD_READY"),
        ("COLD_READY", "INACTIVE"),
    ]
    assert [e.payload["status"] for e in warmup.of(mid, "mailbox.ready")] == ["ACTIVE", "COLD_READY"]
    versions = [
        e.payload["mailbox"]["version"] for e in warmup.of(mid) if e.type in ("mailbox.created", "mailbox.updated")
    ]
    assert versions == list(range(1, len(versions) + 1))

    # New server settings: the earlier test no longer counts.
    changed_port = await warmup.ask("update", {"mailbox_id": mid, "changes": {"smtp_port": 465}})
    assert changed_port["connection_status"] == "untested" and changed_port["smtp_security"] == "ssl"
    assert (await warmup.refused("status", {"mailbox_id": mid, "status": "WARMING_UP"})).status == 409


def kinds(result: dict[str, Any]) -> tuple[Any, ...]:
    imap = result["imap"]
    return (result["smtp"]["kind"], result["smtp"]["stage"], imap["kind"] if imap else None)


async def test_each_failure_is_reported_precisely(warmup: Warmup, certs: dict[str, Certificate]) -> None:
    async with (
        smtp_server(users=USERS, starttls=certs["trusted"].server_context()) as good,
        smtp_server(users=USERS, starttls=certs["stranger"].server_context()) as untrusted,
        smtp_server(users=USERS, implicit_tls=certs["trusted"].server_context()) as implicit,
        silent_server() as silent,
        imap_server(users={LOGIN: "the-imap-password-differs"}) as imap,
    ):
        expected: dict[str, tuple[Any, ...]] = {}

        async def mailbox(name: str, expect: tuple[Any, ...], **fields: Any) -> None:
            created = await warmup.create(email=f"{name}@example.com", smtp_username=LOGIN, **fields)
            expected[created["mailbox_id"]] = expect

        await mailbox("good", ("ok", "login", None), smtp_port=good.port)
        await mailbox("wrongpass", ("auth", "login", None), smtp_port=good.port, password="wrong")
        await mailbox("m365", ("auth", "login", None), smtp_port=good.port, password="wrong", provider="microsoft365")
        await mailbox("untrusted", ("tls", "tls", None), smtp_port=untrusted.port)
        await mailbox("implicit", ("ok", "login", None), smtp_port=implicit.port, smtp_security="ssl")
        await mailbox("closed", ("refused", "connect", None), smtp_port=closed_port())
        await mailbox("nodns", ("dns", "resolve", None), smtp_host="mail.no-such-host.invalid", smtp_port=587)
        await mailbox("silent", ("timeout", "connect", None), smtp_host="127.0.0.1", smtp_port=silent.port)
        await mailbox(
            "imapbad", ("ok", "login", "auth"), smtp_port=good.port, imap_host="127.0.0.1", imap_port=imap.port,
            imap_security="none", password="app-password",
        )  # fmt: skip
        imap.logins.clear()
        answer = await warmup.ask("test_all", {"actor": "op"}, timeout=60)

    results = {r["mailbox_id"]: r for r in answer["results"]}
    assert {mid: kinds(results[mid]) for mid in expected} == expected
    assert answer["ok"] == 2 and answer["failed"] == 7

    wrong = next(r for r in answer["results"] if r["email"] == "wrongpass@example.com")
    assert "535" in wrong["smtp"]["message"] and wrong["smtp"]["hint"] is None
    # A refused login at a big provider says what usually fixes it (SOP §6.1).
    m365 = next(r for r in answer["results"] if r["email"] == "m365@example.com")
    assert "SMTP AUTH" in m365["smtp"]["hint"]
    untrusted_result = next(r for r in answer["results"] if r["email"] == "untrusted@example.com")
    assert "not trusted" in untrusted_result["smtp"]["message"]
    imap_result = next(r for r in answer["results"] if r["email"] == "imapbad@example.com")
    assert imap_result["ok"] is False and "AUTHENTICATIONFAILED" in imap_result["imap"]["message"]

    for row in await warmup.rows():
        should_pass = row.email in ("good@example.com", "implicit@example.com")
        assert row.connection_status == ("ok" if should_pass else "failed"), row.email
        # a failed test changes the connection status, never the lifecycle
        assert row.warmup_status == ("WARMING_UP" if should_pass else "INACTIVE"), row.email
        assert row.last_test_result is not None and row.last_tested_at is not None
    stats = await warmup.ask("stats")
    assert stats["by_connection"] == {"ok": 2, "failed": 7}


async def test_hosts_inside_the_network_are_blocked(start_warmup: StartWarmup) -> None:
    warmup = await start_warmup(allow_private_mail_hosts=False)
    async with smtp_server(users=USERS) as local:
        loopback = await warmup.create(email="loop@example.com", smtp_host="127.0.0.1", smtp_port=587)
        metadata = await warmup.create(email="meta@example.com", smtp_host="169.254.169.254", smtp_port=587)
        odd_port = await warmup.create(email="port@example.com", smtp_host="localhost", smtp_port=local.port)
        results = [await warmup.ask("test", {"mailbox_id": m["mailbox_id"]}) for m in (loopback, metadata, odd_port)]
        assert local.logins == []
    assert [(r["smtp"]["kind"], r["smtp"]["stage"]) for r in results] == [("blocked", "guard")] * 3
    assert "loopback" in results[0]["smtp"]["message"]
    assert "metadata" in results[1]["smtp"]["message"]
    assert "not a mail port" in results[2]["smtp"]["message"]
    assert all(r["mailbox"]["connection_status"] == "failed" for r in results)
