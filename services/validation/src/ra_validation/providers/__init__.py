"""Email validation providers (SOP §4.2): the verdict model, the validator protocol, the demo validator and
one adapter per paid service. ``PAID_VALIDATORS`` maps the ``email_validation_provider`` setting's values
to the adapter classes; each builds itself with ``from_settings(get)``."""

from ra_validation.providers.base import (
    EmailValidator,
    PaidValidator,
    ValidationProviderError,
    Verdict,
    VerdictStatus,
)
from ra_validation.providers.clearout import ClearoutValidator
from ra_validation.providers.demo import DemoValidator
from ra_validation.providers.emailable import EmailableValidator
from ra_validation.providers.hunter import HunterValidator
from ra_validation.providers.mailboxvalidator import MailboxValidatorValidator
from ra_validation.providers.neverbounce import NeverBounceValidator
from ra_validation.providers.reacher import ReacherValidator
from ra_validation.providers.zerobounce import ZeroBounceValidator

PAID_VALIDATORS: dict[str, type[PaidValidator]] = {
    cls.name: cls
    for cls in (
        NeverBounceValidator,
        ZeroBounceValidator,
        HunterValidator,
        ClearoutValidator,
        EmailableValidator,
        MailboxValidatorValidator,
        ReacherValidator,
    )
}

__all__ = [
    "PAID_VALIDATORS",
    "ClearoutValidator",
    "DemoValidator",
    "EmailValidator",
    "EmailableValidator",
    "HunterValidator",
    "MailboxValidatorValidator",
    "NeverBounceValidator",
    "PaidValidator",
    "ReacherValidator",
    "ValidationProviderError",
    "Verdict",
    "VerdictStatus",
    "ZeroBounceValidator",
]
