"""Secrets at rest: Fernet encryption with key rotation (MultiFernet), and masking for display."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

#: Used only when ``RA_SECRET_KEY`` is unset outside production, so that ``make run`` works out of the box.
DEV_SECRET_SEED = "ra-development-only-secret-key"


def dev_key() -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(DEV_SECRET_SEED.encode()).digest()).decode()


class SecretBox:
    """``keys``: newest first; older keys still decrypt, so keys can be rotated without re-encrypting at once."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one secret key is required")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    @classmethod
    def from_setting(cls, value: str | None) -> SecretBox:
        keys = [k.strip() for k in (value or "").split(",") if k.strip()]
        return cls(keys or [dev_key()])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("secret cannot be decrypted with the configured RA_SECRET_KEY") from exc

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode()).decode()


def mask(secret: str | None) -> str:
    """``sk-…1234`` style: enough to recognise a key, never enough to use it."""
    if not secret:
        return ""
    if len(secret) <= 8:
        return "••••"
    return f"{secret[:2]}••••{secret[-4:]}"
