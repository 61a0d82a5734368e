"""A real browser on the local server: Playwright for Python driving the OS's Chromium (infra/dev/chromium.py),
never a browser of its own. `make test` installs Chromium first where it can."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Route, sync_playwright

from infra.dev.chromium import FLAGS, HOW_TO, find_chromium

if TYPE_CHECKING:
    from tests.e2e.conftest import Server


@dataclass
class WebPage:
    """A browser tab whose relative URLs go to the local server, and everything that went wrong in it."""

    page: Page
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.fail(HOW_TO, pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=list(FLAGS))
        yield browser
        browser.close()


@pytest.fixture
def web(chromium: Browser, server: Server) -> Iterator[WebPage]:
    context = chromium.new_context(base_url=server.client.base)
    tab = WebPage(context.new_page())
    tab.page.on("pageerror", lambda error: tab.errors.append(f"page error: {error}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            tab.errors.append(f"console error: {message.text}")

    tab.page.on("console", on_console)
    local = urlsplit(server.client.base).netloc

    # Pages must work with nothing but the local server: a request elsewhere is an error (and CI has no internet).
    def only_local(route: Route) -> None:
        if urlsplit(route.request.url).netloc == local:
            route.continue_()
        else:
            tab.errors.append(f"request off the local server: {route.request.url}")
            route.abort()

    context.route("**/*", only_local)
    yield tab
    with suppress(Error):  # the browser may have gone away with the test's failure: nothing left to close
        context.close()
