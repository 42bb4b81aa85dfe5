"""``/unsubscribe/{token}``: the public link every outreach email carries (CAN-SPAM, RFC 8058). No login.

``GET`` only shows the address and a button (mail scanners open links; opening one must change nothing);
``POST`` unsubscribes: the page's button, or the recipient's mail client itself, which posts
``List-Unsubscribe=One-Click`` as a form (RFC 8058) with no cookies. Both answer small HTML pages with no
script; the signed token is checked by the outreach service, which owns the suppression list.
"""

from __future__ import annotations

import html
import logging
import re

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from ra_runtime.queries import QueryError, ServiceUnavailable, ask

from ra_gateway.api.deps import Context

log = logging.getLogger(__name__)

router = APIRouter(prefix="/unsubscribe", tags=["unsubscribe"])

#: base64url(address) "." base64url(signature); anything else is not worth a question to the owner.
_TOKEN = re.compile(r"^[A-Za-z0-9_=-]{2,700}\.[A-Za-z0-9_=-]{8,100}$")
TIMEOUT_SECONDS = 10.0

_HEADERS = {
    "Cache-Control": "no-store",
    # The token is in the URL: keep it out of referrers, search engines and framing pages.
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
}

_STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;background:#f5f5f4;color:#1c1917;margin:0}"
    "main{max-width:32rem;margin:12vh auto;background:#fff;padding:2rem;border-radius:8px;"
    "box-shadow:0 1px 3px rgba(0,0,0,.1)}"
    "h1{font-size:1.35rem;margin-top:0}p{line-height:1.5}strong{word-break:break-all}"
    "button{font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#1c1917;color:#fff;"
    "cursor:pointer}"
)

INVALID = "This unsubscribe link is not valid. Please use the link from the most recent email you received."
UNAVAILABLE = "We cannot process unsubscribe requests right now. Please try again in a few minutes."


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    """``body`` is HTML already: every value in it was escaped by the caller."""
    document = (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>\n"
    )
    headers = dict(_HEADERS)
    if status_code == 503:
        headers["Retry-After"] = "60"
    return HTMLResponse(document, status_code=status_code, headers=headers)


def _invalid() -> HTMLResponse:
    return _page("Invalid link", f"<p>{html.escape(INVALID)}</p>", 400)


def _unavailable() -> HTMLResponse:
    return _page("Please try again later", f"<p>{html.escape(UNAVAILABLE)}</p>", 503)


async def _ask(ctx: Context, subject: str, token: str) -> dict[str, object] | HTMLResponse:
    """The owner's answer, or the page telling the recipient why there is none."""
    if not _TOKEN.match(token):
        return _invalid()
    try:
        answer: dict[str, object] = await ask(ctx.nc, subject, {"token": token}, timeout=TIMEOUT_SECONDS)
    except ServiceUnavailable as exc:
        log.warning("unsubscribe page: %s", exc)
        return _unavailable()
    except QueryError as exc:
        if 400 <= exc.status < 500:
            return _invalid()
        log.error("unsubscribe page: outreach answered %s: %s", exc.status, exc.detail)
        return _unavailable()
    if not isinstance(answer, dict):
        log.error("unsubscribe page: outreach answered %r", answer)
        return _unavailable()
    return answer


@router.get(
    "/{token}",
    response_class=HTMLResponse,
    responses={400: {"description": "Not a valid link"}, 503: {"description": "Try again later"}},
)
async def confirm_page(token: str, ctx: Context) -> HTMLResponse:
    """The confirmation page: which address, and a button that unsubscribes it. Changes nothing."""
    answer = await _ask(ctx, "q.outreach.unsubscribe.peek", token)
    if isinstance(answer, HTMLResponse):
        return answer
    address = html.escape(str(answer.get("email", "")))
    # No action attribute: the form posts back to this very URL, wherever the gateway is mounted.
    body = (
        f"<p>Stop all emails from us to <strong>{address}</strong>?</p>"
        '<form method="post">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button>'
        "</form>"
    )
    return _page("Unsubscribe", body)


@router.post(
    "/{token}",
    response_class=HTMLResponse,
    responses={400: {"description": "Not a valid link"}, 503: {"description": "Try again later"}},
)
async def unsubscribe(token: str, ctx: Context) -> HTMLResponse:
    """Unsubscribe the link's address (adds it to the do-not-contact list, emits ``contact.suppressed``).
    The body is not needed: RFC 8058 clients post ``List-Unsubscribe=One-Click``, the page's button too."""
    answer = await _ask(ctx, "q.outreach.unsubscribe", token)
    if isinstance(answer, HTMLResponse):
        return answer
    address = html.escape(str(answer.get("email", "")))
    if answer.get("already"):
        text = f"<p><strong>{address}</strong> was already unsubscribed. You will not receive emails from us.</p>"
    else:
        text = f"<p><strong>{address}</strong> is unsubscribed. You will not receive any more emails from us.</p>"
    return _page("You are unsubscribed", text)
