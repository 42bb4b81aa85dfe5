"""Outreach as a user drives it, every service its own process: leads found, enriched and validated, a sender
mailbox added and tested, a mail merge exported, emails sent to a real SMTP server, a recipient unsubscribing
with the link in the email — and the lead, the contact and the mailbox all knowing about it."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import re
from email.message import EmailMessage

import httpx
import pytest
from ra_gateway.main import definition as gateway
from ra_runtime.mailtesting import closed_port, smtp_server
from ra_runtime.testing import eventually, migrate

from .test_through_gateway import ADMIN, finished_run, settings_live

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MAIL_ENV = {"RA_ALLOW_PRIVATE_MAIL_HOSTS": "true"}
POSTAL = "Acme Staffing, 1 Main St, Dayton, OH 45402"


@pytest.fixture
async def system(spawn, migrated):
    await migrate(migrated, gateway())
    gw = spawn("ra_gateway", **ADMIN)
    services = [spawn(m) for m in ("ra_sourcing", "ra_enrichment", "ra_validation")]
    services += [spawn(m, **MAIL_ENV) for m in ("ra_warmup", "ra_outreach")]
    for p in (gw, *services):
        await p.wait_ready()
    for p in services:
        await eventually(lambda p=p: settings_live(p.port), what=f"{p.module} watching the settings")
    root = f"http://127.0.0.1:{gw.port}"
    async with httpx.AsyncClient(base_url=f"{root}/api/v1", timeout=30) as c:
        r = await c.post("/auth/login", json={"email": ADMIN["RA_ADMIN_EMAIL"], "password": ADMIN["RA_ADMIN_PASSWORD"]})
        assert r.status_code == 200, r.text
        c.headers["authorization"] = f"Bearer {r.json()['access_token']}"
        yield c, root


async def put_setting(client: httpx.AsyncClient, key: str, value: object) -> None:
    r = await client.put(f"/settings/{key}", json={"value": value})
    assert r.status_code == 200, r.text


async def test_from_job_posting_to_email_and_unsubscribe(system) -> None:
    client, root = system
    r = await client.post("/pipelines/lead-sourcing/run", json={"max_results": 60})
    assert (await eventually(lambda: finished_run(client, r.json()["run_id"]), what="sourcing"))[
        "status"
    ] == "completed"

    async def valid_contacts() -> int | None:
        stats = (await client.get("/contacts/stats")).json()
        settled = stats["total"] > 0 and stats["by_validation_status"].get("none", 0) == 0
        return stats["by_validation_status"].get("valid", 0) if settled else None

    valid = await eventually(valid_contacts, timeout=60, what="every contact validated")
    assert valid >= 6

    async with smtp_server(users={"pat@acme-staffing.test": "app-password"}) as sink:
        # A mailbox whose server refuses connections: the test says so, precisely.
        r = await client.post(
            "/mailboxes",
            json={"email": "nobody@acme-staffing.test", "password": "x", "provider": "smtp",
                  "smtp_host": "127.0.0.1", "smtp_port": closed_port(), "smtp_security": "none"},
        )  # fmt: skip
        assert r.status_code == 201, r.text
        broken = (await client.post(f"/mailboxes/{r.json()['mailbox_id']}/test-connection")).json()
        assert broken["ok"] is False and broken["smtp"]["kind"] == "refused"
        assert broken["mailbox"]["connection_status"] == "failed" and broken["mailbox"]["warmup_status"] == "INACTIVE"

        r = await client.post(
            "/mailboxes",
            json={"email": "pat@acme-staffing.test", "display_name": "Pat Lee", "password": "app-password",
                  "provider": "smtp", "smtp_host": "127.0.0.1", "smtp_port": sink.port, "smtp_security": "none",
                  "daily_send_limit": 50},
        )  # fmt: skip
        assert r.status_code == 201, r.text
        mailbox = r.json()
        assert "password" not in mailbox and mailbox["has_password"] is True
        tested = (await client.post(f"/mailboxes/{mailbox['mailbox_id']}/test-connection")).json()
        assert tested["ok"] is True, tested
        assert tested["mailbox"]["warmup_status"] == "WARMING_UP"
        r = await client.put(f"/mailboxes/{mailbox['mailbox_id']}/status", json={"status": "ACTIVE"})
        assert r.status_code == 200 and r.json()["warmup_status"] == "ACTIVE", r.text

        await put_setting(client, "outreach_postal_address", POSTAL)
        await put_setting(client, "public_base_url", root)
        await put_setting(client, "rate_limit_per_minute", 0)
        await put_setting(client, "daily_send_limit", 4)  # written last: once outreach sees it, it sees the others

        async def outreach_ready() -> bool:
            stats = (await client.get("/outreach/stats")).json()
            return stats["daily_limit"] == 4 and stats["ready_mailboxes"] == 1

        await eventually(outreach_ready, what="outreach seeing the settings and the ready mailbox")

        # Mail merge: three contacts exported, with the guide.
        r = await client.post("/pipelines/outreach/run", json={"mode": "mailmerge", "limit": 3})
        assert r.status_code == 202, r.text
        merge = await eventually(lambda: finished_run(client, r.json()["run_id"]), what="the mail merge")
        assert merge["status"] == "completed" and merge["counts"]["exported"] == 3, merge
        exported = await client.get(f"/pipelines/runs/{merge['run_id']}/export", params={"file": "csv"})
        assert exported.status_code == 200, exported.text
        rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
        assert rows[0] == ["First Name", "Last Name", "Email", "Title", "Company", "State", "Job Title"]
        merged = {row[2].lower() for row in rows[1:]}
        assert len(merged) == 3
        guide = await client.get(f"/pipelines/runs/{merge['run_id']}/export", params={"file": "guide"})
        assert guide.status_code == 200 and "unsubscribe" in guide.text.lower() and POSTAL in guide.text

        # Direct send: at most the daily limit, through the mailbox, never to the merged addresses.
        r = await client.post("/pipelines/outreach/run", json={"mode": "send"})
        sent_run = await eventually(lambda: finished_run(client, r.json()["run_id"]), timeout=60, what="the send")
        assert sent_run["status"] == "completed", sent_run
        assert sent_run["counts"]["sent"] == len(sink.received) == 4, sent_run
        late = await client.post(f"/pipelines/runs/{sent_run['run_id']}/cancel")
        assert late.status_code == 409 and "finished" in late.text, late.text

    messages = [email.message_from_bytes(e.original_content, policy=email.policy.default) for e in sink.received]
    recipients = [m["To"].addresses[0].addr_spec.lower() for m in messages]
    assert len(set(recipients)) == 4 and not set(recipients) & merged
    for m in messages:
        assert isinstance(m, EmailMessage)
        assert m["From"] == "Pat Lee <pat@acme-staffing.test>"
        assert m["Message-ID"] and m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        body = m.get_body(preferencelist=("plain",))
        assert body is not None and POSTAL in body.get_content()
    assert len({m["Message-ID"] for m in messages}) == 4

    # The recipient clicks the one-click link from the header: no login, the address is suppressed.
    link = re.search(r"<(http[^>]+/unsubscribe/[^>]+)>", str(messages[0]["List-Unsubscribe"]))
    assert link, messages[0]["List-Unsubscribe"]
    async with httpx.AsyncClient(timeout=30) as anonymous:
        page = await anonymous.get(link.group(1))
        assert page.status_code == 200 and recipients[0] in page.text.lower()
        done = await anonymous.post(link.group(1), data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200, done.text
    suppressed = (await client.get("/outreach/suppression", params={"search": recipients[0]})).json()
    assert [s["email"] for s in suppressed["items"]] == [recipients[0]]

    # Everyone else learnt about it: leads CONTACTED, the contact's last outreach, the mailbox's counters.
    async def contacted() -> int | None:
        total: int = (await client.get("/leads", params={"status": "CONTACTED"})).json()["total"]
        return total if total >= 1 else None

    await eventually(contacted, what="reached leads CONTACTED")
    events = (await client.get("/outreach/events", params={"status": "sent", "channel": "smtp"})).json()
    assert events["total"] == 4
    # The contact that was mailed (another lead may have a contact with the same address: it was not).
    reached = next(e for e in events["items"] if e["email"] == recipients[0])

    async def last_outreach() -> str | None:
        return (await client.get(f"/contacts/{reached['contact_id']}")).json()["last_outreach_at"]

    await eventually(last_outreach, what="the contact's last outreach date")

    async def counted() -> bool:
        got = (await client.get(f"/mailboxes/{mailbox['mailbox_id']}")).json()
        return got["emails_sent_today"] == 4 and got["total_emails_sent"] == 4

    await eventually(counted, what="the mailbox's counters")
