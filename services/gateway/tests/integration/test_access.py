"""Every route but login and refresh refuses a missing, expired, tampered, foreign or revoked token."""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import timedelta

import pytest
from ra_gateway.auth import TokenSigner
from ra_gateway.testing import JWT_SECRET, RunningGateway, bearer

pytestmark = pytest.mark.integration

PUBLIC = {"/api/v1/auth/login", "/api/v1/auth/refresh"}
PATH_VALUES = {"key": "daily_send_limit"}


def _protected_routes(gateway: RunningGateway) -> list[tuple[str, str]]:
    # Enumerated from the app's own OpenAPI document, so a route added later is checked without edits here.
    routes: list[tuple[str, str]] = []
    for template, operations in gateway.app.openapi()["paths"].items():
        if template.startswith("/api/v1") and template not in PUBLIC:
            path = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), str(uuid.uuid4())), template)
            routes.extend((method.upper(), path) for method in sorted(operations))
    return routes


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def test_every_route_refuses_bad_tokens(gateway: RunningGateway) -> None:
    viewer_login = await gateway.login(*await _viewer(gateway))
    user_id = uuid.UUID(viewer_login["user"]["id"])
    expired = TokenSigner(JWT_SECRET, timedelta(seconds=-60), timedelta(days=1)).issue("access", user_id, "viewer")
    foreign = TokenSigner("another-secret-" + "y" * 40, timedelta(minutes=5), timedelta(days=1)).issue(
        "access", user_id, "viewer"
    )
    revoked = await gateway.login(*await _viewer(gateway))
    assert (await gateway.http.post("/api/v1/auth/logout", headers=bearer(revoked["access_token"]))).status_code == 204

    bad_headers: dict[str, dict[str, str]] = {
        "missing": {},
        "not bearer": {"Authorization": f"Basic {viewer_login['access_token']}"},
        "garbage": bearer("not-a-jwt"),
        "expired": bearer(expired.token),
        "tampered": bearer(_tampered(viewer_login["access_token"])),
        "foreign key": bearer(foreign.token),
        "refresh token": bearer(viewer_login["refresh_token"]),
        "revoked": bearer(revoked["access_token"]),
    }
    routes = _protected_routes(gateway)
    assert len(routes) >= 14  # 3 auth, 4 settings, 4 pipelines, 3 proxied reads
    for method, path in routes:
        for what, headers in bad_headers.items():
            response = await gateway.http.request(method, path, headers=headers, json={})
            assert response.status_code == 401, f"{method} {path} with a {what} token: {response.status_code}"
            assert response.headers["WWW-Authenticate"] == "Bearer"
            assert "detail" in response.json()

    # The same viewer token, untampered, is fine.
    assert (await gateway.http.get("/api/v1/auth/me", headers=bearer(viewer_login["access_token"]))).status_code == 200


async def _viewer(gateway: RunningGateway) -> tuple[str, str]:
    email = f"viewer-{uuid.uuid4().hex[:8]}@example.com"
    password = "viewer-password-123"
    created = await gateway.http.post(
        "/api/v1/auth/register",
        json={"email": email, "password": password, "role": "viewer"},
        headers=bearer(await gateway.token()),
    )
    assert created.status_code == 201
    return email, password


async def test_public_endpoints_need_no_token(gateway: RunningGateway) -> None:
    for path in ("/healthz", "/readyz", "/metrics", "/api/docs", "/api/openapi.json"):
        response = await gateway.http.get(path)
        assert response.status_code == 200, path
    spec = (await gateway.http.get("/api/openapi.json")).json()
    assert "/api/v1/settings/{key}" in spec["paths"] and "/api/v1/auth/login" in spec["paths"]
    checks = (await gateway.http.get("/readyz")).json()["checks"]
    assert checks["nats"] == "ok" and checks["postgres"] == "ok"
    assert checks["settings"] in ("live", "defaults", "connecting")
