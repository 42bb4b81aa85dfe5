"""The gateway serves the dashboard's build at ``/``; API, recipients' pages and health keep their paths."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from ra_gateway.dashboard import mount_dashboard


def _app(build: Path) -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/ping")
    def ping() -> dict[str, bool]:
        return {"pong": True}

    @app.get("/unsubscribe/{token}")
    def unsubscribe(token: str) -> dict[str, str]:
        return {"token": token}

    mount_dashboard(app, build)
    return app


def _build(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div>")
    (tmp_path / "assets" / "app-1a2b.js").write_text("console.log(1)")
    return tmp_path


def test_app_paths_get_the_app_and_files_are_cached_by_name(tmp_path: Path) -> None:
    client = TestClient(_app(_build(tmp_path)))
    for path in ("/", "/login", "/dashboard/leads?status=NEW"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "<div id=root>" in response.text
        assert response.headers["cache-control"] == "no-cache"
    asset = client.get("/assets/app-1a2b.js")
    assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]


def test_server_paths_are_not_swallowed_by_the_app(tmp_path: Path) -> None:
    client = TestClient(_app(_build(tmp_path)))
    assert client.get("/api/v1/ping").json() == {"pong": True}
    assert client.get("/unsubscribe/abc").json() == {"token": "abc"}
    assert client.get("/api/v1/no-such-route").status_code == 404
    assert client.get("/assets/gone-123.js").status_code == 404
    assert client.get("/unsubscribe/").status_code == 404


def test_without_a_build_the_root_says_how_to_build_it(tmp_path: Path) -> None:
    client = TestClient(_app(tmp_path / "missing"))
    response = client.get("/")
    assert response.status_code == 503
    assert "npm run build" in response.text
    assert client.get("/api/v1/ping").status_code == 200
