"""The dashboard's copy of the OpenAPI document matches the routes (its typed client is generated from it).

After a route change: ``make api-types`` (or ``RA_UPDATE_SNAPSHOTS=1`` for this file only, then
``npm run api:types`` in dashboard/); the dashboard's own test checks ``schema.ts`` against the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from ra_gateway.app import openapi_document
from ra_gateway.openapi import render

COPY = Path(__file__).resolve().parents[4] / "dashboard" / "openapi.json"


def test_the_dashboards_openapi_copy_matches_the_routes() -> None:
    current = render(openapi_document())
    if os.environ.get("RA_UPDATE_SNAPSHOTS") == "1":
        COPY.write_text(current, encoding="utf-8")
    assert COPY.is_file(), "dashboard/openapi.json is missing: run `make api-types`"
    assert COPY.read_text(encoding="utf-8") == current, (
        "the API changed: run `make api-types` and adapt the dashboard to the new dashboard/src/api/schema.ts"
    )


def test_the_live_event_stream_is_documented() -> None:
    path = openapi_document()["paths"]["/api/v1/pipelines/runs/events"]["get"]
    assert "text/event-stream" in path["responses"]["200"]["content"]
