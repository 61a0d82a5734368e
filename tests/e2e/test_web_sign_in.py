"""Signing in to the web app in a real browser, through the local sign-in page: the app's OAuth 2.0 code flow
with PKCE end to end, a deep link that survives it, and signing out."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import WebPage
from tests.e2e.conftest import Server
from tests.e2e.webapp import LOAD_TIMEOUT_MS, assert_accessible, new_user, screenshot, sign_in

pytestmark = pytest.mark.e2e


def stored_tokens(web: WebPage) -> dict[str, object] | None:
    raw = web.page.evaluate("() => sessionStorage.getItem('goalpost.tokens')")
    return json.loads(raw) if raw else None


def test_signing_in_shows_the_dashboard_with_a_token_the_api_takes(web: WebPage, server: Server) -> None:
    user = new_user("signin")
    server.client.request(
        "POST",
        "/goals",
        {"name": "House deposit", "type": "savings", "target_amount": 50000},
        token=server.client.token(user),
    )
    page = sign_in(web, server, user)
    expect(page.get_by_role("link", name="House deposit")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    tokens = stored_tokens(web)
    assert tokens is not None
    # The access token the page got is one the API takes, for this user.
    goals = server.client.request("GET", "/goals", token=str(tokens["access_token"]))
    assert goals.status == 200
    assert "House deposit" in goals.text
    assert not web.errors


def test_a_deep_link_loads_the_app_and_sign_in_returns_to_it(web: WebPage, server: Server) -> None:
    user = new_user("deeplink")
    goal = server.client.request(
        "POST",
        "/goals",
        {"name": "Sabbatical", "type": "savings", "target_amount": 8000},
        token=server.client.token(user),
    ).json
    page = sign_in(web, server, user, path=f"/app/goals/{goal['id']}", heading="Sabbatical")
    assert page.url == f"{server.client.base}/app/goals/{goal['id']}"
    # A client-side route the app does not know still loads the app, which says so.
    page.goto(server.client.base + "/app/no-such-page/x")
    expect(page.get_by_role("heading", level=1, name="Page not found")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert not web.errors


def test_a_token_about_to_expire_is_refreshed_through_the_token_endpoint(web: WebPage, server: Server) -> None:
    page = sign_in(web, server, new_user("refresh"))
    before = stored_tokens(web)
    assert before is not None
    page.evaluate(
        """() => {
            const tokens = JSON.parse(sessionStorage.getItem('goalpost.tokens'));
            sessionStorage.setItem('goalpost.tokens', JSON.stringify({...tokens, expires_at: Date.now()}));
        }"""
    )
    with page.expect_request(lambda request: request.url.endswith("/_local/oauth2/token")) as refresh:
        page.reload()
    assert "grant_type=refresh_token" in (refresh.value.post_data or "")
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    # The heading shows before the refresh answer is stored, so wait for the store rather than read it at once.
    page.wait_for_function(
        "old => JSON.parse(sessionStorage.getItem('goalpost.tokens') || 'null')?.access_token !== old",
        arg=before["access_token"],
        timeout=LOAD_TIMEOUT_MS,
    )
    after = stored_tokens(web)
    assert after is not None
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] == before["refresh_token"]  # kept: the refresh answer carries none
    assert not web.errors


def test_signing_out_clears_the_tokens(web: WebPage, server: Server) -> None:
    page = sign_in(web, server, new_user("signout"))
    assert stored_tokens(web) is not None
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert page.evaluate("() => sessionStorage.length") == 0
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert not web.errors


def test_the_sign_in_pages_are_accessible(web: WebPage, server: Server) -> None:
    page = web.page
    page.goto(server.client.base + "/app/")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    assert_accessible(page)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("User name")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "sign-in")
    # A user name it cannot take: the form comes back saying why, the error tied to the field.
    page.get_by_label("User name").fill("no spaces allowed")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("user name")
    expect(page.get_by_label("User name")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    assert not web.errors
