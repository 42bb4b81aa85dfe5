"""What every SaaS validator must do alike (they share ``ValidationApi``): a timeout is retried as the
policy says, then reported as ``timeout``. Each provider's own answers are tested in its module."""

import httpx
import pytest
import respx
from ra_runtime.http import RetryPolicy
from ra_validation.providers.base import PaidValidator, ValidationProviderError
from ra_validation.providers.clearout import INSTANT_VERIFY_URL, ClearoutValidator
from ra_validation.providers.emailable import VERIFY_URL, EmailableValidator
from ra_validation.providers.hunter import EMAIL_VERIFIER_URL, HunterValidator
from ra_validation.providers.mailboxvalidator import SINGLE_VALIDATION_URL, MailboxValidatorValidator
from ra_validation.providers.neverbounce import SINGLE_CHECK_URL, NeverBounceValidator
from ra_validation.providers.reacher import HOSTED_API_URL, ReacherValidator
from ra_validation.providers.zerobounce import VALIDATE_URL, ZeroBounceValidator

EMAIL = "maria.garcia@summitfoods.example"

#: (validator class, HTTP method, URL of its single check)
PROVIDERS = [
    (ClearoutValidator, "POST", INSTANT_VERIFY_URL),
    (EmailableValidator, "GET", VERIFY_URL),
    (HunterValidator, "GET", EMAIL_VERIFIER_URL),
    (MailboxValidatorValidator, "GET", SINGLE_VALIDATION_URL),
    (NeverBounceValidator, "GET", SINGLE_CHECK_URL),
    (ReacherValidator, "POST", f"{HOSTED_API_URL}/check_email"),
    (ZeroBounceValidator, "GET", VALIDATE_URL),
]


@pytest.mark.parametrize("timeout", [httpx.ReadTimeout("read timed out"), httpx.ConnectTimeout("connect timed out")])
@pytest.mark.parametrize(("cls", "method", "url"), PROVIDERS, ids=[p[0].name for p in PROVIDERS])
async def test_timeouts_are_retried_then_reported(
    respx_mock: respx.MockRouter,
    retry: RetryPolicy,
    http: httpx.AsyncClient,
    cls: type[PaidValidator],
    method: str,
    url: str,
    timeout: httpx.TimeoutException,
) -> None:
    route = respx_mock.route(method=method, url=url).mock(side_effect=timeout)

    with pytest.raises(ValidationProviderError) as raised:
        await cls("live_test", retry=retry, client=http).check(EMAIL)

    assert len(route.calls) == 4
    assert (raised.value.kind, raised.value.message) == ("timeout", "timed out after 4 attempts")
