"""The gateway's configuration: the runtime's variables plus auth, exports and query timeouts."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from ra_runtime.config import ServiceConfig

#: Signs tokens only when ``RA_JWT_SECRET`` is unset outside production, so ``make run`` works out of the box.
DEV_JWT_SECRET = "ra-development-only-jwt-secret-do-not-use-in-production"
#: HS256 needs at least as many key bytes as its hash output to keep its strength.
MIN_JWT_SECRET_LENGTH = 32


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class GatewayConfig(ServiceConfig):
    http_port: int = Field(8000, validation_alias=_env("HTTP_PORT", "http_port"))
    jwt_secret: str = Field("", validation_alias=_env("RA_JWT_SECRET", "jwt_secret"))
    admin_email: str = Field("", validation_alias=_env("RA_ADMIN_EMAIL", "admin_email"))
    admin_password: str = Field("", validation_alias=_env("RA_ADMIN_PASSWORD", "admin_password"))
    access_token_ttl_minutes: int = Field(
        15, ge=1, le=24 * 60, validation_alias=_env("GATEWAY_ACCESS_TOKEN_TTL_MINUTES", "access_token_ttl_minutes")
    )
    refresh_token_ttl_days: int = Field(
        7, ge=1, le=365, validation_alias=_env("GATEWAY_REFRESH_TOKEN_TTL_DAYS", "refresh_token_ttl_days")
    )
    auth_cache_seconds: float = Field(
        5.0, ge=0, le=60, validation_alias=_env("GATEWAY_AUTH_CACHE_SECONDS", "auth_cache_seconds")
    )
    query_timeout_seconds: float = Field(
        5.0, gt=0, le=120, validation_alias=_env("GATEWAY_QUERY_TIMEOUT_SECONDS", "query_timeout_seconds")
    )
    #: Login throttling: failures counted over a sliding window, per account and per client address.
    login_window_minutes: int = Field(
        15, ge=1, validation_alias=_env("GATEWAY_LOGIN_WINDOW_MINUTES", "login_window_minutes")
    )
    login_max_failures_per_account: int = Field(
        5, ge=1, validation_alias=_env("GATEWAY_LOGIN_MAX_FAILURES_PER_ACCOUNT", "login_max_failures_per_account")
    )
    login_max_failures_per_ip: int = Field(
        20, ge=1, validation_alias=_env("GATEWAY_LOGIN_MAX_FAILURES_PER_IP", "login_max_failures_per_ip")
    )
    #: How often the settings bucket is compared with the database and repaired (a missed mirror heals itself).
    settings_resync_seconds: float = Field(
        60.0, gt=0, validation_alias=_env("GATEWAY_SETTINGS_RESYNC_SECONDS", "settings_resync_seconds")
    )

    #: The dashboard's build, served at ``/`` (relative to the working directory: ``make run`` runs at the root).
    dashboard_dir: str = Field("dashboard/dist", validation_alias=_env("RA_DASHBOARD_DIR", "dashboard_dir"))

    @property
    def is_production(self) -> bool:
        return self.env.lower() == "production"

    @property
    def jwt_signing_key(self) -> str:
        return self.jwt_secret or DEV_JWT_SECRET

    def refuse_unsafe_production(self) -> None:
        super().refuse_unsafe_production()
        if not self.is_production:
            return
        if not self.jwt_secret or self.jwt_secret == DEV_JWT_SECRET:
            raise SystemExit("RA_JWT_SECRET must be set in production (RA_ENV=production)")
        if len(self.jwt_secret) < MIN_JWT_SECRET_LENGTH:
            raise SystemExit(f"RA_JWT_SECRET must be at least {MIN_JWT_SECRET_LENGTH} characters in production")
