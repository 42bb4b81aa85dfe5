"""Direct sending through real SMTP: the messages that arrive, the limits, the skips, bounces and deferrals."""

from __future__ import annotations

import email
import uuid
from collections import Counter
from email import policy

import pytest
from ra_runtime.queries import QueryError

from .conftest import POSTAL, Harness

pytestmark = pytest.mark.integration


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=policy.default)  # type: ignore[return-value]


async def test_exactly_the_eligible_contacts_get_one_message_with_the_right_headers_and_fields(harness: Harness):
    h = harness
    a = await h.mailbox("alice", display="Alice Sender")
    b = await h.mailbox("bob", display="Bob Sender")
    lead = uuid.uuid4()
    reached = [
        await h.contact("ada@client.example", lead_id=lead, first_name="Ada", company="Old Name"),
        await h.contact("grace@client.example", lead_id=lead, first_name="Grace"),
        await h.contact("linus@other.example", first_name=None, last_name=None, company="Kernel Co"),
    ]
    # Its validation arrives before the contact itself (different streams): still reached.
    late = await h.contact("late@other.example", status=None, first_name="Late")
    await h.publish(h.validated(late))
    reached.append(late)
    suppressed = await h.contact("gone@client.example")
    invalid = await h.contact("nope@client.example", status="invalid")
    unchecked = await h.contact("later@client.example", status=None)
    await h.ask("q.outreach.suppression.add", {"emails": ["Gone@Client.example"], "actor": "test"})
    # The lead's company changes after its contacts were created.
    from ra_contracts.events import LeadUpdated

    await h.publish(LeadUpdated(lead_id=lead, changes={"company_name": "Analytical Engines"}))
    await h.synced(contacts=7, validated=6, mailboxes=2)

    async def renamed() -> bool:
        return await h.scalar("SELECT count(*) FROM outreach.contacts WHERE company_name = 'Old Name'") == 0

    from ra_runtime.testing import eventually

    await eventually(renamed, what="lead.updated applied")

    run = await h.run()
    assert run["status"] == "completed", run
    counts = run["counts"]
    assert counts["sent"] == 4
    assert counts["skipped_suppressed"] == counts["skipped_not_valid"] == counts["skipped_not_validated"] == 1
    assert run["mode"] == "send" and run["pipeline"] == "outreach"

    assert sorted(m.rcpt for m in h.sink.messages) == sorted(c.email for c in reached)
    assert h.sink.connections == 2  # one reused session per mailbox
    senders = {a.email: a, b.email: b}
    events = {e.email: e for e in await h.events(status="sent")}
    for m in h.sink.messages:
        msg = parse(m.data)
        box = senders[m.mail_from]
        event = events[m.rcpt]
        assert msg["From"] == f"{box.display_name} <{box.email}>"
        assert msg["Message-ID"] == event.message_id == f"<{event.event_id}@{box.email.split('@')[1]}>"
        assert event.mailbox_id == box.mailbox_id
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = msg["List-Unsubscribe"].strip("<>")
        assert url.startswith("https://ra.example/unsubscribe/")
        token = url.rsplit("/", 1)[1]
        assert await h.ask("q.outreach.unsubscribe.peek", {"token": token}) == {"email": m.rcpt}
        body = msg.get_content()
        assert POSTAL in body and url in body and box.display_name in body
    by_rcpt = {m.rcpt: parse(m.data) for m in h.sink.messages}
    assert by_rcpt["ada@client.example"]["Subject"] == "Analytical Engines: help with your Staff Engineer role"
    assert by_rcpt["ada@client.example"].get_content().startswith("Hi Ada,")
    assert by_rcpt["linus@other.example"].get_content().startswith("Hi there,")  # the fallback
    assert by_rcpt["ada@client.example"]["To"] == "Ada Lovelace <ada@client.example>"
    # Both mailboxes shared the work (least-loaded first).
    assert Counter(m.mail_from for m in h.sink.messages) == {a.email: 2, b.email: 2}

    skips = {e.email: e.skip_reason for e in await h.events(status="skipped")}
    assert skips == {
        suppressed.email: "suppressed",
        invalid.email: "not_valid",
        unchecked.email: "not_validated",
    }
    from ra_runtime.testing import eventually as wait

    async def published() -> Counter[str]:
        types = await h.outbox_types()
        return types if types["outreach.sent"] == 4 else Counter()

    types = await wait(published, what="outreach.sent events")
    assert types["outreach.skipped"] == 3 and types["pipeline.run.completed"] == 1

    # A second run reaches nobody again, and does not pile up skip rows for unchanged reasons.
    again = await h.run()
    assert again["counts"]["sent"] == 0
    assert again["counts"]["skipped_cooldown"] == 4
    assert len(h.sink.messages) == 4
    skipped_rows = await h.events(status="skipped")
    assert Counter(e.skip_reason for e in skipped_rows) == {
        "suppressed": 1,
        "not_valid": 1,
        "not_validated": 1,
        "cooldown": 4,
    }
    assert (await h.ask("q.outreach.events.list", {"status": "sent", "page_size": 2}))["total"] == 4
    stats = await h.ask("q.outreach.stats")
    assert stats["sent_today"] == 4 and stats["ready_mailboxes"] == 2 and stats["suppressed"] == 1
    assert stats["remaining_today"] == 30 - 4


async def test_daily_limits_hold_globally_and_per_mailbox_least_loaded_first(harness: Harness):
    h = harness
    h.settings(daily_send_limit=7)
    small = await h.mailbox("small", limit=2)
    big1 = await h.mailbox("big1", limit=5)
    big2 = await h.mailbox("big2", limit=5)
    await h.mailbox("paused", status="PAUSED")
    await h.mailbox("untested", connection="untested")
    await h.mailbox("warming", status="WARMING_UP")
    for i in range(12):
        await h.contact(f"c{i}@client{i}.example")
    await h.synced(contacts=12, mailboxes=6)

    first = await h.run(limit=1)
    assert first["counts"]["sent"] == 1
    used_first = h.sink.messages[0].mail_from
    second = await h.run(limit=1)
    assert second["counts"]["sent"] == 1
    assert h.sink.messages[1].mail_from != used_first  # the least-loaded mailbox goes next

    run = await h.run()
    assert run["counts"]["sent"] == 5  # 7 a day in all
    assert run["counts"]["skipped_daily_limit"] == 5
    per_box = Counter(m.mail_from for m in h.sink.messages)
    assert sum(per_box.values()) == 7
    assert set(per_box) <= {small.email, big1.email, big2.email}
    assert per_box[small.email] <= 2 and per_box[big1.email] <= 5 and per_box[big2.email] <= 5
    assert max(per_box.values()) - min(per_box.values()) <= 1  # spread evenly
    usage = await h.scalar("SELECT sum(claimed) FROM outreach.mailbox_usage")
    assert usage == 7

    # Over the limit nothing more goes out today; each skip is recorded with its reason once.
    h.settings(daily_send_limit=100)
    more = await h.run()
    assert more["counts"]["sent"] == 5
    assert Counter(m.mail_from for m in h.sink.messages) == {small.email: 2, big1.email: 5, big2.email: 5}
    last = await h.run()
    assert last["counts"]["sent"] == 0
    assert last["counts"].get("skipped_daily_limit", 0) == 0  # everyone is in cooldown now
    assert len(h.sink.messages) == 12


async def test_no_ready_mailbox_means_nothing_sent_and_the_skip_says_so(harness: Harness):
    h = harness
    await h.mailbox("paused", status="PAUSED")
    c = await h.contact("one@client.example")
    await h.synced(contacts=1, mailboxes=1)
    run = await h.run()
    assert run["counts"]["sent"] == 0 and run["counts"]["skipped_no_mailbox"] == 1
    assert [(e.email, e.skip_reason) for e in await h.events(status="skipped")] == [(c.email, "no_mailbox")]
    assert h.sink.messages == []


async def test_at_most_the_per_lead_limit_of_a_leads_contacts_is_reached(harness: Harness):
    h = harness
    h.settings(max_contacts_per_lead=2)
    await h.mailbox("alice")
    lead = uuid.uuid4()
    contacts = [await h.contact(f"p{i}@lead.example", lead_id=lead, priority=f"P{i + 1}") for i in range(4)]
    await h.synced(contacts=4, mailboxes=1)
    run = await h.run()
    assert run["counts"]["sent"] == 2 and run["counts"]["skipped_lead_limit"] == 2
    # The best contacts first.
    assert sorted(m.rcpt for m in h.sink.messages) == [contacts[0].email, contacts[1].email]
    # Later runs count the contacts reached within the window.
    h.settings(max_contacts_per_lead=3)
    again = await h.run()
    assert again["counts"]["sent"] == 1
    assert h.sink.messages[-1].rcpt == contacts[2].email


async def test_a_5xx_refusal_suppresses_and_a_4xx_is_deferred_then_sent_by_a_later_run(harness: Harness):
    h = harness
    h.sink.refuse["bounce@client.example"] = "550 5.1.1 No such user here"
    h.sink.defer_once.add("grey@client.example")
    await h.mailbox("alice")
    bounce = await h.contact("bounce@client.example")
    grey = await h.contact("grey@client.example")
    await h.contact("fine@client.example")
    await h.synced(contacts=3, mailboxes=1)

    run = await h.run()
    assert run["counts"]["sent"] == 1 and run["counts"]["failed"] == 1 and run["counts"]["deferred"] == 1
    [failed] = await h.events(status="failed")
    assert failed.email == bounce.email and failed.smtp_code == 550 and "No such user" in failed.smtp_reply
    assert await h.scalar("SELECT reason FROM outreach.suppression WHERE email = :e", e=bounce.email) == "bounce"
    [deferred] = await h.events(status="deferred")
    assert deferred.email == grey.email and deferred.smtp_code == 451 and deferred.retry_at is not None
    types = await h.outbox_types()
    assert types["outreach.bounced"] == 1 and types["contact.suppressed"] == 1

    # Not yet due: the next run leaves it waiting.
    assert (await h.run())["counts"]["sent"] == 0
    # Its wait is over (as if outreach_retry_minutes had passed).
    async with h.ctx.sessions() as s, s.begin():
        import sqlalchemy as sa

        await s.execute(sa.text("UPDATE outreach.outreach_events SET retry_at = now() WHERE status = 'deferred'"))
    retry = await h.run()
    assert retry["counts"]["retried"] == 1 and retry["counts"]["sent"] == 1
    assert [m.rcpt for m in h.sink.messages].count(grey.email) == 1
    assert h.sink.to(bounce.email) == []
    [event] = [e for e in await h.events(email=grey.email) if e.status != "skipped"]
    assert event.status == "sent" and event.attempts == 2
    # The bounced address stays out for good.
    assert (await h.run())["counts"]["sent"] == 0
    assert h.sink.rcpt_tries[bounce.email] == 1

    # Today's trend: the refusal counts as a bounce, the deferral as nothing until it was sent.
    [today] = (await h.ask("q.outreach.stats", {"days": 1}))["trend"]
    assert (today["sent"], today["bounced"], today["failed"], today["exported"]) == (2, 1, 0, 0)


async def test_a_dry_run_claims_and_sends_nothing(harness: Harness):
    h = harness
    await h.mailbox("alice", limit=2)
    for i in range(3):
        await h.contact(f"d{i}@client.example")
    await h.contact("bad@client.example", status="invalid")
    await h.synced(contacts=4, mailboxes=1)
    run = await h.run(dry_run=True)
    assert run["status"] == "completed" and run["dry_run"] is True
    assert run["counts"] == {
        "eligible": 3,
        "would_send": 2,
        "skipped_daily_limit": 1,
        "skipped_not_valid": 1,
        "skipped": 2,
    }
    assert h.sink.messages == [] and h.sink.connections == 0
    assert await h.scalar("SELECT count(*) FROM outreach.outreach_events") == 0
    assert await h.scalar("SELECT count(*) FROM outreach.recipients") == 0
    assert await h.scalar("SELECT count(*) FROM outreach.mailbox_usage WHERE claimed > 0") == 0


async def test_sending_refuses_to_start_without_a_postal_address(harness: Harness):
    h = harness
    h.settings(outreach_postal_address="")
    await h.mailbox("alice")
    await h.contact("x@client.example")
    await h.synced(contacts=1, mailboxes=1)
    run = await h.run()
    assert run["status"] == "failed" and "outreach_postal_address" in run["error_message"]
    assert h.sink.messages == []


async def test_paced_sends_go_out_one_at_a_time_with_a_chosen_template(harness: Harness):
    h = harness
    h.settings(rate_limit_per_minute=600)
    await h.mailbox("alice")
    await h.mailbox("bob")
    for i in range(3):
        await h.contact(f"t{i}@client.example", first_name=f"T{i}")
    await h.synced(contacts=3, mailboxes=2)
    with pytest.raises(QueryError) as bad:
        await h.ask(
            "q.outreach.templates.create",
            {"template": {"name": "Bad", "subject": "Hi", "body": "Dear {{firstname}}"}, "actor": "t"},
        )
    assert bad.value.status == 422 and "{{firstname}}" in str(bad.value.detail)
    template = await h.ask(
        "q.outreach.templates.create",
        {"template": {"name": "Short", "subject": "For {{first_name}}", "body": "Hello {{full_name}}."}, "actor": "t"},
    )
    run = await h.run(template_id=uuid.UUID(template["template_id"]))
    assert run["counts"]["sent"] == 3
    subjects = sorted(parse(m.data)["Subject"] for m in h.sink.messages)
    assert subjects == ["For T0", "For T1", "For T2"]


async def test_automatic_sending_runs_only_when_switched_on_and_there_is_something_to_send(harness: Harness):
    from ra_contracts.events import RunOutreach
    from ra_outreach.handlers import AUTO_SEND
    from ra_runtime.testing import eventually

    h = harness
    await h.mailbox("auto")
    await h.contact("first@client.example")
    await h.synced(contacts=1, validated=1, mailboxes=1)
    js = h.nc.jetstream()

    async def auto_run() -> uuid.UUID:
        """What the scheduler publishes every few minutes; waits until outreach has dealt with it."""
        cmd = RunOutreach(run_id=uuid.uuid4(), requested_by=AUTO_SEND, mode="send")
        await h.publish(cmd)

        async def consumed() -> bool:
            info = await js.consumer_info("OUTREACH_CMD", "outreach-run")
            return info.num_pending == 0 and info.num_ack_pending == 0

        await eventually(consumed, what="the automatic run command handled")
        return cmd.run_id

    async def recorded(run_id: uuid.UUID) -> str | None:
        status: str | None = await h.scalar("SELECT status FROM outreach.job_runs WHERE run_id = :r", r=run_id)
        return status

    # Off (the default): nothing is sent and no run is recorded.
    assert await recorded(await auto_run()) is None
    assert h.sink.messages == []

    # On: the eligible contact is reached.
    h.settings(outreach_auto_send_enabled=True)
    sent = await auto_run()
    assert await eventually(lambda: recorded(sent), what="the automatic run") == "completed"
    assert [r.rcpt for r in h.sink.messages] == ["first@client.example"]

    # On, with nothing left to send: no empty run fills the history.
    assert await recorded(await auto_run()) is None
    assert len(h.sink.messages) == 1


async def test_pausing_a_mailbox_stops_a_running_send_and_defers_the_rest(harness: Harness):
    import asyncio

    from ra_contracts.events import MailboxUpdated
    from ra_runtime.testing import eventually

    h = harness
    h.settings(rate_limit_per_minute=60)  # one message a second: the run is still going when the pause lands
    box = await h.mailbox("alice")
    for i in range(8):
        await h.contact(f"person{i}@client.example")
    await h.synced(contacts=8, mailboxes=1)
    running = asyncio.create_task(h.run(timeout=60))

    async def first_sent() -> bool:
        return len(h.sink.messages) >= 1

    await eventually(first_sent, what="the first message")
    paused = box.model_copy(update={"version": 2, "warmup_status": "PAUSED"})
    await h.publish(MailboxUpdated(mailbox=paused, changed=["warmup_status"]))
    run = await running

    counts = run["counts"]
    assert counts["deferred"] >= 1 and counts["sent"] + counts["deferred"] == 8, counts
    assert len(h.sink.messages) == counts["sent"]
    deferred = await h.events(status="deferred")
    assert all("may not send now" in (e.smtp_reply or "") for e in deferred)


async def test_cancelling_a_send_run_stops_it_and_gives_back_what_it_had_not_sent(harness: Harness):

    from ra_contracts.events import RunOutreach
    from ra_runtime.testing import eventually

    h = harness
    h.settings(rate_limit_per_minute=60)  # one message a second: the cancel lands mid-run
    await h.mailbox("alice", limit=100)
    addresses = [f"person{i}@client.example" for i in range(6)]
    for a in addresses:
        await h.contact(a)
    await h.synced(contacts=6, validated=6, mailboxes=1)
    usage_before = await h.scalar("SELECT coalesce(sum(claimed), 0) FROM outreach.mailbox_usage")

    cmd = RunOutreach(run_id=uuid.uuid4(), requested_by="test", mode="send")
    await h.publish(cmd)

    async def first_sent() -> bool:
        return len(h.sink.messages) >= 1

    await eventually(first_sent, what="the first message")
    answer = await h.ask("q.outreach.runs.cancel", {"run_id": str(cmd.run_id), "actor": "ops@example.com"})
    assert answer["status"] == "cancelling"

    async def stopped() -> dict | None:
        run: dict = await h.ask("q.outreach.runs.get", {"run_id": str(cmd.run_id)})
        return run if run["status"] != "running" else None

    run = await eventually(stopped, what="the run to stop")
    counts = run["counts"]
    assert run["status"] == "cancelled" and run["cancelled_by"] == "ops@example.com", run
    sent = counts["sent"]
    assert 1 <= sent < 6 and counts["cancelled"] == 6 - sent, counts
    assert len(h.sink.messages) == sent
    given_back = await h.events(status="cancelled")
    assert len(given_back) == 6 - sent
    # Their addresses were never reached before: the claims are gone, the day's usage too.
    assert await h.scalar("SELECT count(*) FROM outreach.recipients") == sent
    assert await h.scalar("SELECT sum(claimed) FROM outreach.mailbox_usage") == usage_before + sent
    with pytest.raises(QueryError) as finished:
        await h.ask("q.outreach.runs.cancel", {"run_id": str(cmd.run_id), "actor": "ops@example.com"})
    assert finished.value.status == 409

    # The next run reaches exactly the ones the cancelled run gave back.
    h.settings(rate_limit_per_minute=0)
    after = await h.run()
    assert after["counts"]["sent"] == 6 - sent
    assert sorted(m.rcpt for m in h.sink.messages) == sorted(addresses)


async def test_a_run_cancelled_before_it_starts_never_runs(harness: Harness):
    from ra_contracts.events import RunOutreach
    from ra_runtime.testing import eventually

    h = harness
    await h.mailbox("alice")
    await h.contact("waiting@client.example")
    await h.synced(contacts=1, validated=1, mailboxes=1)
    run_id = uuid.uuid4()
    answer = await h.ask("q.outreach.runs.cancel", {"run_id": str(run_id), "actor": "ops@example.com"})
    assert answer["status"] == "cancelled"
    await h.publish(RunOutreach(run_id=run_id, requested_by="test", mode="send"))
    js = h.nc.jetstream()

    async def consumed() -> bool:
        info = await js.consumer_info("OUTREACH_CMD", "outreach-run")
        return info.num_pending == 0 and info.num_ack_pending == 0

    await eventually(consumed, what="the command to be consumed")
    assert h.sink.messages == []
    assert (await h.ask("q.outreach.runs.get", {"run_id": str(run_id)}))["status"] == "cancelled"
