"""Lambda code assets built on this machine, without Docker: the Python sources copied as they are, third-party
wheels for the Lambda platform when a requirements file lists any, and, when the build Python is the runtime's,
every module compiled to ``.pyc``.

The bytecode matters for cold starts: Lambda unpacks code into a read-only folder, so a module without a valid
``.pyc`` is compiled again on every cold start. ``unchecked-hash`` pycs are used without looking at the
source's timestamp, which an unpacked asset does not keep; an asset never changes once deployed, so nothing can
go stale. Bytecode is specific to a Python minor version and the runtime is pinned
(goalpost.declaration.LAMBDA_RUNTIME) whatever Python synthesizes, so another build Python ships the sources
alone and says what that costs (``Bytecode.note``)."""

from __future__ import annotations

import compileall
import hashlib
import py_compile
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import BundlingOptions, DockerImage, IgnoreMode, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from goalpost import declaration
from infra.constructs._common import REPO_ROOT, lambda_runtime

NOT_SHIPPED = ["__pycache__", "*.pyc"]
# pip wheel platform per Lambda architecture. manylinux2014 is the oldest glibc (2.17) Lambda ever ran;
# manylinux_2_28 lets pip pick the newer wheels that AL2023-based runtimes (glibc 2.34) can load.
PIP_PLATFORMS = {
    "arm64": ("manylinux2014_aarch64", "manylinux_2_28_aarch64"),
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
}
# What pip installed for a requirements file, kept between synths (every test synth, `make synth`, the scan):
# keyed by the file's content and pip's arguments, so an edit or another platform installs afresh.
REQUIREMENTS_CACHE = REPO_ROOT / ".cache" / "lambda-requirements"


def requirements_of(source: Path) -> list[str]:
    """The requirement lines of ``requirements.txt`` in ``source`` (none if it is missing or only comments)."""
    path = source / "requirements.txt"
    if not path.is_file():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


# What our modules cost a cold start when they ship without bytecode: the import of the heaviest API function
# (functions.api.goals) on Python 3.13 without our pycs minus with them, third-party bytecode kept as the
# layers ship it; 134 to 199 ms over runs of 15 and 21 fresh interpreters (docs/performance.md).
UNCOMPILED_IMPORT_COST_MS = 150


@dataclass(frozen=True)
class Bytecode:
    """Whether the assets carry compiled bytecode: only a Python of the runtime's minor version writes ``.pyc``
    the runtime loads; any other one ships the sources, which Lambda compiles on import at every cold start."""

    build_version: tuple[int, int]
    runtime: str = declaration.LAMBDA_RUNTIME

    @property
    def build_python(self) -> str:
        return f"{self.build_version[0]}.{self.build_version[1]}"

    @property
    def compiled(self) -> bool:
        return f"python{self.build_python}" == self.runtime

    def note(self) -> str:
        """The line ``make synth`` prints: which of the two the assets got."""
        if self.compiled:
            return f"bytecode: compiled for {self.runtime}"
        return (
            f"bytecode: none - building with Python {self.build_python} for the {self.runtime} runtime; cold starts "
            f"compile on import (+{UNCOMPILED_IMPORT_COST_MS} ms measured for goals-api; build with "
            f"Python {self.runtime.removeprefix('python')} to ship bytecode)"
        )


def build_bytecode() -> Bytecode:
    """The bytecode decision for the Python running this build."""
    return Bytecode((sys.version_info.major, sys.version_info.minor))


def compile_tree(folder: Path, bytecode: Bytecode) -> int:
    """Compiles every module under ``folder`` in place (unchecked-hash pycs) when ``bytecode`` says the build
    Python is the runtime's, else leaves the sources alone; returns how many failed."""
    if not bytecode.compiled:
        return 0
    ok = compileall.compile_dir(
        str(folder),
        quiet=1,
        workers=0,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    return 0 if ok else 1


@jsii.implements(ILocalBundling)
class CompiledPython:
    """Copies ``folders`` of ``source`` into the asset (under ``prefix``), pip-installs ``source``'s
    requirements as Lambda wheels into ``packages`` (a layer's must be under ``python/``, which Lambda puts on
    the path), and compiles it all when the build Python is the runtime's."""

    def __init__(self, source: Path, folders: Sequence[str], prefix: str = "", packages: str = "") -> None:
        self._source = source
        self._folders = list(folders)
        self._prefix = prefix
        self._packages = packages

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_options: Any) -> bool:
        target = Path(output_dir) / self._prefix
        for folder in self._folders:
            shutil.copytree(
                self._source / folder,
                target / folder,
                ignore=shutil.ignore_patterns(*NOT_SHIPPED),
                dirs_exist_ok=True,
            )
        if requirements_of(self._source):
            self._install_requirements(target / self._packages)
        if compile_tree(target, build_bytecode()):
            raise RuntimeError(f"some modules of {self._source} do not compile")
        return True

    def _install_requirements(self, target: Path) -> None:
        shutil.copytree(installed_requirements(self._source / "requirements.txt"), target, dirs_exist_ok=True)


def installed_requirements(requirements: Path, cache: Path = REQUIREMENTS_CACHE) -> Path:
    """A folder holding what ``requirements`` installs as Lambda wheels, from ``cache`` when it already does:
    the install is the slowest part of a synth (3 to 4 s), the same for every synth until the file changes."""
    arguments = [
        *(f"--platform={tag}" for tag in PIP_PLATFORMS[declaration.LAMBDA_ARCHITECTURE]),
        "--implementation=cp",
        f"--python-version={declaration.LAMBDA_RUNTIME.removeprefix('python')}",
        "--only-binary=:all:",
        "--no-compile",  # compiled with the rest of the asset (unchecked-hash pycs), or not at all
    ]
    key = hashlib.sha256("\0".join([requirements.read_text(encoding="utf-8"), *arguments]).encode()).hexdigest()
    installed = cache / key[:32]
    if installed.is_dir():
        return installed
    cache.mkdir(parents=True, exist_ok=True)
    # Installed beside the cache, then renamed into it whole: a synth running at the same time (test workers)
    # sees either nothing or a complete install, never half of one; a failed install leaves nothing behind.
    with tempfile.TemporaryDirectory(prefix=".installing-", dir=cache) as building:
        packages = Path(building) / "packages"
        subprocess.run(  # noqa: S603 - fixed argv, no shell
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--requirement",
                str(requirements),
                "--target",
                str(packages),
                *arguments,
                "--disable-pip-version-check",
                "--quiet",
            ],
            check=True,
        )
        with suppress(OSError):  # another synth renamed its own install first: the same packages
            packages.rename(installed)
    return installed


def compiled_asset(
    source: Path,
    folders: Sequence[str],
    *,
    prefix: str = "",
    packages: str = "",
    exclude: Sequence[str] = (),
    glob: bool = False,
) -> lambda_.Code:
    """A code asset of ``folders`` of ``source``, built by ``CompiledPython``. ``exclude`` keeps the asset's
    hash (taken from the source) to what is shipped: a change elsewhere in ``source`` must not rebuild it."""
    return lambda_.Code.from_asset(
        str(source),
        exclude=list(exclude),
        ignore_mode=IgnoreMode.GLOB if glob else None,
        bundling=BundlingOptions(
            # Never pulled: local bundling either succeeds or raises (there is no Docker to fall back to).
            image=lambda_runtime().bundling_image,
            local=CompiledPython(source, folders, prefix, packages),
        ),
    )
