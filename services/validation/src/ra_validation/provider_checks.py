"""The Settings page's "Test" button for the validators validation owns (``q.validation.providers.test``).

=====================  ======================================================================================
provider               check
=====================  ======================================================================================
``neverbounce``        ``GET /v4/account/info`` (free): paid + free credits left
``zerobounce``         ``GET /v2/getcredits`` (free): ``-1`` = unknown key
``hunter``             ``GET /v2/account`` (free): verifications left this period
``clearout``           ``GET /v2/email_verify/getcredits`` (free): credits available
``emailable``          ``GET /v1/account`` (free): credits available
``mailboxvalidator``   one validation of :data:`~ra_validation.providers.base.CHECK_ADDRESS` (no free account
                       call is documented; one credit)
``reacher``            one ``check_email`` of the same address (Reacher has no other endpoint; hosted: one
                       verification; a self-hosted Reacher needs no key)
``builtin``            no key and no network call, see :func:`check_builtin`
=====================  ======================================================================================

Each paid check goes through the adapter's own client, headers and screen (so "out of credits" inside a
200 body is still ``quota``); an account with no credits left is ``rate_limited``: the key works, checks
would not.
"""

from __future__ import annotations

from ra_runtime.provider_tests import CHECK_RETRY, CHECK_TIMEOUT_SECONDS, Get, ProviderCheck

from ra_validation.builtin.verifier import BuiltinConfig, BuiltinVerifier
from ra_validation.providers import PAID_VALIDATORS
from ra_validation.providers.base import PaidValidator, ValidationProviderError


def paid_check(cls: type[PaidValidator]) -> ProviderCheck:
    async def check(get: Get) -> str:
        validator = cls.from_settings(get)
        # A person is waiting: one attempt, a short timeout (Reacher's 60 s default is for real checks).
        validator.timeout_seconds = min(validator.timeout_seconds, CHECK_TIMEOUT_SECONDS)
        validator.retry = CHECK_RETRY
        return await validator.check_connection()

    return check


async def check_builtin(get: Get) -> str:
    """The key-free SMTP verifier sends nothing here: a real check looks up the recipient domain's MX and
    talks SMTP to that domain's own server, so there is no one place to test. What can be checked without
    the network is checked: its settings make a valid configuration and a DNS resolver can be set up (the
    configured ``builtin_dns_server`` or the system's). Whether outbound port 25 is open and the HELO name
    is trusted only shows on a real address (Validation → Check an address)."""
    try:
        config = BuiltinConfig.from_settings(get)
    except ValueError as exc:
        raise ValidationProviderError("config", f"the built-in verifier's settings are not usable: {exc}") from exc
    BuiltinVerifier(config).router  # noqa: B018 - builds the resolver: raises ``config`` when there is none
    dns = (
        "DNS servers " + ", ".join(f"{host}:{port}" for host, port in config.nameservers)
        if config.nameservers
        else "the system's DNS resolver"
    )
    return (
        "the built-in verifier needs no key and no connection was made: each check looks up the "
        f"recipient's MX with {dns}, then talks SMTP to that mail server on port {config.smtp_port} "
        f"(EHLO {config.helo_name}, MAIL FROM <{config.mail_from}>, RCPT TO, stopping before DATA); "
        f"outbound port {config.smtp_port} must be open and the HELO name should have matching forward "
        "and reverse DNS. Try a real address with Validation → Check an address"
    )


PROVIDER_CHECKS: dict[str, ProviderCheck] = {
    **{name: paid_check(cls) for name, cls in PAID_VALIDATORS.items()},
    "builtin": check_builtin,
}
