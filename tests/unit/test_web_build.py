"""The web app's build runs only when something it is built from changed: on a folder of its own, with an npm
on PATH that is a real little program recording how it was called and making what npm would make."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from infra.dev.web import BUILD_INPUTS, BuildError, ensure_built, fingerprint

FAKE_NPM = """#!{python}
import pathlib, sys
arguments = sys.argv[1:]
with open({log!r}, "a") as log:
    log.write(" ".join(arguments) + "\\n")
if {fail!r}:
    sys.exit(1)
if arguments[0] == "ci":
    pathlib.Path("node_modules").mkdir(exist_ok=True)
elif arguments[:2] == ["run", "build"]:
    pathlib.Path("dist/assets").mkdir(parents=True, exist_ok=True)
    pathlib.Path("dist/index.html").write_text("<!doctype html>")
"""


@pytest.fixture
def web(tmp_path: Path) -> Path:
    """A web/ folder as the repository has one, small."""
    folder = tmp_path / "web"
    (folder / "src" / "app").mkdir(parents=True)
    (folder / "package.json").write_text('{"name": "app"}')
    (folder / "package-lock.json").write_text('{"lockfileVersion": 3}')
    (folder / "index.html").write_text("<div id=root></div>")
    (folder / "vite.config.ts").write_text("export default {};")
    (folder / "src" / "main.tsx").write_text("render();")
    (folder / "src" / "app" / "App.tsx").write_text("export const App = 1;")
    (folder / "src" / "app" / "App.test.tsx").write_text("test('app', () => {});")
    return folder


def install_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, fail: bool = False) -> Path:
    """Puts the fake npm first on PATH; returns the file where each of its calls is written."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    log = tmp_path / "npm.log"
    npm = bin_dir / "npm"
    npm.write_text(FAKE_NPM.format(python=sys.executable, log=str(log), fail=fail))
    npm.chmod(npm.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bin_dir))
    return log


def calls(log: Path) -> list[str]:
    calls = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return calls


BUILD = "run build -- --logLevel warn"
INSTALL = "ci --no-fund --no-audit"


def test_the_fingerprint_follows_sources_but_not_tests(web: Path) -> None:
    before = fingerprint(BUILD_INPUTS, web)
    (web / "src" / "app" / "App.test.tsx").write_text("test('app, changed', () => {});")
    (web / "src" / "format.test.ts").write_text("test('new', () => {});")
    assert fingerprint(BUILD_INPUTS, web) == before
    (web / "src" / "app" / "App.tsx").write_text("export const App = 2;")
    changed = fingerprint(BUILD_INPUTS, web)
    assert changed != before
    (web / "src" / "app" / "Page.tsx").write_text("export const Page = 1;")  # a new source file
    assert fingerprint(BUILD_INPUTS, web) != changed


def test_npm_runs_only_for_what_changed(web: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = install_npm(tmp_path, monkeypatch)
    assert ensure_built(web) == web / "dist"
    assert calls(log) == [INSTALL, BUILD]
    ensure_built(web)
    assert calls(log) == []  # nothing changed: nothing runs
    (web / "src" / "app" / "App.test.tsx").write_text("test('more', () => {});")
    ensure_built(web)
    assert calls(log) == []  # a test is not part of the bundle
    (web / "src" / "main.tsx").write_text("render(); // changed")
    ensure_built(web)
    assert calls(log) == [BUILD]  # a source: build, no install
    (web / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {}}')
    ensure_built(web)
    assert calls(log) == [INSTALL, BUILD]  # the lockfile: both
    (web / "dist" / "index.html").unlink()
    ensure_built(web)
    assert calls(log) == [BUILD]  # a build that is gone is made again


def test_a_failed_step_says_so_and_is_tried_again(web: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = install_npm(tmp_path, monkeypatch, fail=True)
    with pytest.raises(BuildError, match="npm ci"):
        ensure_built(web)
    assert calls(log) == [INSTALL]
    log = install_npm(tmp_path, monkeypatch)
    ensure_built(web)
    assert calls(log) == [INSTALL, BUILD]  # nothing was stamped as done by the failed run


def test_without_npm_the_error_says_what_to_install(web: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(BuildError, match=r"Node\.js"):
        ensure_built(web)
