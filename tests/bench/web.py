"""The web app's two budgets: the JavaScript a first visit downloads (gzipped), and, in Chromium against the local
server, the time from navigating to /app/ until the dashboard shows every one of a user's 50 goals.

    python -m tests.bench.web [--json]

The size is what index.html loads before anything runs: its module script and the modules it preloads (a page
split off with a dynamic import is not initial). The time is the browser's own clock from the navigation's start
(``performance.now()``), read the moment the last goal's name is on the page; signed in once, then
``REPETITIONS`` fresh navigations, the median against the goal."""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.dev.web import ensure_built

INITIAL_JS_GOAL_BYTES = 200 * 1024
DASHBOARD_GOAL_MS = 1000.0
GOALS = 50
REPETITIONS = 7
USER = "bench-web"
# <script type="module" src="…"> and <link rel="modulepreload" href="…">: what a first visit fetches and runs.
INITIAL_SCRIPT = re.compile(
    r"<script\b[^>]*\bsrc=\"(?P<script>[^\"]+\.js)\"|<link\b[^>]*\brel=\"modulepreload\"[^>]*\bhref=\"(?P<preload>[^\"]+)\""
)
STYLESHEET = re.compile(r"<link\b[^>]*\brel=\"stylesheet\"[^>]*\bhref=\"(?P<href>[^\"]+\.css)\"")


def gzipped_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def _asset(dist: Path, url: str) -> Path:
    """An /app/… URL from index.html as the file under dist."""
    return dist / url.removeprefix("/app/").lstrip("/")


def initial_assets(dist: Path) -> dict[str, Any]:
    """The gzipped bytes of each script and stylesheet index.html loads on a first visit."""
    html = (dist / "index.html").read_text(encoding="utf-8")
    scripts = sorted({m.group("script") or m.group("preload") for m in INITIAL_SCRIPT.finditer(html)})
    styles = sorted({m.group("href") for m in STYLESHEET.finditer(html)})
    if not scripts:
        raise RuntimeError("index.html loads no script: is web/dist a Vite build?")
    js = {url: gzipped_size(_asset(dist, url)) for url in scripts}
    css = {url: gzipped_size(_asset(dist, url)) for url in styles}
    total = sum(js.values())
    return {
        "initial_js_gzip_bytes": total,
        "initial_js_files": js,
        "css_gzip_bytes": sum(css.values()),
        "goal_bytes": INITIAL_JS_GOAL_BYTES,
        "meets_goal": total <= INITIAL_JS_GOAL_BYTES,
    }


def _seed_goals(client: Any, token: str) -> str:
    """GOALS goals for the user; returns the name of the last one (the dashboard shows them all at once)."""
    name = ""
    for number in range(1, GOALS + 1):
        name = f"Bench goal {number:02d}"
        body = {"name": name, "type": "savings", "target_amount": 1000 * number, "current_amount": 10 * number}
        reply = client.request("POST", "/goals", body, token=token)
        if reply.status != 201:
            raise RuntimeError(f"creating a goal answered {reply.status}: {reply.text}")
    return name


def dashboard_time(progress: Callable[[str], None]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from infra.dev.chromium import FLAGS, HOW_TO, find_chromium
    from tests.e2e.browser import WebPage
    from tests.e2e.conftest import start_server, stop_server
    from tests.e2e.webapp import sign_in

    executable = find_chromium()
    if executable is None:
        raise RuntimeError(HOW_TO)
    server = start_server("--schedules", "off")
    try:
        last = _seed_goals(server.client, server.client.token(USER))
        progress(f"web: {GOALS} goals seeded; timing the dashboard in Chromium")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=list(FLAGS))
            page = browser.new_context(base_url=server.client.base, viewport={"width": 1280, "height": 800}).new_page()
            sign_in(WebPage(page), server, USER)
            shown = f"() => document.body.innerText.includes({json.dumps(last)})"
            samples = []
            for _ in range(REPETITIONS):
                page.goto("/app/")
                page.wait_for_function(shown, timeout=30_000)
                samples.append(round(float(page.evaluate("performance.now()")), 1))
            browser.close()
    finally:
        stop_server(server)
    median = statistics.median(samples)
    return {
        "goals": GOALS,
        "dashboard_ms": samples,
        "dashboard_median_ms": median,
        "goal_ms": DASHBOARD_GOAL_MS,
        "meets_goal": median <= DASHBOARD_GOAL_MS,
    }


def measure(progress: Callable[[str], None]) -> dict[str, Any]:
    return {"assets": initial_assets(ensure_built()), "dashboard": dashboard_time(progress)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    results = measure(lambda message: print(f"  .. {message}", file=sys.stderr, flush=True))
    if args.json:
        print(json.dumps(results))
    else:
        from tests.bench.report import web_table

        print("\n".join(web_table(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
