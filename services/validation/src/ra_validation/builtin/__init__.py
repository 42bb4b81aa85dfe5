"""The built-in, key-free email verifier: syntax, disposable domains, role accounts, MX lookup and an SMTP
RCPT probe (never DATA), with per-server limits. See :mod:`ra_validation.builtin.verifier`."""

from ra_validation.builtin.verifier import SETTINGS_KEYS, BuiltinConfig, BuiltinVerifier, parse_nameservers

__all__ = ["SETTINGS_KEYS", "BuiltinConfig", "BuiltinVerifier", "parse_nameservers"]
