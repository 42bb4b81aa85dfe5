"""The gateway's own refusals, each with the HTTP status it is answered with (mapped once, in ``app.py``)."""

from __future__ import annotations

from typing import Any


class GatewayError(Exception):
    status: int = 400

    def __init__(self, detail: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(str(detail))
        self.detail = detail
        self.headers = headers or {}


class InvalidCredentials(GatewayError):
    """A missing, expired, tampered or revoked token, or a refresh token that cannot be used."""

    status = 401

    def __init__(self, detail: str = "not authenticated") -> None:
        super().__init__(detail, {"WWW-Authenticate": "Bearer"})


class LoginFailed(GatewayError):
    status = 401

    def __init__(self) -> None:
        # One message for unknown account, wrong password and disabled account: no account enumeration.
        super().__init__("invalid email or password")


class PermissionDenied(GatewayError):
    status = 403


class TooLarge(GatewayError):
    status = 413


class NotFound(GatewayError):
    status = 404


class Conflict(GatewayError):
    status = 409


class InvalidValue(GatewayError):
    """A value the gateway refuses; ``field`` names where it came from (``loc`` as FastAPI reports it)."""

    status = 422

    def __init__(self, loc: tuple[str | int, ...], reason: str) -> None:
        super().__init__([{"loc": list(loc), "msg": reason, "type": "value_error"}])
        self.loc = loc
        self.reason = reason


class TooManyLoginAttempts(GatewayError):
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed login attempts; try again in {retry_after} seconds",
            {"Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after
