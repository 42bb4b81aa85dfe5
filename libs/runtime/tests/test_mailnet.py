"""Mail connections against real servers started here: every failure kind, reported precisely."""

from __future__ import annotations

from pathlib import Path

import pytest
from ra_runtime.mailnet import MailConnectError, blocked_reason, check_imap, open_smtp, parse_ports, resolve_checked
from ra_runtime.mailtesting import Certificate, closed_port, imap_server, self_signed, silent_server, smtp_server

USERS = {"sender@example.com": "app-password"}
QUICK = 3.0


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Certificate]:
    d = tmp_path_factory.mktemp("certs")
    return {
        "trusted": self_signed(d, "trusted", dns_names=("localhost",)),
        "stranger": self_signed(d, "stranger", dns_names=("localhost",)),
    }


def ca(certs: dict[str, Certificate]) -> str:
    return str(certs["trusted"].cert_file)


async def smtp_error(**kwargs: object) -> MailConnectError:
    args: dict[str, object] = {"timeout": QUICK, "allow_private": True, "ca_file": None}
    args.update(kwargs)
    host, port, security = args.pop("host"), args.pop("port"), args.pop("security", "starttls")
    username, password = args.pop("username", "sender@example.com"), args.pop("password", "app-password")
    with pytest.raises(MailConnectError) as caught:
        smtp = await open_smtp(host, port, security, username, password, **args)  # type: ignore[arg-type]
        smtp.close()
    return caught.value


# --- the guard (no connection is attempted) --------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "metadata"),
        ("169.254.10.1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("fd00:ec2::254", "metadata"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "metadata"),
        ("64:ff9b::a00:1", "private"),
    ],
)
def test_addresses_inside_the_network_are_refused(address: str, reason: str) -> None:
    assert reason in (blocked_reason(address) or "")


@pytest.mark.parametrize("address", ["142.250.1.27", "40.97.1.1", "2a00:1450:4001:80b::201b"])
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(address) is None


async def test_loopback_and_metadata_hosts_are_blocked_before_connecting() -> None:
    for host in ("127.0.0.1", "localhost", "169.254.169.254", "::ffff:10.0.0.1"):
        with pytest.raises(MailConnectError) as caught:
            await resolve_checked(host, 587, allow_private=False)
        assert (caught.value.kind, caught.value.stage) == ("blocked", "guard"), host


async def test_a_port_that_is_not_a_mail_port_is_blocked() -> None:
    with pytest.raises(MailConnectError) as caught:
        await resolve_checked("142.250.1.27", 6379, allow_private=False)
    assert (caught.value.kind, caught.value.stage) == ("blocked", "guard")
    assert "6379" in caught.value.message
    assert await resolve_checked("142.250.1.27", 587, allow_private=False) == ["142.250.1.27"]
    assert parse_ports("25, 587") == {25, 587}


async def test_allow_private_lets_local_servers_through_but_never_metadata() -> None:
    assert await resolve_checked("127.0.0.1", 2526, allow_private=True) == ["127.0.0.1"]
    assert await resolve_checked("10.1.2.3", 587, allow_private=True) == ["10.1.2.3"]
    for metadata in ("169.254.169.254", "fd00:ec2::254"):
        with pytest.raises(MailConnectError) as caught:
            await resolve_checked(metadata, 587, allow_private=True)
        assert caught.value.kind == "blocked" and "metadata" in caught.value.message


async def test_blocked_smtp_host() -> None:
    err = await smtp_error(host="127.0.0.1", port=587, allow_private=False)
    assert (err.kind, err.stage) == ("blocked", "guard")
    err = await smtp_error(host="169.254.169.254", port=587, allow_private=False)
    assert (err.kind, err.stage) == ("blocked", "guard")
    assert "metadata" in err.message


# --- SMTP ------------------------------------------------------------------------------------------


async def test_starttls_and_login_succeed(certs: dict[str, Certificate]) -> None:
    async with smtp_server(users=USERS, starttls=certs["trusted"].server_context(), require_tls_for_auth=True) as srv:
        smtp = await open_smtp(
            "localhost", srv.port, "starttls", "sender@example.com", "app-password",
            timeout=QUICK, allow_private=True, ca_file=ca(certs),
        )  # fmt: skip
        try:
            assert smtp.get_transport_info("sslcontext") is not None
            await smtp.sendmail("sender@example.com", ["bob@example.org"], b"Subject: hi\r\n\r\nhello\r\n")
        finally:
            await smtp.quit()
        assert srv.logins == [("sender@example.com", True)]
        assert len(srv.received) == 1


async def test_implicit_tls_succeeds(certs: dict[str, Certificate]) -> None:
    async with smtp_server(users=USERS, implicit_tls=certs["trusted"].server_context()) as srv:
        smtp = await open_smtp(
            "localhost", srv.port, "ssl", "sender@example.com", "app-password",
            timeout=QUICK, allow_private=True, ca_file=ca(certs),
        )  # fmt: skip
        await smtp.quit()
        assert srv.logins == [("sender@example.com", True)]


async def test_wrong_password_is_auth_with_the_servers_reply(certs: dict[str, Certificate]) -> None:
    async with smtp_server(users=USERS, starttls=certs["trusted"].server_context()) as srv:
        err = await smtp_error(host="localhost", port=srv.port, password="wrong", ca_file=ca(certs))
    assert (err.kind, err.stage, err.code) == ("auth", "login", 535)
    assert "535" in err.message and "Authentication credentials invalid" in err.message


async def test_untrusted_certificate_is_tls(certs: dict[str, Certificate]) -> None:
    async with smtp_server(users=USERS, starttls=certs["stranger"].server_context()) as srv:
        err = await smtp_error(host="localhost", port=srv.port, ca_file=ca(certs))
    assert (err.kind, err.stage) == ("tls", "tls")
    assert "not trusted" in err.message


async def test_certificate_for_another_name_is_tls(certs: dict[str, Certificate]) -> None:
    async with smtp_server(users=USERS, implicit_tls=certs["trusted"].server_context()) as srv:
        # the certificate names "localhost"; the mailbox says 127.0.0.1
        err = await smtp_error(host="127.0.0.1", port=srv.port, security="ssl", ca_file=ca(certs))
    assert (err.kind, err.stage) == ("tls", "tls")
    assert "127.0.0.1" in err.message


async def test_server_without_starttls_is_tls() -> None:
    async with smtp_server(users=USERS) as srv:
        err = await smtp_error(host="127.0.0.1", port=srv.port)
    assert (err.kind, err.stage) == ("tls", "tls")
    assert "STARTTLS" in err.message


async def test_plain_login_without_tls_when_security_none() -> None:
    async with smtp_server(users=USERS) as srv:
        smtp = await open_smtp(
            "127.0.0.1", srv.port, "none", "sender@example.com", "app-password", timeout=QUICK, allow_private=True
        )
        await smtp.quit()
        assert srv.logins == [("sender@example.com", True)]


async def test_closed_port_is_refused() -> None:
    err = await smtp_error(host="127.0.0.1", port=closed_port())
    assert (err.kind, err.stage) == ("refused", "connect")


async def test_unknown_host_is_dns() -> None:
    err = await smtp_error(host="no-such-mail-host.invalid", port=587)
    assert (err.kind, err.stage) == ("dns", "resolve")
    assert "no-such-mail-host.invalid" in err.message


async def test_server_that_never_greets_is_timeout() -> None:
    async with silent_server() as srv:
        err = await smtp_error(host="127.0.0.1", port=srv.port, timeout=0.3)
    assert (err.kind, err.stage) == ("timeout", "connect")


# --- IMAP ------------------------------------------------------------------------------------------


async def test_imap_login_over_implicit_tls(certs: dict[str, Certificate]) -> None:
    async with imap_server(users=USERS, implicit_tls=certs["trusted"].server_context()) as srv:
        await check_imap(
            "localhost", srv.port, "ssl", "sender@example.com", "app-password",
            timeout=QUICK, allow_private=True, ca_file=ca(certs),
        )  # fmt: skip
        assert srv.logins == [("sender@example.com", True)]


async def test_imap_starttls_then_login(certs: dict[str, Certificate]) -> None:
    async with imap_server(users=USERS, starttls=certs["trusted"].server_context()) as srv:
        await check_imap(
            "localhost", srv.port, "starttls", "sender@example.com", "app-password",
            timeout=QUICK, allow_private=True, ca_file=ca(certs),
        )  # fmt: skip
        assert srv.logins == [("sender@example.com", True)]


async def test_imap_wrong_password_is_auth() -> None:
    async with imap_server(users=USERS) as srv:
        with pytest.raises(MailConnectError) as caught:
            await check_imap(
                "127.0.0.1", srv.port, "none", "sender@example.com", "nope", timeout=QUICK, allow_private=True
            )
    assert (caught.value.kind, caught.value.stage) == ("auth", "login")
    assert "AUTHENTICATIONFAILED" in caught.value.message


async def test_imap_untrusted_certificate_is_tls(certs: dict[str, Certificate]) -> None:
    async with imap_server(users=USERS, implicit_tls=certs["stranger"].server_context()) as srv:
        with pytest.raises(MailConnectError) as caught:
            await check_imap(
                "localhost", srv.port, "ssl", "sender@example.com", "app-password",
                timeout=QUICK, allow_private=True, ca_file=ca(certs),
            )  # fmt: skip
    assert (caught.value.kind, caught.value.stage) == ("tls", "tls")


async def test_imap_refusing_greeting_is_protocol() -> None:
    async with imap_server(users=USERS, greeting="* BYE too many connections") as srv:
        with pytest.raises(MailConnectError) as caught:
            await check_imap(
                "127.0.0.1", srv.port, "none", "sender@example.com", "app-password", timeout=QUICK, allow_private=True
            )
    assert (caught.value.kind, caught.value.stage) == ("protocol", "connect")
    assert "too many connections" in caught.value.message


async def test_imap_blocked_and_refused(tmp_path: Path) -> None:
    with pytest.raises(MailConnectError) as caught:
        await check_imap("127.0.0.1", 993, "ssl", "u", "p", timeout=QUICK, allow_private=False)
    assert caught.value.kind == "blocked"
    with pytest.raises(MailConnectError) as caught:
        await check_imap("127.0.0.1", closed_port(), "ssl", "u", "p", timeout=QUICK, allow_private=True)
    assert (caught.value.kind, caught.value.stage) == ("refused", "connect")


async def test_imap_server_that_never_greets_is_timeout() -> None:
    async with silent_server() as srv:
        with pytest.raises(MailConnectError) as caught:
            await check_imap("127.0.0.1", srv.port, "none", "u", "p", timeout=0.3, allow_private=True)
    assert (caught.value.kind, caught.value.stage) == ("timeout", "connect")
