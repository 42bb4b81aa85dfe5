"""The public unsubscribe link: a confirmation page (GET), the unsubscribe itself (POST, RFC 8058 one-click
included), no login anywhere, every address escaped, clear pages for a bad link or outreach down."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from ra_gateway.testing import RunningGateway
from ra_runtime.queries import QueryError
from ra_runtime.testing import FakeOwner

pytestmark = pytest.mark.integration

#: An address a page must not take for markup.
TRICKY = "o'neil+<script>alert(1)</script>&co@example.com"


def token_for(email: str) -> str:
    encoded = base64.urlsafe_b64encode(email.encode()).rstrip(b"=").decode()
    return f"{encoded}.c2lnbmF0dXJlLW9mLTE2Yg"


GOOD = token_for(TRICKY)


@pytest.fixture
async def outreach(gateway: RunningGateway) -> FakeOwner:
    owner = FakeOwner(gateway.nc)
    unsubscribed: set[str] = set()

    def address(params: dict[str, Any]) -> str:
        if params["token"] != GOOD:
            raise QueryError(400, "this unsubscribe link is not valid")
        return TRICKY

    def unsubscribe(params: dict[str, Any]) -> dict[str, Any]:
        email = address(params)
        already = email in unsubscribed
        unsubscribed.add(email)
        return {"email": email, "already": already}

    await owner.answer("q.outreach.unsubscribe.peek", lambda p: {"email": address(p)})
    await owner.answer("q.outreach.unsubscribe", unsubscribe)
    return owner


def assert_safe_page(response: Any) -> str:
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "script-src" not in response.headers["content-security-policy"]
    text: str = response.text
    assert "<script" not in text.lower()
    return text


async def test_the_page_asks_before_anything_changes(gateway: RunningGateway, outreach: FakeOwner) -> None:
    page = await gateway.http.get(f"/unsubscribe/{GOOD}")
    assert page.status_code == 200, page.text
    text = assert_safe_page(page)
    assert "o&#x27;neil+&lt;script&gt;alert(1)&lt;/script&gt;&amp;co@example.com" in text
    form = re.search(r"<form[^>]*>", text)
    assert form is not None and 'method="post"' in form.group(0) and "action" not in form.group(0)
    assert 'name="List-Unsubscribe" value="One-Click"' in text
    assert outreach.params("q.outreach.unsubscribe.peek") == [{"token": GOOD}]
    assert outreach.params("q.outreach.unsubscribe") == []


async def test_one_click_unsubscribes_without_a_login(gateway: RunningGateway, outreach: FakeOwner) -> None:
    # What a mail client sends for RFC 8058: a form post, no cookies, no token of ours.
    done = await gateway.http.post(
        f"/unsubscribe/{GOOD}",
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200, done.text
    text = assert_safe_page(done)
    assert "is unsubscribed" in text and "&lt;script&gt;" in text
    assert outreach.params("q.outreach.unsubscribe") == [{"token": GOOD}]

    # The page's own button (a multipart or empty post works the same), a second time.
    again = await gateway.http.post(f"/unsubscribe/{GOOD}", files={"List-Unsubscribe": (None, "One-Click")})
    assert again.status_code == 200 and "already unsubscribed" in again.text
    empty = await gateway.http.post(f"/unsubscribe/{GOOD}")
    assert empty.status_code == 200


async def test_a_bad_link_is_a_400_page(gateway: RunningGateway, outreach: FakeOwner) -> None:
    forged = token_for("someone-else@example.com")
    for method in ("GET", "POST"):
        refused = await gateway.http.request(method, f"/unsubscribe/{forged}")
        assert refused.status_code == 400, method
        assert "not valid" in assert_safe_page(refused)
        # Not even shaped like a token: refused without asking outreach.
        garbage = await gateway.http.request(method, "/unsubscribe/%3Cb%3Ehello%20there%3C%5Cb%3E")
        assert garbage.status_code == 400
        assert "<b>" not in garbage.text
    assert [p["token"] for p in outreach.params("q.outreach.unsubscribe.peek")] == [forged]
    assert [p["token"] for p in outreach.params("q.outreach.unsubscribe")] == [forged]


async def test_outreach_down_is_a_503_page(gateway: RunningGateway) -> None:
    for method in ("GET", "POST"):
        down = await gateway.http.request(method, f"/unsubscribe/{GOOD}")
        assert down.status_code == 503, method
        assert "try again" in assert_safe_page(down) and down.headers["retry-after"] == "60"


async def test_the_pages_sit_outside_the_api(gateway: RunningGateway) -> None:
    paths = gateway.app.openapi()["paths"]
    assert "/unsubscribe/{token}" in paths and not any(p.startswith("/api/v1/unsubscribe") for p in paths)
    # Routed to the pages, not to the API's 401 or a 404.
    assert (await gateway.http.get(f"/api/v1/unsubscribe/{GOOD}")).status_code == 404
