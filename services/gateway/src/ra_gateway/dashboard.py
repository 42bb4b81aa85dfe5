"""The web dashboard (``dashboard/``, built by ``npm run build``), served by the gateway at ``/``.

It is a single-page app: a path that is not a file of the build (``/dashboard/leads`` say) gets
``index.html`` and the app's router takes it from there. The API (``/api``), the recipients' pages
(``/unsubscribe``) and the health routes are matched before the dashboard, and an unknown path under
them stays a 404, never the app's page.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

log = logging.getLogger(__name__)

#: First path segments that belong to the server (or are the build's own files), never to the app's router.
NOT_APP_PATHS = frozenset({"api", "unsubscribe", "healthz", "readyz", "metrics", "assets"})

NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>Dashboard not built</title>
<body style="font-family:sans-serif;max-width:40rem;margin:4rem auto">
<h1>The dashboard is not built</h1>
<p><code>make run</code> builds it; by hand: <code>cd dashboard &amp;&amp; npm ci &amp;&amp; npm run build</code>,
or point <code>RA_DASHBOARD_DIR</code> at a build.</p>
<p>The API is up: <a href="/api/docs">/api/docs</a>.</p>"""


class SinglePageApp(StaticFiles):
    """Files of the build as they are; any other app path gets ``index.html``."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or path.split("/", 1)[0] in NOT_APP_PATHS:
                raise
            response = await super().get_response("index.html", scope)
        if path.startswith("assets/"):
            # File names carry a content hash: a changed file is a new name.
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response


def mount_dashboard(app: FastAPI, build: Path) -> None:
    if (build / "index.html").is_file():
        app.mount("/", SinglePageApp(directory=build, html=True), name="dashboard")
        return
    log.warning("no dashboard build in %s: / shows how to build it", build)

    async def not_built(_: Any) -> Response:
        return HTMLResponse(NOT_BUILT, status_code=503)

    app.add_route("/", not_built, methods=["GET"], include_in_schema=False)
