"""The docs' build hook (docs/_hooks/generate.py), imported the way mkdocs imports it."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from tests.docs.commands import REPO

HOOK = REPO / "docs" / "_hooks" / "generate.py"


def load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dsspulumi_docs_hook", HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
