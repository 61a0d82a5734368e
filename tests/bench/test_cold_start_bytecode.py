"""The cold starts run our modules from bytecode, as the deployed assets carry it: where PYTHONDONTWRITEBYTECODE
is set no child writes it, and every child compiled each of our modules from source (the workers, which import
the most of them, measured 0.1-0.2 of the reference above their import)."""

from __future__ import annotations

import importlib.util
import os

from goalpost import declaration
from tests.bench.cold_start import NAIVE_HANDLER, REPO_ROOT, compile_sources


def _source(handler: str) -> str:
    module = handler.rsplit(".", 1)[0]
    return str(REPO_ROOT / (module.replace(".", "/") + ".py"))


def test_every_handler_and_the_reference_have_fresh_bytecode_before_the_rounds() -> None:
    compile_sources()
    sources = [_source(f.handler) for f in declaration.ALL_FUNCTIONS] + [_source(NAIVE_HANDLER)]
    sources.append(str(REPO_ROOT / "layers/goalpost/python/goalpost/settings.py"))
    for source in sources:
        compiled = importlib.util.cache_from_source(source)
        assert os.path.exists(compiled), source
        assert os.stat(compiled).st_mtime >= os.stat(source).st_mtime, source
