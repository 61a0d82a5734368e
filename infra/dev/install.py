"""The install of .venv that `make` runs when pyproject.toml is newer than the venv, shown step by step.

The dev dependency group weighs about 900 MB; uv (installed from its PyPI wheel into the venv) installs it in
a fraction of pip's time (docs/decisions.md has the measurements). Should uv not install, pip does the work.
Standard library only: the system Python runs it, before the venv has anything."""

from __future__ import annotations

import subprocess
import sys
import time
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GROUP = "dev"
UV = "uv==0.13.9"
STEPS = 4
# pip's notes on what it skipped, and uv's list of every package it added (the step names the requirements).
NOISE_STARTS = ("Requirement already satisfied", " + ")


def requirements(group: str) -> list[str]:
    """The group's own requirements, included groups expanded, as pyproject.toml lists them."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["dependency-groups"]
    found: list[str] = []
    for item in groups[group]:
        found += requirements(item["include-group"]) if isinstance(item, dict) else [item]
    return found


class Steps:
    def __init__(self) -> None:
        self.number = 0
        self.started = self.step_started = time.monotonic()

    def begin(self, what: str) -> None:
        self.number += 1
        self.step_started = time.monotonic()
        print(f"[{self.number}/{STEPS}] {what}", flush=True)

    def end(self) -> None:
        print(f"      done in {time.monotonic() - self.step_started:.1f} s", flush=True)

    def total(self) -> float:
        return time.monotonic() - self.started


def run(command: list[str], *, show: bool = True) -> bool:
    """Runs a command, passing on its output line by line but for the noise; True when it succeeded."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        noise = line.startswith(NOISE_STARTS) or "is ignored" in line  # pip on an index configured but absent
        if show and line.strip() and not noise:
            print("      " + line.rstrip(), flush=True)
    return process.wait() == 0


def install(target: Path) -> int:
    python = target / "bin" / "python"
    steps = Steps()
    steps.begin(f"Creating {target.name} (python -m venv)" if not python.exists() else f"Reusing {target.name}")
    if not python.exists():
        venv.create(target, with_pip=True)
    steps.end()

    steps.begin(f"Installing {UV} into {target.name} (the installer; pip if it cannot be installed)")
    pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
    uv = target / "bin" / "uv"
    if not run([*pip, "install", "--quiet", UV]) or not uv.exists():
        print("      uv did not install: pip installs the dependencies instead (slower)", flush=True)
        run([*pip, "install", "--quiet", "pip>=25.1"])  # the first pip that reads dependency groups
    steps.end()

    wanted = requirements(GROUP)
    names = ", ".join(sorted({r.split("[")[0].split("=")[0] for r in wanted}, key=str.lower))
    tool = "uv" if uv.exists() else "pip"
    steps.begin(f"Installing the {GROUP} group with {tool}: {len(wanted)} requirements and what they need ({names})")
    if uv.exists():
        # Copies, not hard links: uv's cache may sit on another file system than the project.
        done = run([str(uv), "pip", "install", "--python", str(python), "--link-mode=copy", "--group", GROUP])
    else:
        done = run([*pip, "install", "--group", GROUP])
    steps.end()
    if not done:
        print("dependency install failed", file=sys.stderr)
        return 1

    steps.begin("Checking the imports; putting the project on the venv's path")
    check = "import aws_lambda_powertools, aws_cdk, moto, pytest, playwright"
    if not run([str(python), "-c", check]):
        print("dependency install failed: " + check, file=sys.stderr)
        return 1
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The layer's package and the repo root on the venv's path, as Lambda has them on its own.
    (Path(purelib) / "goalpost-dev.pth").write_text(f"{ROOT / 'layers/goalpost/python'}\n{ROOT}\n", encoding="utf-8")
    steps.end()
    print(f"Installed the {GROUP} dependencies into {target.name} in {steps.total():.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(install(ROOT / (sys.argv[1] if len(sys.argv) > 1 else ".venv")))
