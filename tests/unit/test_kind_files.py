"""A kind is four files of ``dsspulumi/``: its registry line, its resource module, its provider
module (which holds its ``dss selftest`` sample) and one line of ``resources/__init__.py``.

The inventory's token for a listing and the selftest's samples come from the registry, so no
other file names the kind; these tests keep it so.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dsspulumi.kinds.registry import listing_tokens, tokens
from dsspulumi.providers.dss.inventory import LISTINGS
from dsspulumi.selftest_samples import FIRST, samples

PACKAGE = Path(__file__).resolve().parents[2] / "dsspulumi"

# The kinds added since the registry (older class names are also English words, or argument
# types of other kinds: ``Project``, ``Dataset``).
NEW_KIND_CLASSES = (
    "Notebook",
    "WikiArticle",
    "LibraryFile",
    "RRecipe",
    "PySparkRecipe",
    "SparkSQLRecipe",
    "ShellRecipe",
)


def _files_naming(word: str) -> list[str]:
    pattern = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])")
    return sorted(
        str(path.relative_to(PACKAGE.parent))
        for path in PACKAGE.rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and pattern.search(path.read_text(encoding="utf-8", errors="replace"))
    )


@pytest.mark.parametrize("name", NEW_KIND_CLASSES)
def test_a_kind_class_is_named_in_at_most_four_files(name: str) -> None:
    files = _files_naming(name)
    assert "dsspulumi/kinds/registry.py" in files  # the search itself works
    assert len(files) <= 4, f"{name} is named in {len(files)} files: {files}"


def test_every_listing_a_kind_names_exists_and_gets_its_token() -> None:
    by_kind = {listing.kind: listing for listing in LISTINGS}
    assert set(listing_tokens()) <= set(by_kind), "a registry listing= names no LISTINGS entry"
    for listing_kind, token in listing_tokens().items():
        assert by_kind[listing_kind].token == token
    assert len(set(listing_tokens().values())) == len(listing_tokens())
    modelled = {listing.token for listing in LISTINGS if listing.token}
    assert {"dss:Dataset", "dss:Recipe", "dss:Notebook", "dss:WikiArticle"} <= modelled


def test_inventory_names_no_type_token() -> None:
    source = (PACKAGE / "providers" / "dss" / "inventory.py").read_text(encoding="utf-8")
    assert re.findall(r"dss:[A-Z]\w*", source) == []


def test_every_kind_has_its_sample_next_to_its_provider_in_dependency_order() -> None:
    found = samples()
    assert list(found) == list(FIRST) + [t for t in tokens() if t not in FIRST]
    for token, sample in found.items():
        assert sample.type == token
    order = list(found)
    # a later sample may use an earlier one's variables
    assert order.index("dss:Group") < order.index("dss:User")
    assert order.index("dss:Group") < order.index("dss:Connection")
    assert order.index("dss:Dataset") < order.index("dss:Recipe") < order.index("dss:Scenario")
    assert order.index("dss:Dataset") < order.index("dss:FlowZone")
