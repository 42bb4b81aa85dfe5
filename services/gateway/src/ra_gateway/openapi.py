"""``python -m ra_gateway.openapi FILE`` writes the API's OpenAPI document (``make api-types`` uses it).

The dashboard's typed client (``dashboard/src/api/schema.ts``) is generated from that file, and tests
check both stay in step with the routes: a route change that the dashboard does not know about fails.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ra_gateway.app import openapi_document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m ra_gateway.openapi FILE", file=sys.stderr)
        return 2
    Path(argv[0]).write_text(render(openapi_document()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
