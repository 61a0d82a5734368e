"""The web bench's size figure: what a first visit loads, gzipped, and nothing a page loads later."""

from __future__ import annotations

import gzip
from pathlib import Path

from tests.bench.report import web_table
from tests.bench.web import initial_assets

INDEX = """<!doctype html><html><head>
<script type="module" crossorigin src="/app/assets/index-a1.js"></script>
<link rel="modulepreload" crossorigin href="/app/assets/vendor-b2.js">
<link rel="stylesheet" crossorigin href="/app/assets/index-c3.css">
</head><body><div id="root"></div></body></html>"""


def _dist(tmp_path: Path) -> Path:
    assets = tmp_path / "assets"
    assets.mkdir()
    (tmp_path / "index.html").write_text(INDEX, encoding="utf-8")
    (assets / "index-a1.js").write_text("console.log('entry');" * 200, encoding="utf-8")
    (assets / "vendor-b2.js").write_text("export const vendor = 1;" * 300, encoding="utf-8")
    (assets / "index-c3.css").write_text("body{margin:0}" * 50, encoding="utf-8")
    # A page split off with import(): fetched when the page is opened, not on the first visit.
    (assets / "SettingsPage-d4.js").write_text("export const lazy = 2;" * 5000, encoding="utf-8")
    return tmp_path


def test_the_entry_script_and_its_preloads_are_counted_gzipped_and_lazy_chunks_are_not(tmp_path: Path) -> None:
    dist = _dist(tmp_path)
    assets = initial_assets(dist)
    expected = {
        url: len(gzip.compress((dist / url.removeprefix("/app/")).read_bytes(), compresslevel=9))
        for url in ("/app/assets/index-a1.js", "/app/assets/vendor-b2.js")
    }
    assert assets["initial_js_files"] == expected
    assert assets["initial_js_gzip_bytes"] == sum(expected.values())
    assert assets["css_gzip_bytes"] == len(gzip.compress((dist / "assets/index-c3.css").read_bytes(), compresslevel=9))
    assert assets["meets_goal"] is True


def test_the_table_marks_a_budget_missed() -> None:
    web = {
        "assets": {
            "initial_js_gzip_bytes": 250 * 1024,
            "initial_js_files": {"/app/assets/index-a1.js": 250 * 1024},
            "css_gzip_bytes": 1024,
            "goal_bytes": 200 * 1024,
            "meets_goal": False,
        },
        "dashboard": {
            "goals": 50,
            "dashboard_ms": [400.0, 420.0, 380.0],
            "dashboard_median_ms": 400.0,
            "goal_ms": 1000.0,
            "meets_goal": True,
        },
    }
    size, time = web_table(web)[1:]
    assert "MISS" in size
    assert "250.0 KB" in size
    assert "MISS" not in time
    assert "400 ms" in time
