"""Mail merge exports, the suppression list, unsubscribe tokens and templates, through outreach's queries."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from ra_runtime.objects import EXPORTS, UPLOADS, delete_object, fetched_file, put_file
from ra_runtime.queries import QueryError
from ra_runtime.testing import eventually

from .conftest import POSTAL, Harness

pytestmark = pytest.mark.integration


async def download(h: Harness, run_id: str, file: str) -> str:
    answer = await h.ask("q.outreach.exports.get", {"run_id": run_id, "file": file})
    async with fetched_file(h.nc.jetstream(), EXPORTS, answer["export_file"]) as path:
        return path.read_text(encoding="utf-8-sig")


async def test_a_mailmerge_exports_the_eligible_contacts_as_csv_and_guide_and_records_each(harness: Harness):
    h = harness
    lead = uuid.uuid4()
    ada = await h.contact("ada@client.example", lead_id=lead, first_name="Ada", company="=Evil()", state="NY")
    bob = await h.contact("bob@client.example", lead_id=lead, first_name="Bob", last_name="Byte", title="VP")
    await h.contact("bad@client.example", status="invalid")
    await h.synced(contacts=3, validated=3)

    run = await h.run("mailmerge")
    assert run["status"] == "completed", run
    assert run["counts"]["exported"] == 2 and run["counts"]["skipped_not_valid"] == 1
    text = await download(h, run["run_id"], "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["First Name", "Last Name", "Email", "Title", "Company", "State", "Job Title"]
    assert sorted(rows[1:]) == [
        ["Ada", "Lovelace", "ada@client.example", "CTO", "'=Evil()", "NY", "Staff Engineer"],
        ["Bob", "Byte", "bob@client.example", "VP", "Analytical Engines", "CA", "Staff Engineer"],
    ]
    guide = await download(h, run["run_id"], "guide")
    assert POSTAL in guide and "UNSUBSCRIBE" in guide and "mailmerge.csv" in guide
    # Also in the exports folder.
    local = Path(h.exports_dir) / "outreach" / run["run_id"] / "mailmerge.csv"
    assert local.read_text(encoding="utf-8-sig") == text

    sent = await h.events(status="sent")
    assert sorted(e.email for e in sent) == [ada.email, bob.email]
    assert {e.channel for e in sent} == {"mailmerge"}
    assert h.sink.messages == []

    async def announced() -> bool:
        return (await h.outbox_types())["outreach.sent"] == 2

    await eventually(announced, what="outreach.sent for the mail merge")

    # Missing from the bucket (expired): rebuilt from the run's events when asked for.
    await delete_object(h.nc.jetstream(), EXPORTS, f"outreach/{run['run_id']}/mailmerge.csv")
    assert await download(h, run["run_id"], "csv") == text

    # The contacts are in cooldown: a second export has nobody, hence no file.
    second = await h.run("mailmerge")
    assert second["counts"]["exported"] == 0 and second["counts"]["skipped_cooldown"] == 2
    with pytest.raises(QueryError) as missing:
        await h.ask("q.outreach.exports.get", {"run_id": second["run_id"], "file": "csv"})
    assert missing.value.status == 404
    # A send run is no mail merge.
    send = await h.run("send", dry_run=True)
    with pytest.raises(QueryError):
        await h.ask("q.outreach.exports.get", {"run_id": send["run_id"]})


async def test_a_mailmerge_respects_its_limit(harness: Harness):
    h = harness
    for i in range(5):
        await h.contact(f"m{i}@c{i}.example")
    await h.synced(contacts=5)
    run = await h.run("mailmerge", limit=3)
    assert run["counts"]["exported"] == 3
    rows = list(csv.reader(io.StringIO(await download(h, run["run_id"], "csv"))))
    assert len(rows) == 4


async def test_the_suppression_list_can_be_added_to_imported_listed_and_removed_from(harness: Harness):
    h = harness
    added = await h.ask(
        "q.outreach.suppression.add",
        {"emails": ["One@Example.com", "one@example.com", "not-an-email", "two@example.com"], "actor": "ops"},
    )
    assert added == {"added": 2, "already": 0, "invalid": [{"value": "not-an-email", "error": "not an email address"}]}
    upload = Path(h.exports_dir).parent / "suppress.csv"
    upload.write_text("Name,E-mail\nX,two@example.com\nY,three@example.com\nZ,broken\n", encoding="utf-8")
    await put_file(h.nc.jetstream(), UPLOADS, "upload-1.csv", upload)
    imported = await h.ask("q.outreach.suppression.import", {"object_name": "upload-1.csv", "actor": "ops"})
    assert imported == {
        "added": 1,
        "already": 1,
        "invalid": [{"row": 4, "value": "broken", "error": "not an email address"}],
    }

    page = await h.ask("q.outreach.suppression.list", {"search": "example.com", "page_size": 2})
    assert page["total"] == 3 and len(page["items"]) == 2
    reasons = {i["email"]: i["reason"] for i in (await h.ask("q.outreach.suppression.list"))["items"]}
    assert reasons == {"one@example.com": "manual", "two@example.com": "manual", "three@example.com": "import"}
    assert await h.ask("q.outreach.suppression.delete", {"email": "One@example.com", "actor": "ops"}) == {
        "deleted": True
    }
    with pytest.raises(QueryError) as gone:
        await h.ask("q.outreach.suppression.delete", {"email": "one@example.com", "actor": "ops"})
    assert gone.value.status == 404
    assert (await h.outbox_types())["contact.suppressed"] == 3


async def test_an_unsubscribe_token_round_trips_and_a_tampered_one_is_refused(harness: Harness):
    h = harness
    from ra_outreach.unsubscribe import UnsubscribeSigner

    token = UnsubscribeSigner(h.ctx.config.secret_key).sign("Reader@Example.com")
    assert await h.ask("q.outreach.unsubscribe.peek", {"token": token}) == {"email": "reader@example.com"}
    assert await h.ask("q.outreach.unsubscribe", {"token": token}) == {"email": "reader@example.com", "already": False}
    assert await h.ask("q.outreach.unsubscribe", {"token": token}) == {"email": "reader@example.com", "already": True}
    assert await h.scalar("SELECT reason FROM outreach.suppression") == "unsubscribe"
    assert (await h.outbox_types())["contact.suppressed"] == 1
    other = UnsubscribeSigner(h.ctx.config.secret_key).sign("someone@else.com").split(".")[0]
    for bad in (other + "." + token.split(".")[1], token[:-3] + "AAA", "nonsense"):
        for subject in ("q.outreach.unsubscribe.peek", "q.outreach.unsubscribe"):
            with pytest.raises(QueryError) as refused:
                await h.ask(subject, {"token": bad})
            assert refused.value.status == 400 and refused.value.detail == "this unsubscribe link is not valid"
    assert await h.scalar("SELECT count(*) FROM outreach.suppression") == 1


async def test_templates_can_be_listed_created_changed_and_deleted(harness: Harness):
    h = harness
    [default] = (await h.ask("q.outreach.templates.list"))["items"]
    assert default["is_default"] is True and "{{first_name|there}}" in default["body"]
    made = await h.ask(
        "q.outreach.templates.create",
        {"template": {"name": "Second", "subject": "Hi {{first_name}}", "body": "Body"}, "actor": "t"},
    )
    assert made["is_default"] is False
    with pytest.raises(QueryError) as dup:
        await h.ask(
            "q.outreach.templates.create", {"template": {"name": "second", "subject": "s", "body": "b"}, "actor": "t"}
        )
    assert dup.value.status == 409
    with pytest.raises(QueryError) as unknown:
        await h.ask(
            "q.outreach.templates.update",
            {"template_id": made["template_id"], "changes": {"subject": "{{nickname}}"}, "actor": "t"},
        )
    assert unknown.value.status == 422 and "nickname" in unknown.value.detail
    changed = await h.ask(
        "q.outreach.templates.update",
        {"template_id": made["template_id"], "changes": {"is_default": True, "body": "New {{company}}"}, "actor": "t"},
    )
    assert changed["is_default"] is True and changed["body"] == "New {{company}}"
    assert (await h.ask("q.outreach.templates.get", {"template_id": default["template_id"]}))["is_default"] is False
    with pytest.raises(QueryError) as refused:
        await h.ask("q.outreach.templates.delete", {"template_id": made["template_id"], "actor": "t"})
    assert refused.value.status == 409
    assert await h.ask("q.outreach.templates.delete", {"template_id": default["template_id"], "actor": "t"}) == {
        "deleted": True
    }
    with pytest.raises(QueryError) as missing:
        await h.ask("q.outreach.templates.get", {"template_id": default["template_id"]})
    assert missing.value.status == 404


async def test_stats_count_sends_bounces_failures_and_exports_per_day(harness: Harness):
    h = harness
    empty = await h.ask("q.outreach.stats")
    assert len(empty["trend"]) == 30 and all(d["sent"] == d["bounced"] == d["exported"] == 0 for d in empty["trend"])
    assert empty["sent_total"] == empty["bounced_total"] == 0
    assert empty["bounce_rate"] == 0.0 and empty["reply_rate"] is None

    today = datetime.now(UTC).date()

    def at(days_ago: int) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), time(0, 30), tzinfo=UTC)

    rows = []
    # (days ago, channel, status, smtp code): each outcome is counted on the day it happened.
    for days_ago, channel, status, code in (
        (0, "smtp", "sent", 250),
        (0, "smtp", "sent", 250),
        (1, "smtp", "sent", 250),
        (1, "smtp", "failed", 550),  # refused for good: a bounce
        (1, "smtp", "failed", 451),  # given up after retries
        (1, "smtp", "failed", None),
        (1, "mailmerge", "sent", None),
        (1, "mailmerge", "sent", None),
        (1, "mailmerge", "sent", None),
        (2, "smtp", "skipped", None),
        (2, "smtp", "uncertain", None),
        (2, "smtp", "deferred", 451),
        (10, "smtp", "sent", 250),
        (10, "smtp", "failed", 550),
    ):
        moment = at(days_ago)
        rows.append(
            {"event_id": uuid.uuid4(), "contact_id": uuid.uuid4(), "lead_id": uuid.uuid4(),
             "email": f"{uuid.uuid4().hex[:8]}@client.example", "channel": channel, "status": status, "code": code,
             "sent": moment if status == "sent" else None, "at": moment}
        )  # fmt: skip
    async with h.ctx.sessions() as s, s.begin():
        await s.execute(
            sa.text(
                """
                INSERT INTO outreach.outreach_events (event_id, contact_id, lead_id, email, channel, status,
                       fields, attempts, smtp_code, sent_at, created_at, updated_at)
                VALUES (:event_id, :contact_id, :lead_id, :email, :channel, :status, '{}', 1, :code, :sent, :at, :at)
                """
            ),
            rows,
        )

    three = await h.ask("q.outreach.stats", {"days": 3})
    day = [(today - timedelta(days=n)).isoformat() for n in (2, 1, 0)]
    assert three["trend"] == [
        {"date": day[0], "sent": 0, "bounced": 0, "failed": 0, "exported": 0},
        {"date": day[1], "sent": 1, "bounced": 1, "failed": 2, "exported": 3},
        {"date": day[2], "sent": 2, "bounced": 0, "failed": 0, "exported": 0},
    ]
    assert three["sent_total"] == 3 and three["bounced_total"] == 1
    assert three["bounce_rate"] == 1 / 4 and three["reply_rate"] is None
    # The figures that were there before are unchanged.
    assert three["by_status"]["sent"] == 7 and three["by_channel"] == {"smtp": 4, "mailmerge": 3}
    assert {"sent_today", "daily_limit", "remaining_today", "suppressed", "ready_mailboxes"} <= three.keys()

    month = await h.ask("q.outreach.stats")
    assert len(month["trend"]) == 30 and month["trend"][-1]["date"] == today.isoformat()
    assert month["sent_total"] == 4 and month["bounced_total"] == 2 and month["bounce_rate"] == 2 / 6
    assert len((await h.ask("q.outreach.stats", {"days": 365}))["trend"]) == 365
    for bad in (0, 366, "many"):
        with pytest.raises(QueryError) as refused:
            await h.ask("q.outreach.stats", {"days": bad})
        assert refused.value.status == 422
