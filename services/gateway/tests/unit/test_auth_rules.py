"""Tokens, passwords and configuration rules that need no server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from ra_gateway.auth import TokenSigner, check_email, check_password_policy, hash_password, verify_password
from ra_gateway.config import DEV_JWT_SECRET, GatewayConfig
from ra_gateway.errors import InvalidCredentials, InvalidValue
from ra_gateway.pipeline_runs import _when

SECRET = "unit-test-secret-0123456789abcdefghijklmnop"


def test_access_token_claims_round_trip() -> None:
    signer = TokenSigner(SECRET, timedelta(minutes=15), timedelta(days=7))
    user_id = uuid.uuid4()
    issued = signer.issue("access", user_id, "operator")
    payload = jwt.decode(issued.token, SECRET, algorithms=["HS256"], issuer="ra-gateway")
    assert payload["sub"] == str(user_id) and payload["role"] == "operator" and payload["typ"] == "access"
    assert payload["jti"] == str(issued.claims.jti)
    assert payload["exp"] - payload["iat"] == 15 * 60
    assert signer.decode(issued.token, "access") == issued.claims


def test_tokens_are_refused_when_wrong() -> None:
    signer = TokenSigner(SECRET, timedelta(minutes=15), timedelta(days=7))
    user_id = uuid.uuid4()
    refresh = signer.issue("refresh", user_id).token
    with pytest.raises(InvalidCredentials, match="invalid token"):
        signer.decode(refresh, "access")
    with pytest.raises(InvalidCredentials, match="invalid token"):
        signer.decode(signer.issue("access", user_id, "admin").token, "refresh")
    expired = TokenSigner(SECRET, timedelta(seconds=-1), timedelta(days=7)).issue("access", user_id, "admin").token
    with pytest.raises(InvalidCredentials, match="expired"):
        signer.decode(expired, "access")
    foreign = TokenSigner("x" * 40, timedelta(minutes=1), timedelta(days=1)).issue("access", user_id, "admin").token
    with pytest.raises(InvalidCredentials):
        signer.decode(foreign, "access")
    unsigned = jwt.encode(
        {
            "sub": str(user_id),
            "jti": str(uuid.uuid4()),
            "typ": "access",
            "role": "admin",
            "iss": "ra-gateway",
            "exp": datetime.now(UTC) + timedelta(minutes=5),
        },
        "",
        algorithm="none",
    )
    with pytest.raises(InvalidCredentials):
        signer.decode(unsigned, "access")


def test_passwords() -> None:
    stored = hash_password("a long enough password")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "a long enough password")
    assert not verify_password(stored, "another password")
    assert not verify_password("not-a-hash", "anything")
    with pytest.raises(InvalidValue, match="at least 10"):
        check_password_policy("short")
    with pytest.raises(InvalidValue, match="email"):
        check_password_policy("someone@example.com", "Someone@Example.com")
    assert check_email(" Admin@LocalHost ") == "admin@localhost"
    with pytest.raises(InvalidValue):
        check_email("not an email")


def test_production_refuses_default_secrets() -> None:
    fernet = "ZmRzYWZkc2FmZHNhZmRzYWZkc2FmZHNhZmRzYWZkc2E="
    GatewayConfig(env="development").refuse_unsafe_production()
    with pytest.raises(SystemExit, match="RA_JWT_SECRET"):
        GatewayConfig(env="production", secret_key=fernet).refuse_unsafe_production()
    with pytest.raises(SystemExit, match="RA_JWT_SECRET"):
        GatewayConfig(env="production", secret_key=fernet, jwt_secret=DEV_JWT_SECRET).refuse_unsafe_production()
    with pytest.raises(SystemExit, match="at least 32"):
        GatewayConfig(env="production", secret_key=fernet, jwt_secret="short").refuse_unsafe_production()
    GatewayConfig(env="production", secret_key=fernet, jwt_secret="p" * 48).refuse_unsafe_production()


def test_config_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PORT", "GATEWAY_ACCESS_TOKEN_TTL_MINUTES", "GATEWAY_REFRESH_TOKEN_TTL_DAYS"):
        monkeypatch.delenv(name, raising=False)
    config = GatewayConfig()
    assert config.http_port == 8000
    assert config.access_token_ttl_minutes == 15 and config.refresh_token_ttl_days == 7
    monkeypatch.setenv("RA_JWT_SECRET", "from-the-environment")
    monkeypatch.setenv("GATEWAY_QUERY_TIMEOUT_SECONDS", "2.5")
    assert GatewayConfig().jwt_secret == "from-the-environment"
    assert GatewayConfig().query_timeout_seconds == 2.5


def test_runs_order_by_start_then_request() -> None:
    older = {"started_at": "2026-01-01T00:00:00+00:00"}
    queued = {"started_at": None, "requested_at": datetime(2026, 1, 2, tzinfo=UTC)}
    naive = {"started_at": "2026-01-03T00:00:00"}
    assert sorted([older, queued, naive], key=_when, reverse=True) == [naive, queued, older]
    assert _when({}) < _when(older)
