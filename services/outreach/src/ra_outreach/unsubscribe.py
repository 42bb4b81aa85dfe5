"""Signed unsubscribe tokens: ``base64url(address) "." base64url(HMAC-SHA256(key, "unsubscribe:" + address)[:16])``.

The address is lower-cased. The HMAC key is derived from each configured ``RA_SECRET_KEY`` key, so a token
signed before a key rotation still verifies (the newest key signs, every key verifies); a token names its
address in clear, which is fine — it only lets its holder unsubscribe that address.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from ra_runtime.secrets import dev_key

_MAC_BYTES = 16


class BadToken(ValueError):
    def __init__(self) -> None:
        super().__init__("this unsubscribe link is not valid")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class UnsubscribeSigner:
    def __init__(self, secret_setting: str | None) -> None:
        keys = [k.strip() for k in (secret_setting or "").split(",") if k.strip()] or [dev_key()]
        self._keys = [hashlib.sha256(b"ra-outreach-unsubscribe:" + k.encode()).digest() for k in keys]

    def _mac(self, key: bytes, email: str) -> bytes:
        return hmac.new(key, b"unsubscribe:" + email.encode(), hashlib.sha256).digest()[:_MAC_BYTES]

    def sign(self, email: str) -> str:
        address = email.strip().lower()
        return f"{_b64(address.encode())}.{_b64(self._mac(self._keys[0], address))}"

    def verify(self, token: str) -> str:
        """The address the token names; :class:`BadToken` when it was not signed by any of our keys."""
        try:
            encoded, mac_text = token.strip().split(".")
            address = _unb64(encoded).decode()
            mac = _unb64(mac_text)
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise BadToken() from exc
        if not address or address != address.lower() or len(mac) != _MAC_BYTES:
            raise BadToken()
        if not any(hmac.compare_digest(mac, self._mac(k, address)) for k in self._keys):
            raise BadToken()
        return address


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/unsubscribe/{token}"
