"""The web app's build, done only when something it is built from changed (``make run``, ``make test``, synth).

``npm ci`` runs when package-lock.json (or package.json) differs from what node_modules was installed from;
``npm run build`` (type check, then Vite) when any source, config or the lockfile differs from what web/dist
was built from. Each step says what it does and how long it took. Standard library only."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
DIST = WEB / "dist"
# What the installed packages are made from, and what the built app is made from (sources and the packages).
LOCK_INPUTS = ("package.json", "package-lock.json")
BUILD_INPUTS = (*LOCK_INPUTS, "index.html", "vite.config.ts", "tsconfig.json", "src", "public")
# Beside what each step made, what it was made from (a fingerprint): the step runs again when that differs.
INSTALL_STAMP = Path("node_modules", ".goalpost-installed")
BUILD_STAMP = Path("dist", ".goalpost-built")
# Tests sit beside the sources but never reach the bundle: editing one does not call for a new build.
NOT_BUILT = (".test.ts", ".test.tsx")


class BuildError(RuntimeError):
    """npm is missing or a step failed; the message says which and what to do."""


def fingerprint(names: tuple[str, ...], web: Path = WEB) -> str:
    """A digest of the named files and of every file under the named folders of ``web`` (paths and contents)."""
    digest = hashlib.sha256()
    for name in names:
        path = web / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if not file.exists() or file.name.endswith(NOT_BUILT):
                continue
            digest.update(file.relative_to(web).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def _current(stamp: Path, expected: str) -> bool:
    return stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == expected


def _npm(arguments: list[str], what: str, web: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("The web app needs Node.js 20.19+ with npm (https://nodejs.org); npm is not on PATH.")
    print(f"web app: {what} (npm {' '.join(arguments)})", flush=True)
    started = time.monotonic()
    # npm's progress goes to the terminal as it comes; a failure's own output is what explains it.
    result = subprocess.run([npm, *arguments], cwd=web, check=False)
    if result.returncode != 0:
        raise BuildError(f"web app: `npm {' '.join(arguments)}` failed (exit {result.returncode}); see above.")
    print(f"web app: {what} done in {time.monotonic() - started:.1f} s", flush=True)


def ensure_installed(web: Path = WEB) -> None:
    expected = fingerprint(LOCK_INPUTS, web)
    stamp = web / INSTALL_STAMP
    if not _current(stamp, expected):
        _npm(["ci", "--no-fund", "--no-audit"], "installing its packages", web)
        stamp.write_text(expected, encoding="utf-8")


def ensure_built(web: Path = WEB) -> Path:
    """``web``/dist, built from the sources as they are now; nothing runs when it already is."""
    ensure_installed(web)
    expected = fingerprint(BUILD_INPUTS, web)
    stamp = web / BUILD_STAMP
    if not _current(stamp, expected) or not (stamp.parent / "index.html").is_file():
        _npm(["run", "build", "--", "--logLevel", "warn"], "building", web)
        stamp.write_text(expected, encoding="utf-8")
    return stamp.parent


def main() -> int:
    try:
        ensure_built()
    except BuildError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
