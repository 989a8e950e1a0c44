"""docs/automation.md: its API reference is generated from the docstrings of every public name
of ``dsspulumi.automation`` (the build hook replaces the page's marker with it)."""

from __future__ import annotations

import inspect

from tests.docs.commands import REPO
from tests.docs.generate import load_hook

hook = load_hook()


def test_the_page_keeps_its_marker_and_is_in_the_nav():
    page = (REPO / "docs" / "automation.md").read_text()
    assert hook.AUTOMATION_MARKER in page
    assert "automation.md" in (REPO / "mkdocs.yml").read_text()


def test_the_reference_covers_every_public_name_and_method():
    from dsspulumi import automation as auto

    text = hook.automation_markdown()
    for name in auto.__all__:
        assert f"### auto.{name}\n" in text, name
    stack = text.split("### auto.Stack\n", 1)[1].split("\n### ", 1)[0]
    assert "env: str = 'dev'" in stack  # defaults as Python writes them
    for name, member in vars(auto.Stack).items():
        if inspect.isfunction(member) and not name.startswith("_"):
            assert f"- `{name}(" in stack, name
            assert inspect.cleandoc(member.__doc__).split("\n")[0].replace("``", "`") in stack
    for prop in ("changes", "summary", "policy"):
        assert f"- `.{prop}`" in text.split("### auto.PreviewResult\n", 1)[1]
    for prop in ("succeeded", "summary", "outputs", "failed"):
        assert f"- `.{prop}`" in text.split("### auto.UpResult\n", 1)[1]
