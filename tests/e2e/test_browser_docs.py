"""/docs in a real browser: Swagger UI renders every operation of /openapi.json and can call the API."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import WebPage
from tests.e2e.conftest import Client

pytestmark = pytest.mark.e2e
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def documented_operations(http: Client) -> set[tuple[str, str]]:
    paths = http.request("GET", "/openapi.json").json["paths"]
    return {(method.upper(), path) for path, item in paths.items() for method in item if method in METHODS}


def test_docs_render_every_operation_without_errors(web: WebPage, http: Client) -> None:
    expected = documented_operations(http)
    web.page.goto("/docs")
    blocks = web.page.locator("#swagger-ui .opblock")
    expect(blocks).to_have_count(len(expected), timeout=20_000)
    shown = {
        (
            block.locator(".opblock-summary-method").inner_text().strip(),
            block.locator(".opblock-summary-path").get_attribute("data-path"),
        )
        for block in blocks.all()
    }
    assert shown == expected
    expect(web.page.locator("#swagger-ui .info .title")).to_contain_text("Goalpost API")
    assert web.errors == []


def test_try_it_out_calls_the_health_route(web: WebPage) -> None:
    web.page.goto("/docs")
    health = web.page.locator(".opblock.opblock-get").filter(has=web.page.locator('[data-path="/health"]'))
    health.locator(".opblock-summary").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    live = health.locator(".live-responses-table .response .response-col_status")
    expect(live).to_have_text("200", timeout=10_000)
    expect(health.locator(".live-responses-table .response .response-col_description")).to_contain_text(
        '"status": "ok"'
    )
    assert web.errors == []
