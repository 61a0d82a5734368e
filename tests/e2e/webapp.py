"""What every browser test of the web app does: sign in through the local sign-in page, check a page with
axe-core, take screenshots at desktop and phone widths.

The server serves web/dist as built: build it before a browser run (`.venv/bin/python -m infra.dev.web`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ROOT

if TYPE_CHECKING:
    from tests.e2e.browser import WebPage
    from tests.e2e.conftest import Server

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")
FAILING_IMPACTS = ("serious", "critical")
SCREENSHOTS = ROOT / ".screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}
# The app fetches config.json, then its data: a cold first load on a busy machine takes a few seconds.
LOAD_TIMEOUT_MS = 20_000


def new_user(prefix: str) -> str:
    """A user name no other test uses (each test's data is its own)."""
    return f"{prefix}-{uuid4().hex[:8]}"


def sign_in(web: WebPage, server: Server, user: str, *, path: str = "/app/", heading: str = "Dashboard") -> Page:
    """Opens ``path`` signed out, signs in as ``user`` through the local sign-in page (the app's real OAuth code
    flow with PKCE), and waits for the page to come back showing the h1 ``heading``."""
    return sign_in_at(web.page, server.client.base, user, path=path, heading=heading)


def sign_in_at(page: Page, base_url: str, user: str, *, path: str = "/app/", heading: str = "Dashboard") -> Page:
    """``sign_in`` on any tab and server (a test that starts a server of its own, such as ``--demo``)."""
    page.goto(base_url + path)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("User name").fill(user)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    return page


def _axe_loaded(page: Page) -> bool:
    return bool(page.evaluate("() => typeof window.axe === 'object'"))


def assert_accessible(page: Page) -> None:
    """axe-core over the page as it is now: fails listing every serious or critical violation (rule, what it
    asks, the elements). axe is run through the DevTools protocol, which the page's content security policy does
    not govern (a <script> tag added to the page would be refused by it, as it should be)."""
    if not _axe_loaded(page):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", list(AXE_TAGS)
    )
    failures = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(" ".join(str(part) for part in node["target"]) for node in violation["nodes"])
        for violation in result["violations"]
        if violation["impact"] in FAILING_IMPACTS
    ]
    assert not failures, f"axe-core on {page.url}:\n" + "\n".join(failures)


def screenshot(page: Page, name: str) -> list[Path]:
    """Full-page PNGs of the page at 1280x800 and 360x740: .screenshots/<name>-desktop.png and -phone.png. The
    viewport is put back as it was."""
    SCREENSHOTS.mkdir(exist_ok=True)
    original = page.viewport_size
    written = []
    try:
        for label, size in VIEWPORTS.items():
            page.set_viewport_size(size)  # type: ignore[arg-type]
            target = SCREENSHOTS / f"{name}-{label}.png"
            page.screenshot(path=target, full_page=True, animations="disabled")
            written.append(target)
    finally:
        if original is not None:
            page.set_viewport_size(original)
    return written
