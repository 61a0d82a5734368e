"""mypy follows only the aws-cdk-lib modules our code imports (pyproject.toml says why): a module imported
but left off that list would be skipped, its types read as Any, and its misuse would pass the type check."""

from __future__ import annotations

import ast
import importlib.util
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


MYPY = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]


def checked_sources() -> list[Path]:
    """The files of the packages mypy checks, each found on mypy_path as mypy finds it."""
    search = [ROOT / folder for folder in MYPY["mypy_path"].split(":")]
    packages = [next(folder / name for folder in search if (folder / name).is_dir()) for name in MYPY["packages"]]
    return [path for package in packages for path in package.rglob("*.py")]


def followed_cdk_modules() -> set[str]:
    return {
        module
        for override in MYPY["overrides"]
        if override.get("follow_imports") == "normal"
        for module in override["module"]
        if module.split(".")[0] == "aws_cdk"
    }


def cdk_submodules() -> set[str]:
    """aws-cdk-lib's submodules, read from its folder (importing aws_cdk would start the jsii runtime)."""
    spec = importlib.util.find_spec("aws_cdk")
    assert spec is not None
    assert spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations)))
    return {f"aws_cdk.{path.name}" for path in folder.iterdir() if (path / "__init__.py").is_file()}


def imported_cdk_modules(sources: list[Path]) -> set[str]:
    submodules = cdk_submodules()
    found: set[str] = set()
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "aws_cdk"}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "aws_cdk":
                found.add(node.module)
                # `from aws_cdk import aws_lambda` imports a module; `from aws_cdk import Stack` a class.
                found |= {f"{node.module}.{a.name}" for a in node.names} & submodules
    return found


def test_mypy_follows_every_aws_cdk_module_the_checked_code_imports() -> None:
    sources = checked_sources()
    assert any(path.parts[-2] == "constructs" for path in sources), "infra/constructs is not where it was"
    imported = imported_cdk_modules(sources)
    assert "aws_cdk.aws_lambda" in imported
    assert imported <= followed_cdk_modules(), sorted(imported - followed_cdk_modules())
