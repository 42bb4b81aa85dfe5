"""The validator chosen in Settings (``email_validation_provider``), built from the live settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from ra_validation.builtin.verifier import BuiltinConfig, BuiltinVerifier
from ra_validation.providers.base import EmailValidator
from ra_validation.providers.clearout import ClearoutValidator
from ra_validation.providers.demo import DemoValidator
from ra_validation.providers.emailable import EmailableValidator
from ra_validation.providers.hunter import HunterValidator
from ra_validation.providers.mailboxvalidator import MailboxValidatorValidator
from ra_validation.providers.neverbounce import NeverBounceValidator
from ra_validation.providers.reacher import ReacherValidator
from ra_validation.providers.zerobounce import ZeroBounceValidator


class ValidatorUnavailable(Exception):
    """The setting names no validator this version has."""


_builtin: dict[str, BuiltinVerifier] = {}


def shared_builtin(get: Callable[[str], Any]) -> BuiltinVerifier:
    """One built-in verifier per process while its settings stay the same, so that its per-domain
    connection and rate limits (and its MX cache) hold across every batch and run of this replica."""
    config = BuiltinConfig.from_settings(get)
    key = repr(config)
    if key not in _builtin:
        _builtin.clear()
        _builtin[key] = BuiltinVerifier(config)
    return _builtin[key]


#: Each choice of ``email_validation_provider``; "mock" is the SOP's name for the demo.
VALIDATORS: dict[str, Callable[[Callable[[str], Any]], Any]] = {
    "mock": lambda get: DemoValidator(),
    "demo": lambda get: DemoValidator(),
    "builtin": shared_builtin,
    "neverbounce": NeverBounceValidator.from_settings,
    "zerobounce": ZeroBounceValidator.from_settings,
    "hunter": HunterValidator.from_settings,
    "clearout": ClearoutValidator.from_settings,
    "emailable": EmailableValidator.from_settings,
    "mailboxvalidator": MailboxValidatorValidator.from_settings,
    "reacher": ReacherValidator.from_settings,
}


def build_validator(get: Callable[[str], Any]) -> EmailValidator:
    name = str(get("email_validation_provider"))
    factory = VALIDATORS.get(name)
    if factory is None:
        raise ValidatorUnavailable(f"unknown email validation provider {name!r}")
    return cast(EmailValidator, factory(get))
