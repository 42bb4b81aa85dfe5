"""Eligibility, mailbox assignment, templates, unsubscribe tokens, message headers, the mail-merge CSV."""

from __future__ import annotations

import csv
import email
import io
import uuid
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from ra_outreach.eligibility import Candidate, MailboxRoom, assign_mailboxes, judge
from ra_outreach.mailmerge import CSV_COLUMNS, csv_safe, mailmerge_csv, mailmerge_guide
from ra_outreach.messages import Sender, build_message, message_id
from ra_outreach.sending import Pacer
from ra_outreach.templates import TemplateError, check_template, merge_values, render
from ra_outreach.unsubscribe import BadToken, UnsubscribeSigner
from ra_runtime.secrets import dev_key

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
COOLDOWN = timedelta(days=10)


def cand(email: str, lead: uuid.UUID | None = None, **kw) -> Candidate:
    base = {
        "contact_id": uuid.uuid4(),
        "lead_id": lead or uuid.uuid4(),
        "email": email,
        "validation_status": "valid",
        "validated_email": email,
        "suppressed": False,
        "last_outreach_at": None,
        "lead_reached": 0,
    }
    return Candidate(**(base | kw))


def test_each_rule_skips_with_its_reason_in_order():
    lead = uuid.uuid4()
    contacts = [
        cand("a@x.com"),
        cand("sup@x.com", suppressed=True, validation_status="invalid"),
        cand("inv@x.com", validation_status="invalid"),
        cand("cc@x.com", validation_status="catch_all"),
        cand("new@x.com", validation_status=None, validated_email=None),
        cand("changed@x.com", validated_email="old@x.com"),
        cand("cool@x.com", last_outreach_at=NOW - timedelta(days=3)),
        cand("warm@x.com", last_outreach_at=NOW - timedelta(days=11)),
        cand("A@x.com"),  # the same address as the first: reached once per run
        *[cand(f"l{i}@x.com", lead=lead) for i in range(6)],
    ]
    v = judge(contacts, now=NOW, cooldown=COOLDOWN, max_per_lead=4)
    reasons = {c.email: r for c, r in v.skipped}
    assert reasons == {
        "sup@x.com": "suppressed",
        "inv@x.com": "not_valid",
        "cc@x.com": "not_valid",
        "new@x.com": "not_validated",
        "changed@x.com": "not_validated",
        "cool@x.com": "cooldown",
        "A@x.com": "cooldown",
        "l4@x.com": "lead_limit",
        "l5@x.com": "lead_limit",
    }
    assert [c.email for c in v.eligible] == ["a@x.com", "warm@x.com", "l0@x.com", "l1@x.com", "l2@x.com", "l3@x.com"]
    assert v.skip_counts()["lead_limit"] == 2


def test_the_lead_limit_counts_contacts_reached_earlier_in_the_window():
    lead = uuid.uuid4()
    v = judge(
        [cand(f"c{i}@x.com", lead=lead, lead_reached=3) for i in range(3)], now=NOW, cooldown=COOLDOWN, max_per_lead=4
    )
    assert len(v.eligible) == 1
    assert [r for _, r in v.skipped] == ["lead_limit", "lead_limit"]


def room(name: str, limit: int, used: int = 0) -> MailboxRoom:
    return MailboxRoom(uuid.uuid4(), f"{name}@s.com", name, limit, used)


def test_least_loaded_mailbox_first_within_each_and_the_global_limit():
    a, b, c = room("a", 10, used=4), room("b", 3, used=0), room("c", 10, used=1)
    assigned, short = assign_mailboxes(8, [a, b, c], global_limit=100, global_used=5)
    assert short is None
    assert [m.email[0] for m in assigned] == ["b", "c", "b", "c", "b", "c", "a", "c"]
    assert (a.used_today, b.used_today, c.used_today) == (5, 3, 5)
    # The global limit stops it first.
    assigned, short = assign_mailboxes(5, [room("d", 10)], global_limit=7, global_used=5)
    assert (len(assigned), short) == (2, "daily_limit")
    # Every mailbox full.
    assigned, short = assign_mailboxes(3, [room("e", 1)], global_limit=100, global_used=0)
    assert (len(assigned), short) == (1, "daily_limit")
    assert assign_mailboxes(2, [], global_limit=100, global_used=0) == ([], "no_mailbox")


def test_templates_render_fields_and_fallbacks_and_refuse_unknown_fields():
    values = merge_values(
        {"first_name": "", "last_name": "Lovelace", "company_name": "Analytical", "job_title": "Engineer"},
        "Sam Sender",
        "sam@s.com",
    )
    text = "Hi {{ first_name|there }}, {{company}} / {{job_title}} / {{full_name}} — {{sender_name}} {{state}}."
    assert render(text, values) == "Hi there, Analytical / Engineer / Lovelace — Sam Sender ."
    check_template("{{company}}", "Hello {{first_name|friend}} from {{sender_email}}")
    with pytest.raises(TemplateError, match=r"body: unknown merge field \{\{firstname\}\}"):
        check_template("ok", "Hello {{firstname}}")
    with pytest.raises(TemplateError, match="subject"):
        check_template("{{company", "body")


def test_unsubscribe_tokens_round_trip_survive_rotation_and_refuse_tampering():
    old, new = dev_key(), "r8nWyuZkVxwGQ3T1l6T2oPSJbGwCDKpYb2W6O6uE4m0="
    signer = UnsubscribeSigner(old)
    token = signer.sign("Ada@Example.COM")
    assert signer.verify(token) == "ada@example.com"
    assert UnsubscribeSigner(f"{new},{old}").verify(token) == "ada@example.com"
    encoded, mac = token.split(".")
    forged = UnsubscribeSigner(old).sign("eve@example.com").split(".")[0] + "." + mac
    for bad in (forged, encoded + "." + mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB"), "garbage", "a.b.c", ""):
        with pytest.raises(BadToken):
            signer.verify(bad)
    with pytest.raises(BadToken):
        UnsubscribeSigner(new).verify(token)


def test_the_message_carries_every_required_header_and_the_footer():
    event_id = uuid.uuid4()
    sender = Sender("sam@sender.example", "Sam Sender")
    mid = message_id(event_id, sender.email)
    msg = build_message(
        sender=sender,
        recipient="ada@example.com",
        fields={"first_name": "Ada", "last_name": "Lovelace", "company_name": "Analytical", "job_title": "Engineer"},
        subject_template="{{company}}: your {{job_title}} role",
        body_template="Hi {{first_name}},\nshort note.",
        msg_id=mid,
        postal_address="1 Main St\nSpringfield, IL 62701",
        unsubscribe="https://ra.example/unsubscribe/tok",
    )
    parsed = email.message_from_bytes(msg, policy=policy.default)
    assert parsed["From"] == "Sam Sender <sam@sender.example>"
    assert parsed["To"] == "Ada Lovelace <ada@example.com>"
    assert parsed["Subject"] == "Analytical: your Engineer role"
    assert parsed["Message-ID"] == f"<{event_id}@sender.example>"
    assert parsed["Date"]
    assert parsed["List-Unsubscribe"] == "<https://ra.example/unsubscribe/tok>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = parsed.get_content().replace("\r\n", "\n")
    assert body.startswith("Hi Ada,\nshort note.")
    assert "1 Main St\nSpringfield, IL 62701" in body
    assert "Unsubscribe: https://ra.example/unsubscribe/tok" in body


def test_the_mailmerge_csv_has_exactly_the_sop_columns_and_is_formula_safe():
    rows = [
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@x.com",
            "title": "CTO",
            "company_name": "=HYPERLINK(1)",
            "state": "CA",
            "job_title": "Engineer",
        },
        {"first_name": "Bob", "email": "bob@x.com", "company_name": "-5", "job_title": "@Ops"},
    ]
    text = mailmerge_csv(rows)
    assert text.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[0] == ["First Name", "Last Name", "Email", "Title", "Company", "State", "Job Title"]
    assert [h for _, h in CSV_COLUMNS] == parsed[0]
    assert parsed[1] == ["Ada", "Lovelace", "ada@x.com", "CTO", "'=HYPERLINK(1)", "CA", "Engineer"]
    assert parsed[2] == ["Bob", "", "bob@x.com", "", "-5", "", "'@Ops"]
    assert csv_safe(None) == "" and csv_safe("+1 555") == "'+1 555"
    guide = mailmerge_guide(
        run_id=uuid.uuid4(), created_at=NOW, contacts=2, postal_address="1 Main St", unsubscribe_hint=""
    )
    for needle in ("Outlook".upper(), "GMAIL", "UNSUBSCRIBE", "1 Main St", "mailmerge.csv"):
        assert needle in guide


async def test_the_pacer_spaces_sends_by_the_interval():
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(6.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        await pacer.wait()
    assert slept == [6.0, 6.0]
    now[0] += 20  # idle time does not bank up a burst
    await pacer.wait()
    await pacer.wait()
    assert slept == [6.0, 6.0, 6.0]
    unpaced = Pacer(0, clock=lambda: now[0], sleep=sleep)
    await unpaced.wait()
    assert len(slept) == 3


def test_non_ascii_text_is_encoded_and_contact_data_cannot_add_headers():
    msg = build_message(
        sender=Sender("sam@sender.example", "Sämi Sender"),
        recipient="jose@example.com",
        fields={"first_name": "José\r\nBcc: victim@example.com", "last_name": "Núñez", "company_name": "Café ☕"},
        subject_template="{{company}} — {{first_name}}",
        body_template="Hola {{first_name}}, " + "x" * 1200,
        msg_id="<id@sender.example>",
        postal_address="Straße 1, Köln",
        unsubscribe="https://ra.example/unsubscribe/t",
    )
    assert msg.isascii()
    parsed = email.message_from_bytes(msg, policy=policy.default)
    assert parsed["Bcc"] is None
    assert parsed["From"] == "Sämi Sender <sam@sender.example>"
    assert parsed["Subject"] == "Café ☕ — José Bcc: victim@example.com"
    assert parsed["Content-Transfer-Encoding"] == "quoted-printable"
    body = parsed.get_content().replace("\r\n", "\n")
    assert "Hola José" in body and "x" * 1200 in body and "Straße 1, Köln" in body
    assert all(len(line) <= 998 for line in msg.split(b"\r\n"))
