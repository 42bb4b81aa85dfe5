"""How SMTP answers become verdicts (no servers: the replies as real servers word them)."""

from __future__ import annotations

import pytest
from ra_validation.builtin.probe import ProbeResult, Reply
from ra_validation.builtin.replies import judge, rcpt_meaning, retry_after_seconds


@pytest.mark.parametrize(
    ("code", "message", "meaning"),
    [
        (250, "2.1.5 OK", "accepted"),
        (251, "User not local; will forward", "accepted"),
        (550, "5.1.1 The email account that you tried to reach does not exist.", "no_mailbox"),
        (550, "Requested action not taken: mailbox unavailable", "no_mailbox"),
        (553, "sorry, that domain isn't in my list of allowed rcpthosts", "no_mailbox"),
        (554, "delivery error: dd This user doesn't have a yahoo.com account", "no_mailbox"),
        (550, "5.2.1 The email account that you tried to reach is disabled.", "disabled"),
        (552, "5.2.2 The email account that you tried to reach is over quota.", "full"),
        (552, "Mailbox full", "full"),
        (550, "5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus", "blocked"),
        (550, "5.7.606 Access denied, banned sending IP [192.0.2.1]", "blocked"),
        (550, "Message rejected: sender IP listed at bl.example", "blocked"),
        (554, "5.4.14 Hop count exceeded", "blocked"),
        (452, "4.2.2 The email account that you tried to reach is over quota.", "full_temporary"),
        (450, "4.2.0 Greylisted", "temporary"),
        (451, "4.7.1 Please try again later", "temporary"),
        (421, "4.7.0 Too many connections", "temporary"),
        (501, "5.5.2 Syntax error", "other"),
        (354, "Go ahead", "other"),
    ],
)
def test_rcpt_replies_are_read_like_mail_servers_mean_them(code: int, message: str, meaning: str) -> None:
    assert rcpt_meaning(Reply(code, message)) == meaning


def test_a_retry_wait_named_by_the_server_is_kept() -> None:
    assert retry_after_seconds(Reply(450, "4.2.0 Greylisted, try again in 5 minutes"), 300) == 300
    assert retry_after_seconds(Reply(451, "4.7.1 Please retry in 120 seconds"), 300) == 120
    assert retry_after_seconds(Reply(451, "4.7.1 Please retry in 2s"), 300) == 60  # at least a minute
    assert retry_after_seconds(Reply(450, "4.2.0 Greylisted"), 300) == 300
    assert retry_after_seconds(None, 900) == 900


def probe(rcpt: Reply | None = None, decoy: Reply | None = None, **kwargs: object) -> ProbeResult:
    return ProbeResult(rcpt=rcpt, decoy=decoy, **kwargs)  # type: ignore[arg-type]


OK = Reply(250, "2.1.5 OK")
NO = Reply(550, "5.1.1 User unknown")
LATER = Reply(450, "4.2.0 Greylisted")


@pytest.mark.parametrize(
    ("result", "role", "expected"),
    [
        (probe(OK, NO), False, ("valid", None, None)),
        (probe(OK, NO), True, ("valid", "role", None)),
        (probe(OK, Reply(550, "5.7.1 Too many invalid recipients")), False, ("valid", None, None)),
        (probe(OK, OK), False, ("catch_all", None, None)),
        (probe(OK, OK), True, ("catch_all", "role", None)),
        (probe(OK, LATER), False, ("unknown", "greylisted", 300)),
        (probe(NO), True, ("invalid", "mailbox_not_found", None)),
        (probe(Reply(550, "5.2.1 Account disabled")), False, ("invalid", "mailbox_not_found", None)),
        (probe(Reply(552, "5.2.2 Mailbox full")), False, ("invalid", "full_inbox", None)),
        (probe(Reply(452, "4.2.2 Over quota")), False, ("unknown", "full_inbox", 300)),
        (probe(LATER), False, ("unknown", "greylisted", 300)),
        (probe(Reply(554, "5.7.1 Relay access denied")), False, ("unknown", "blocked", None)),
        (probe(problem="timeout"), False, ("unknown", "timeout", None)),
        (probe(problem="unreachable"), False, ("unknown", "unreachable", None)),
        (
            probe(problem="blocked", problem_reply=Reply(554, "No SMTP service here")),
            False,
            ("unknown", "blocked", None),
        ),
        (
            probe(problem="greylisted", problem_reply=Reply(421, "Busy, retry in 10 minutes")),
            False,
            ("unknown", "greylisted", 600),
        ),
        (probe(OK, problem="timeout"), False, ("unknown", "timeout", None)),
        (probe(NO, problem="timeout"), False, ("invalid", "mailbox_not_found", None)),
    ],
)
def test_a_conversation_becomes_one_verdict(result: ProbeResult, role: bool, expected: tuple[object, ...]) -> None:
    judgement = judge(result, role=role, default_retry=300)
    assert (judgement.status, judgement.sub_status, judgement.retry_after) == expected
