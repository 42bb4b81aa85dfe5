"""The bundled lists, the settings the verifier reads, and the checks that need no network."""

from __future__ import annotations

from typing import Any

import pytest
from ra_validation.builtin import BuiltinConfig, BuiltinVerifier, parse_nameservers
from ra_validation.builtin.lists import DISPOSABLE_DOMAINS, ROLE_LOCAL_PARTS, is_disposable, is_role
from ra_validation.providers.base import ValidationProviderError


def test_the_lists_are_substantial_and_lowercase() -> None:
    assert len(DISPOSABLE_DOMAINS) >= 100
    assert all(d == d.lower() and "." in d for d in DISPOSABLE_DOMAINS)
    assert all(r == r.lower() for r in ROLE_LOCAL_PARTS)


def test_disposable_domains_match_with_their_subdomains_only() -> None:
    assert is_disposable("Mailinator.com")
    assert is_disposable("eu.guerrillamail.com")
    assert not is_disposable("notmailinator.com")
    assert not is_disposable("acme-staffing.com")
    assert not is_disposable("com")


@pytest.mark.parametrize("local", ["info", "Sales", "no-reply", "no_reply", "noreply+jobs", "customer.service", "HR"])
def test_role_accounts(local: str) -> None:
    assert is_role(local)


@pytest.mark.parametrize("local", ["jane.doe", "info.desk.manager", "salesman", "j.smith+info"])
def test_people(local: str) -> None:
    assert not is_role(local)


def test_settings_fall_back_to_defaults_for_keys_the_catalogue_lacks() -> None:
    def get(key: str) -> Any:
        raise KeyError(key)

    config = BuiltinConfig.from_settings(get)

    assert config.helo_name
    assert config.mail_from == f"verify@{config.helo_name}"
    assert (config.smtp_port, config.nameservers, config.timeout_seconds) == (25, None, 10.0)
    assert (config.per_domain_connections, config.per_domain_rate, config.max_concurrency) == (2, 5.0, 50)


def test_settings_are_read_and_parsed() -> None:
    values = {
        "builtin_helo_name": "probe.example.com",
        "builtin_mail_from": "bounce@example.com",
        "builtin_smtp_port": "2525",
        "builtin_dns_server": "127.0.0.1:5353",
        "builtin_per_domain_connections": 3,
        "builtin_per_domain_rate": "1.5",
        "builtin_timeout_seconds": "",
    }

    config = BuiltinConfig.from_settings(values.__getitem__)

    assert config.helo_name == "probe.example.com"
    assert config.mail_from == "bounce@example.com"
    assert config.smtp_port == 2525
    assert config.nameservers == [("127.0.0.1", 5353)]
    assert (config.per_domain_connections, config.per_domain_rate, config.timeout_seconds) == (3, 1.5, 10.0)


def test_dns_server_settings() -> None:
    assert parse_nameservers("10.0.0.2") == [("10.0.0.2", 53)]
    assert parse_nameservers("127.0.0.1:5353, [::1]:5300") == [("127.0.0.1", 5353), ("::1", 5300)]
    assert parse_nameservers("2001:db8::1") == [("2001:db8::1", 53)]
    assert parse_nameservers(" ") == []


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        BuiltinConfig(helo_name="h", mail_from="m@h", per_domain_connections=0)
    with pytest.raises(ValueError):
        BuiltinConfig(helo_name="h", mail_from="m@h", per_domain_rate=0)


async def test_syntax_and_disposable_need_no_dns() -> None:
    # Port 9 on loopback: any DNS query would fail, so an answer proves none was sent.
    verifier = BuiltinVerifier(BuiltinConfig(helo_name="h.test", mail_from="m@h.test", nameservers=[("127.0.0.1", 9)]))

    assert (await verifier.check("plainaddress")).sub_status == "syntax"
    assert (await verifier.check("x@yopmail.com")).sub_status == "disposable"
    assert (await verifier.check("x@localhost")).sub_status == "syntax"  # not a deliverable domain
    assert verifier.domain_lookups == 0


async def test_a_dns_server_that_is_not_an_address_is_a_configuration_error() -> None:
    config = BuiltinConfig(helo_name="h.test", mail_from="m@h.test", nameservers=[("dns.example", 53)])

    with pytest.raises(ValidationProviderError) as caught:
        await BuiltinVerifier(config).check("jane@example.com")

    assert caught.value.kind == "config"
