"""Login, tokens, logout, refresh rotation, registration and the login rate limit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from ra_gateway.models import User
from ra_gateway.testing import ADMIN_EMAIL, ADMIN_PASSWORD, RunningGateway, bearer

pytestmark = pytest.mark.integration


async def test_login_me_logout(gateway: RunningGateway) -> None:
    tokens = await gateway.login()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 15 * 60
    assert tokens["user"]["email"] == ADMIN_EMAIL and tokens["user"]["role"] == "admin"

    me = await gateway.http.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == ADMIN_EMAIL and me.json()["last_login_at"] is not None

    out = await gateway.http.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"]))
    assert out.status_code == 204
    # Both the access token and the refresh token of that session are dead now.
    again = await gateway.http.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert again.status_code == 401
    assert again.json()["detail"] == "token revoked"
    refreshed = await gateway.http.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 401


async def test_bad_login_is_generic(gateway: RunningGateway) -> None:
    wrong_password = await gateway.http.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "not the password"}
    )
    unknown_user = await gateway.http.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": ADMIN_PASSWORD}
    )
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json() == unknown_user.json() == {"detail": "invalid email or password"}
    # The email is matched without regard to case or surrounding spaces.
    ok = await gateway.http.post(
        "/api/v1/auth/login", json={"email": f" {ADMIN_EMAIL.upper()} ", "password": ADMIN_PASSWORD}
    )
    assert ok.status_code == 200


async def test_login_rate_limit_per_account(gateway: RunningGateway) -> None:
    for _ in range(gateway.config.login_max_failures_per_account):
        bad = await gateway.http.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": "guess-guess"})
        assert bad.status_code == 401
    # Locked now, even with the right password, and told for how long.
    locked = await gateway.http.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert locked.status_code == 429
    retry_after = int(locked.headers["Retry-After"])
    assert 0 < retry_after <= gateway.config.login_window_minutes * 60
    assert "too many" in locked.json()["detail"]


async def test_login_rate_limit_per_address(gateway: RunningGateway) -> None:
    # Spread over many accounts, so only the per-address limit can stop it.
    for n in range(gateway.config.login_max_failures_per_ip):
        bad = await gateway.http.post("/api/v1/auth/login", json={"email": f"u{n}@example.com", "password": "x" * 12})
        assert bad.status_code == 401
    locked = await gateway.http.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0


async def test_refresh_rotates_and_detects_reuse(gateway: RunningGateway) -> None:
    first = await gateway.login()
    second = await gateway.http.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    pair = second.json()
    assert pair["refresh_token"] != first["refresh_token"]
    assert (await gateway.http.get("/api/v1/auth/me", headers=bearer(pair["access_token"]))).status_code == 200

    # The rotated token is spent; showing it again ends the whole family, the new one included.
    reused = await gateway.http.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    after = await gateway.http.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert after.status_code == 401

    # An access token is not a refresh token.
    wrong_kind = await gateway.http.post("/api/v1/auth/refresh", json={"refresh_token": pair["access_token"]})
    assert wrong_kind.status_code == 401


async def test_register_is_admin_only(gateway: RunningGateway) -> None:
    admin = await gateway.token()
    created = await gateway.http.post(
        "/api/v1/auth/register",
        json={"email": "Op@Example.com", "password": "operator-pass-1", "full_name": "Op", "role": "operator"},
        headers=bearer(admin),
    )
    assert created.status_code == 201, created.text
    assert created.json()["email"] == "op@example.com" and created.json()["role"] == "operator"
    assert "password" not in created.text and "password_hash" not in created.json()

    duplicate = await gateway.http.post(
        "/api/v1/auth/register",
        json={"email": "op@example.com", "password": "operator-pass-2", "role": "viewer"},
        headers=bearer(admin),
    )
    assert duplicate.status_code == 409

    short = await gateway.http.post(
        "/api/v1/auth/register",
        json={"email": "v@example.com", "password": "short", "role": "viewer"},
        headers=bearer(admin),
    )
    assert short.status_code == 422
    assert short.json()["detail"][0]["loc"] == ["body", "password"]
    assert "10 characters" in short.json()["detail"][0]["msg"]
    assert "short" not in short.text  # the refused password is not echoed back

    bad_role = await gateway.http.post(
        "/api/v1/auth/register",
        json={"email": "v@example.com", "password": "long-enough-1", "role": "root"},
        headers=bearer(admin),
    )
    assert bad_role.status_code == 422

    operator = await gateway.token("op@example.com", "operator-pass-1")
    refused = await gateway.http.post(
        "/api/v1/auth/register",
        json={"email": "x@example.com", "password": "long-enough-1", "role": "admin"},
        headers=bearer(operator),
    )
    assert refused.status_code == 403

    async with gateway.ctx.sessions() as session:
        hashes = (await session.execute(sa.select(User.password_hash))).scalars().all()
    assert all(h.startswith("$argon2") for h in hashes)
