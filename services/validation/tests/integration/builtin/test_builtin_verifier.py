"""The built-in verifier against a real DNS server and a real SMTP server on loopback (no mocks)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from ra_validation.builtin import BuiltinVerifier
from ra_validation.providers.base import EmailValidator

from .servers import LocalDns, LocalSmtp, SilentServer


async def test_an_existing_mailbox_is_valid_and_the_server_never_sees_data(
    verifier: BuiltinVerifier, smtp_server: LocalSmtp
) -> None:
    data_before = smtp_server.rules.commands["DATA"]

    verdict = await verifier.check("Alice@Accept.test")

    assert (verdict.status, verdict.sub_status, verdict.provider) == ("valid", None, "builtin")
    assert verdict.email == "Alice@Accept.test"
    raw = verdict.raw
    assert raw["rcpt"]["code"] == 250
    assert raw["catch_all_probe"]["code"] == 550
    assert raw["catch_all_probe"]["address"].endswith("@accept.test")
    assert raw["attempts"] == [{"host": "mx.accept.test", "ip": "127.0.0.1", "banner": raw["attempts"][0]["banner"]}]
    assert raw["commands"] == ["EHLO", "MAIL", "RCPT", "RCPT", "QUIT"]
    assert {"dns", "queue", "smtp", "total"} <= raw["timings_ms"].keys()
    assert smtp_server.rules.commands["DATA"] == data_before
    json.dumps(raw)  # stored as JSON by the service


async def test_the_verifier_meets_the_validator_protocol(verifier: BuiltinVerifier) -> None:
    assert isinstance(verifier, EmailValidator)
    assert (verifier.name, verifier.paid) == ("builtin", False)


async def test_an_unknown_user_is_invalid(verifier: BuiltinVerifier) -> None:
    verdict = await verifier.check("carol@accept.test")

    assert (verdict.status, verdict.sub_status) == ("invalid", "mailbox_not_found")
    assert verdict.raw["rcpt"] == {"code": 550, "message": "5.1.1 User unknown"}
    assert verdict.raw["catch_all_probe"] is None  # no second question once the first is answered
    assert verdict.raw["commands"] == ["EHLO", "MAIL", "RCPT", "QUIT"]


async def test_a_domain_without_users_is_invalid(verifier: BuiltinVerifier) -> None:
    verdict = await verifier.check("anyone@reject.test")
    assert (verdict.status, verdict.sub_status) == ("invalid", "mailbox_not_found")


async def test_a_server_that_accepts_everyone_is_catch_all(verifier: BuiltinVerifier) -> None:
    verdict = await verifier.check("whoever@catchall.test")

    assert (verdict.status, verdict.sub_status) == ("catch_all", None)
    assert verdict.raw["catch_all_probe"]["code"] == 250


async def test_greylisting_is_unknown_with_a_retry_hint(verifier: BuiltinVerifier) -> None:
    verdict = await verifier.check("frank@greylist.test")

    assert (verdict.status, verdict.sub_status) == ("unknown", "greylisted")
    assert verdict.raw["rcpt"] == {"code": 450, "message": "4.2.0 Greylisted"}
    assert verdict.raw["retry_after"] == 300


async def test_a_full_mailbox_is_invalid(verifier: BuiltinVerifier) -> None:
    verdict = await verifier.check("gina@full.test")
    assert (verdict.status, verdict.sub_status) == ("invalid", "full_inbox")


async def test_a_policy_refusal_is_not_taken_for_a_missing_mailbox(verifier: BuiltinVerifier) -> None:
    verdict = await verifier.check("hank@blocked.test")
    assert (verdict.status, verdict.sub_status) == ("unknown", "blocked")


async def test_role_accounts_are_probed_and_flagged(verifier: BuiltinVerifier) -> None:
    info = await verifier.check("info@accept.test")
    sales = await verifier.check("sales@catchall.test")
    gone = await verifier.check("support@accept.test")

    assert (info.status, info.sub_status, info.raw["role"]) == ("valid", "role", True)
    assert (sales.status, sales.sub_status) == ("catch_all", "role")
    assert (gone.status, gone.sub_status) == ("invalid", "mailbox_not_found")


async def test_bad_syntax_and_disposable_domains_are_refused_without_a_lookup(
    verifier: BuiltinVerifier, dns_server: LocalDns
) -> None:
    queries_before = sum(dns_server.zone.queries.values())

    syntax = await verifier.check("not an email")
    double_at = await verifier.check("a@@accept.test")
    throwaway = await verifier.check("someone@mailinator.com")
    sub_throwaway = await verifier.check("someone@eu.guerrillamail.com")

    assert (syntax.status, syntax.sub_status) == ("invalid", "syntax")
    assert "error" in syntax.raw
    assert (double_at.status, double_at.sub_status) == ("invalid", "syntax")
    assert (throwaway.status, throwaway.sub_status) == ("invalid", "disposable")
    assert (sub_throwaway.status, sub_throwaway.sub_status) == ("invalid", "disposable")
    assert sum(dns_server.zone.queries.values()) == queries_before


async def test_a_domain_without_mx_is_delivered_to_its_a_record(verifier: BuiltinVerifier) -> None:
    verdict = await verifier.check("dave@nomx.test")

    assert (verdict.status, verdict.sub_status) == ("valid", None)
    assert verdict.raw["implicit_mx"] is True
    assert verdict.raw["mx"] == [{"host": "nomx.test", "preference": 0, "addresses": ["127.0.0.1"]}]


async def test_domains_that_take_no_mail_are_invalid(verifier: BuiltinVerifier) -> None:
    for email in ("x@nowhere.test", "x@empty.test", "x@nullmx.test"):
        verdict = await verifier.check(email)
        assert (verdict.status, verdict.sub_status) == ("invalid", "no_mx"), (email, verdict.raw)
        assert verdict.raw["dns_error"]


async def test_the_next_mx_is_tried_when_the_best_refuses_connections(verifier: BuiltinVerifier) -> None:
    verdict = await verifier.check("erin@backup.test")

    assert (verdict.status, verdict.sub_status) == ("valid", None)
    first, second = verdict.raw["attempts"]
    assert (first["host"], first["ip"]) == ("down.backup.test", "127.0.0.2")
    assert "error" in first
    assert (second["host"], second["ip"], second["banner"]["code"]) == ("mx.backup.test", "127.0.0.1", 220)


async def test_an_mx_that_refuses_connections_is_unreachable(verifier: BuiltinVerifier) -> None:
    verdict = await verifier.check("ivan@refused.test")

    assert (verdict.status, verdict.sub_status) == ("unknown", "unreachable")
    assert verdict.raw["attempts"][0]["ip"] == "127.0.0.2"


async def test_silence_from_dns_or_smtp_is_a_timeout(
    make_verifier: Callable[..., BuiltinVerifier], smtp_server: LocalSmtp
) -> None:
    verifier = make_verifier(timeout_seconds=0.3)

    async with SilentServer("127.0.0.3", smtp_server.port):
        dns_silent, host_silent, smtp_silent = await asyncio.gather(
            verifier.check("x@slowdns.test"), verifier.check("x@slowmx.test"), verifier.check("x@tarpit.test")
        )

    assert (dns_silent.status, dns_silent.sub_status) == ("unknown", "timeout")
    assert (host_silent.status, host_silent.sub_status) == ("unknown", "timeout")
    assert host_silent.raw["attempts"] == [{"host": "mx.slowmx.test", "error": "timeout"}]
    assert (smtp_silent.status, smtp_silent.sub_status) == ("unknown", "timeout")
    assert smtp_silent.raw["attempts"][0]["error"] == "timeout"


async def test_timeouts_are_not_cached_but_answers_are(
    make_verifier: Callable[..., BuiltinVerifier], dns_server: LocalDns
) -> None:
    verifier = make_verifier(timeout_seconds=0.3)
    queries = dns_server.zone.queries
    mx_before, silent_before = queries[("accept.test", "MX")], queries[("slowdns.test", "MX")]

    await asyncio.gather(*(verifier.check(f"{name}@accept.test") for name in ("alice", "bob", "zed", "info")))
    await verifier.check("a@slowdns.test")
    await verifier.check("b@slowdns.test")

    assert queries[("accept.test", "MX")] == mx_before + 1
    assert queries[("slowdns.test", "MX")] > silent_before + 1
    assert verifier.domain_lookups == 3


async def test_sessions_per_domain_never_exceed_the_cap(
    make_verifier: Callable[..., BuiltinVerifier], smtp_server: LocalSmtp
) -> None:
    verifier = make_verifier(per_domain_connections=2, max_concurrency=50)
    rules = smtp_server.rules
    rcpts_before = len(rules.rcpts)

    verdicts = await asyncio.gather(*(verifier.check(f"person{i}@busy.test") for i in range(50)))

    assert {v.status for v in verdicts} == {"catch_all"}
    assert len(rules.rcpts) - rcpts_before == 100  # the address and the catch-all probe, for each
    assert rules.max_sessions["busy.test"] == 2  # reached, never exceeded
    assert rules.sessions_now["busy.test"] == 0
    assert rules.commands["DATA"] == 0


async def test_a_non_ascii_mailbox_is_asked_about_with_smtputf8(verifier: BuiltinVerifier) -> None:
    verdict = await verifier.check("josé@accept.test")

    assert (verdict.status, verdict.sub_status) == ("invalid", "mailbox_not_found")
    assert verdict.raw["normalized"] == "josé@accept.test"
    assert verdict.raw["rcpt"]["code"] == 550
