"""The OS's Chromium for the browser tests (Playwright drives it; no browser is ever downloaded).

``python -m infra.dev.chromium`` makes sure it is there: it installs Debian's package where this user may
(root, or passwordless sudo), showing each command, and otherwise stops with how to install it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

NAMES = ("chromium", "chromium-browser")
# Headless on a machine without a screen or outside network: no GPU, and none of Chromium's own background
# connections (each would be refused, and slow the start down).
FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
HOW_TO = (
    "The browser tests need Chromium. Install it, then run make test again:\n"
    "  Debian:  sudo apt-get install chromium\n"
    "  Ubuntu:  sudo apt-get install chromium-browser\n"
    "  macOS:   brew install --cask chromium\n"
    "or point GOALPOST_CHROMIUM at a Chromium or Chrome binary."
)


def find_chromium() -> str | None:
    """GOALPOST_CHROMIUM if set, else the first of chromium, chromium-browser on PATH."""
    override = os.environ.get("GOALPOST_CHROMIUM")
    if override:
        return override if os.access(override, os.X_OK) else None
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _privilege() -> list[str] | None:
    """What runs apt-get as root here: nothing (we are root), ``sudo -n`` (passwordless), or None (no way)."""
    if os.geteuid() == 0:
        return []
    if (
        shutil.which("sudo")
        and subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False).returncode == 0
    ):
        return ["sudo", "-n"]
    return None


def ensure() -> int:
    if find_chromium():
        return 0
    if os.environ.get("GOALPOST_CHROMIUM"):
        print(f"GOALPOST_CHROMIUM={os.environ['GOALPOST_CHROMIUM']} is not an executable file.", file=sys.stderr)
        return 1
    privilege = _privilege()
    if not shutil.which("apt-get") or privilege is None:
        print(HOW_TO, file=sys.stderr)
        return 1
    print("Chromium is missing; the browser tests need it. Installing Debian's package:", flush=True)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        print("+", " ".join([*privilege, *command]), flush=True)
        if subprocess.run([*privilege, *command], env=environment, check=False).returncode != 0:
            print(HOW_TO, file=sys.stderr)
            return 1
    if find_chromium() is None:
        print(HOW_TO, file=sys.stderr)
        return 1
    print(f"Chromium installed: {find_chromium()}")
    return 0


if __name__ == "__main__":
    sys.exit(ensure())
