"""The mailbox rules without any server: lifecycle moves, what a person may enter, what an update changes."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError
from ra_warmup.connection import Endpoints, MailPolicy, probe_imap, probe_smtp
from ra_warmup.handlers import move, view
from ra_warmup.mailboxes import (
    STATUSES,
    MailboxChanges,
    MailboxInput,
    MoveRefused,
    check_move,
    planned_changes,
    state,
)
from ra_warmup.models import SenderMailbox

ALLOWED = {
    ("INACTIVE", "WARMING_UP"),
    ("WARMING_UP", "COLD_READY"),
    ("WARMING_UP", "ACTIVE"),
    ("COLD_READY", "ACTIVE"),
    ("ACTIVE", "COLD_READY"),
    ("PAUSED", "RECOVERING"),
    ("RECOVERING", "WARMING_UP"),
}


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_the_lifecycle_graph(current: str, target: str) -> None:
    if current == target:
        return
    may = target in ("PAUSED", "INACTIVE") or (current, target) in ALLOWED
    if may:
        check_move(current, target, "ok")
    else:
        with pytest.raises(MoveRefused, match=f"from {current} to {target}"):
            check_move(current, target, "ok")


@pytest.mark.parametrize("target", ["WARMING_UP", "COLD_READY", "ACTIVE"])
@pytest.mark.parametrize("connection", ["untested", "failed"])
def test_sending_states_need_a_passed_connection_test(target: str, connection: str) -> None:
    current = {"WARMING_UP": "INACTIVE", "COLD_READY": "WARMING_UP", "ACTIVE": "COLD_READY"}[target]
    with pytest.raises(MoveRefused, match="test the connection"):
        check_move(current, target, connection)


def test_pausing_and_deactivating_need_no_connection() -> None:
    check_move("INACTIVE", "PAUSED", "untested")
    check_move("ACTIVE", "INACTIVE", "failed")
    check_move("PAUSED", "RECOVERING", "failed")
    with pytest.raises(MoveRefused, match="unknown status"):
        check_move("ACTIVE", "ASLEEP", "ok")


def mailbox(**fields: object) -> SenderMailbox:
    data = MailboxInput.model_validate({"email": "a@example.com", "password": "pw", "smtp_host": "smtp.example.com"})
    values = {
        **data.model_dump(exclude={"password"}),
        "mailbox_id": uuid.uuid4(),
        "version": 1,
        "password_encrypted": "token",
        "warmup_status": "INACTIVE",
        "connection_status": "ok",
        "warmup_days_completed": 0,
        "is_blacklisted": False,
        "emails_sent_today": 3,
        "counters_day": None,
        **fields,
    }
    return SenderMailbox(**values)


def test_moves_emit_the_lifecycle_events() -> None:
    m = mailbox()
    events = move(m, "WARMING_UP", reason="connection_test", actor=None, note=None)
    assert [e.TYPE for e in events] == ["mailbox.status_changed"]
    assert m.warmup_started_at is not None
    events = move(m, "ACTIVE", reason="manual", actor="op", note=None)
    assert [e.TYPE for e in events] == ["mailbox.status_changed", "mailbox.ready"]
    events = move(m, "PAUSED", reason="manual", actor="op", note="complaints")
    assert [e.TYPE for e in events] == ["mailbox.status_changed", "mailbox.paused"]
    assert m.paused_reason == "complaints" and m.paused_at is not None
    move(m, "RECOVERING", reason="manual", actor="op", note=None)
    assert m.paused_reason == "complaints"
    move(m, "WARMING_UP", reason="manual", actor="op", note=None)
    assert m.paused_reason is None and m.paused_at is None


def test_the_view_and_the_state_hide_the_password() -> None:
    m = mailbox()
    shown = view(m)
    assert "password_encrypted" not in shown and shown["has_password"] is True
    assert shown["emails_sent_today"] == 0  # counted for another day
    assert "password" not in state(m).model_dump_json()


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"email": "no-at-sign"}, "email"),
        ({"email": "two@@example.com"}, "email"),
        ({"email": "a@localhost"}, "email"),
        ({"smtp_host": "smtp example.com"}, "smtp_host"),
        ({"smtp_host": ""}, "smtp_host"),
        ({"smtp_port": 0}, "smtp_port"),
        ({"smtp_port": 70000}, "smtp_port"),
        ({"smtp_security": "tls"}, "smtp_security"),
        ({"password": ""}, "password"),
        ({"daily_send_limit": -1}, "daily_send_limit"),
        ({"imap_host": "bad_host!"}, "imap_host"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_refused_with_the_field(fields: dict[str, object], problem: str) -> None:
    base = {"email": "a@example.com", "password": "pw", "smtp_host": "smtp.example.com"}
    with pytest.raises(ValidationError) as caught:
        MailboxInput.model_validate({**base, **fields})
    assert problem in str(caught.value)


def test_defaults_follow_the_port() -> None:
    base = {"email": "A@Example.com", "password": "pw", "smtp_host": "SMTP.Example.com."}
    m = MailboxInput.model_validate(base)
    assert (m.email, m.smtp_host, m.smtp_port, m.smtp_security) == (
        "a@example.com",
        "smtp.example.com",
        587,
        "starttls",
    )
    assert MailboxInput.model_validate({**base, "smtp_port": 465}).smtp_security == "ssl"
    imap = MailboxInput.model_validate({**base, "imap_host": "imap.example.com", "imap_port": 143})
    assert (imap.imap_port, imap.imap_security) == (143, "starttls")
    no_imap = MailboxInput.model_validate({**base, "imap_port": 993})
    assert (no_imap.imap_port, no_imap.imap_security) == (None, None)


def test_an_update_plans_only_real_changes() -> None:
    m = mailbox()
    assert planned_changes(m, MailboxChanges(display_name=None, smtp_host="smtp.example.com")) == {}
    assert planned_changes(m, MailboxChanges(password="")) == {}
    assert planned_changes(m, MailboxChanges(password="new")) == {"password": "new"}
    assert planned_changes(m, MailboxChanges(smtp_port=465)) == {"smtp_port": 465, "smtp_security": "ssl"}
    added = planned_changes(m, MailboxChanges(imap_host="imap.example.com"))
    assert added == {"imap_host": "imap.example.com", "imap_port": 993, "imap_security": "ssl"}
    with pytest.raises(ValueError, match="smtp_host cannot be empty"):
        planned_changes(m, MailboxChanges.model_validate({"smtp_host": None}))


async def test_probes_refuse_hosts_inside_the_network_without_connecting() -> None:
    target = Endpoints.of(
        mailbox(smtp_host="169.254.169.254", imap_host="127.0.0.1", imap_port=993, imap_security="ssl")
    )
    smtp = await probe_smtp(target, "pw", timeout=1, policy=MailPolicy(allow_private=False))
    assert (smtp["ok"], smtp["kind"], smtp["stage"]) == (False, "blocked", "guard")
    imap = await probe_imap(target, "pw", timeout=1, policy=MailPolicy(allow_private=False))
    assert imap is not None and (imap["kind"], imap["stage"]) == ("blocked", "guard")
    assert await probe_imap(Endpoints.of(mailbox()), "pw", timeout=1, policy=MailPolicy()) is None


def test_login_hints_know_the_big_providers_by_name_or_host() -> None:
    from ra_warmup.connection import provider_family

    assert provider_family("gmail", "smtp.example.com") == "gmail"
    assert provider_family("smtp", "smtp.gmail.com") == "gmail"
    assert provider_family("Microsoft 365", "mail.example.com") == "microsoft365"
    assert provider_family("smtp", "smtp.office365.com") == "microsoft365"
    assert provider_family("smtp", "mail.example.com") is None
