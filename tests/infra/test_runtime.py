"""The Lambda runtime is pinned (python3.13 on arm64) whatever Python synthesizes, and the assets carry its
bytecode only when the build Python is that version (infra/constructs/bundling.py)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from goalpost import declaration
from infra.constructs import bundling
from infra.constructs.bundling import UNCOMPILED_IMPORT_COST_MS, Bytecode, build_bytecode, compile_tree

if TYPE_CHECKING:
    from tests.infra.conftest import Synth

pytestmark = pytest.mark.infra

PINNED_RUNTIME = "python3.13"
PINNED_ARCHITECTURE = "arm64"


def test_the_runtime_is_pinned_not_taken_from_the_build_python() -> None:
    assert declaration.LAMBDA_RUNTIME == PINNED_RUNTIME
    assert declaration.LAMBDA_ARCHITECTURE == PINNED_ARCHITECTURE


def test_every_function_and_the_layer_run_the_pinned_runtime_on_arm64(synth: Synth) -> None:
    functions = synth.functions().values()  # the SMS settings' provider is the CDK's Node.js (tests/infra/test_sms.py)
    assert functions
    for function in functions:
        assert function["Properties"]["Runtime"] == PINNED_RUNTIME
        assert function["Properties"]["Architectures"] == [PINNED_ARCHITECTURE]
    layer = synth.json["Resources"][synth.logical_id(synth.stack.layers.goalpost)]
    assert layer["Properties"]["CompatibleRuntimes"] == [PINNED_RUNTIME]
    assert layer["Properties"]["CompatibleArchitectures"] == [PINNED_ARCHITECTURE]
    powertools = [p["Default"] for p in synth.json["Parameters"].values() if "/powertools/" in p.get("Default", "")]
    assert powertools == [f"/aws/service/powertools/python/{PINNED_ARCHITECTURE}/{PINNED_RUNTIME}/3.37.0"]


def _code_assets(synth: Synth) -> list[Path]:
    keys = {fn["Properties"]["Code"]["S3Key"] for fn in synth.functions().values()}
    keys.add(synth.json["Resources"][synth.logical_id(synth.stack.layers.goalpost)]["Properties"]["Content"]["S3Key"])
    return [synth.outdir / f"asset.{key.removesuffix('.zip')}" for key in sorted(keys)]


def assert_compiled_for_the_runtime(asset: Path) -> None:
    """Every module has its bytecode next to it, for the runtime's Python, hash-based and never checked against
    the source (PEP 552 flags 0b01): a cold start loads it as is from the read-only code folder."""
    sources = list(asset.rglob("*.py"))
    assert sources
    for source in sources:
        compiled = Path(importlib.util.cache_from_source(str(source)))
        assert compiled.is_file(), source
        assert compiled.name.endswith(f".cpython-3{PINNED_RUNTIME.removeprefix('python3.')}.pyc")
        header = compiled.read_bytes()[:8]
        assert header[:4] == importlib.util.MAGIC_NUMBER, source
        assert int.from_bytes(header[4:8], "little") == 0b01, source


def test_assets_carry_bytecode_only_when_the_build_python_is_the_runtime(synth: Synth) -> None:
    assets = _code_assets(synth)
    assert len(assets) == 2  # the functions' code and the goalpost layer
    for asset in assets:
        assert list(asset.rglob("*.py")), asset
        if build_bytecode().compiled:
            assert_compiled_for_the_runtime(asset)
        else:
            # Bytecode of another Python would be ignored by the runtime: ship none rather than dead weight.
            assert not list(asset.rglob("*.pyc")), asset
            assert not list(asset.rglob("__pycache__")), asset


def test_the_build_python_of_the_runtime_compiles_bytecode() -> None:
    bytecode = Bytecode((3, 13), runtime="python3.13")
    assert bytecode.compiled
    assert bytecode.note() == "bytecode: compiled for python3.13"


@pytest.mark.parametrize("build_version", [(3, 11), (3, 12), (3, 14)])
def test_another_build_python_ships_sources_and_states_the_cold_start_cost(build_version: tuple[int, int]) -> None:
    bytecode = Bytecode(build_version, runtime="python3.13")
    assert not bytecode.compiled
    note = bytecode.note()
    assert note.startswith(f"bytecode: none - building with Python 3.{build_version[1]} for the python3.13 runtime")
    assert f"+{UNCOMPILED_IMPORT_COST_MS} ms" in note


def test_the_decision_follows_the_python_running_the_build() -> None:
    assert build_bytecode() == Bytecode((sys.version_info.major, sys.version_info.minor))


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "package").mkdir()
    (tmp_path / "package" / "__init__.py").write_text("VALUE = 1\n", encoding="utf-8")
    return tmp_path


def test_compile_tree_writes_no_bytecode_for_another_runtime(tmp_path: Path) -> None:
    other = Bytecode((sys.version_info.major, sys.version_info.minor), runtime="python2.7")
    assert compile_tree(_tree(tmp_path), other) == 0
    assert not list(tmp_path.rglob("*.pyc"))


def test_compile_tree_writes_unchecked_hash_bytecode_for_its_own_runtime(tmp_path: Path) -> None:
    build = (sys.version_info.major, sys.version_info.minor)
    own = Bytecode(build, runtime=f"python{build[0]}.{build[1]}")
    assert compile_tree(_tree(tmp_path), own) == 0
    (compiled,) = tmp_path.rglob("*.pyc")
    assert int.from_bytes(compiled.read_bytes()[4:8], "little") == 0b01


def test_requirements_are_installed_once_per_content_leaving_no_partial_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installs: list[list[str]] = []

    def pip(argv: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        installs.append(argv)
        target = Path(argv[argv.index("--target") + 1])
        target.mkdir()
        (target / "package.py").write_text(f"INSTALL = {len(installs)}\n", encoding="utf-8")
        return subprocess.CompletedProcess(argv, 0)

    monkeypatch.setattr(bundling.subprocess, "run", pip)
    requirements, cache = tmp_path / "requirements.txt", tmp_path / "cache"
    requirements.write_text("foo==1.0\n", encoding="utf-8")
    first = bundling.installed_requirements(requirements, cache)
    assert bundling.installed_requirements(requirements, cache) == first
    assert len(installs) == 1
    assert f"--python-version={PINNED_RUNTIME.removeprefix('python')}" in installs[0]
    assert [path.name for path in cache.iterdir()] == [first.name]  # the install's own folder is gone
    requirements.write_text("foo==1.1\n", encoding="utf-8")
    second = bundling.installed_requirements(requirements, cache)
    assert second != first
    assert (second / "package.py").read_text(encoding="utf-8") == "INSTALL = 2\n"
    assert (first / "package.py").read_text(encoding="utf-8") == "INSTALL = 1\n"
