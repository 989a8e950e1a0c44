"""The mkdocs site: builds with --strict, and its generated pages cover the code.

The generated pages (resource types, CLI reference, error catalogue) come from the code at
build time; these tests check they cover every resource type, every command and every error
class, and that the hand-written troubleshooting page explains every error class.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.docs.commands import REPO
from tests.docs.generate import load_hook

hook = load_hook()
DOCS = REPO / "docs"


@pytest.mark.slow
def test_mkdocs_build_strict(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    r = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    for page in ("resources", "cli", "troubleshooting", "ci", "getting-started"):
        assert (tmp_path / page / "index.html").is_file(), page
    ci = (tmp_path / "ci" / "index.html").read_text()
    assert "dss preview" in ci and "--expect-no-changes" in ci  # the templates were included
    html = (tmp_path / "troubleshooting" / "index.html").read_text()
    assert "generated: error-catalogue" not in html  # the marker was replaced


def test_every_resource_type_is_documented_with_what_replaces_it():
    import dsspulumi
    from dsspulumi.resource import Resource

    text = hook.resources_markdown()
    classes = [
        getattr(dsspulumi, n)
        for n in dsspulumi.__all__
        if isinstance(getattr(dsspulumi, n), type)
        and issubclass(getattr(dsspulumi, n), Resource)
        and getattr(dsspulumi, n) is not Resource
    ]
    assert len(classes) >= 7
    for cls in classes:
        section = text.split(f"## dss.{cls.__name__}\n", 1)[1].split("\n## ", 1)[0]
        assert f"`{cls.type_token}`" in section
        for f in __import__("attrs").fields(cls):
            if f.init:
                assert f"| `{f.alias or f.name}` |" in section, (cls, f.name)
        for path in cls.replace_on:
            assert f"`{path}`" in section.split("**Replaced when**", 1)[1].split("\n", 1)[0]


def test_every_command_and_option_is_in_the_cli_reference():
    text = hook.cli_markdown()
    paths = [" ".join(path) for path, _cmd, _ctx in hook._commands() if len(path) > 1]
    assert {"dss preview", "dss up", "dss stack import", "dss config set"} <= set(paths)
    for path in paths:
        assert re.search(rf"^#+ {re.escape(path)}$", text, re.M), path
    preview = text.split("## dss preview\n", 1)[1].split("\n## ", 1)[0]
    for flag in ("--format [text|json|markdown]", "--diff", "--refresh", "--expect-no-changes"):
        assert flag in preview


def test_every_error_class_has_a_troubleshooting_section():
    page = (DOCS / "troubleshooting.md").read_text()
    headings = "\n".join(re.findall(r"^## .*$", page, re.M))
    classes = hook.error_classes()
    assert {"ConfigError", "LockHeldError", "ConflictError", "DecryptError"} <= set(classes)
    missing = [c for c in classes if not re.search(rf"\b{c}\b", headings)]
    assert not missing, f"error classes without a section in docs/troubleshooting.md: {missing}"


def test_the_error_catalogue_lists_the_messages_of_the_code():
    messages = hook.error_messages()
    assert len(messages) >= 100
    text = hook.catalogue_markdown()
    for needle in (
        "is protected and cannot be deleted",
        "already exists in DSS and was not created by this stack",
        "missing required configuration",
    ):
        assert needle in text
    # Each message names the line that builds it, and that line builds an error.
    for cls, _msg, where in messages[:: max(1, len(messages) // 20)]:
        path, line = where.rsplit(":", 1)
        source = (REPO / path).read_text().splitlines()[int(line) - 1].replace(" ", "")
        assert f"{cls}(" in source or "Error(" in source, where


@pytest.mark.slow
def test_the_example_stack_test_passes(dss_sandbox, tmp_path):
    """docs/examples/test_sales_stack.py, shown in docs/testing.md, passes as written."""
    import importlib.util

    path = DOCS / "examples" / "test_sales_stack.py"
    spec = importlib.util.spec_from_file_location("docs_example_test", path)
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    example.test_sales_stack_applies_and_is_stable(dss_sandbox, tmp_path)


def test_the_recommended_pack_reference_lists_every_rule_and_setting():
    """docs/policy.md's reference is generated from the pack: every rule, every setting."""
    from dsspulumi.policy import load_pack, recommended

    text = hook.recommended_markdown()
    pack = load_pack("dsspulumi.policy.recommended", REPO)
    assert len(pack.rules) >= 8
    for rule in pack.rules:
        assert rule.description, rule.name  # documented
        assert f"| `{rule.name}` | {rule.severity} |" in text
    for key in recommended.CONFIG:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{key}` |"))
        assert not row.endswith("|  |"), key  # each setting says what it is for
    assert hook.POLICY_MARKER in (DOCS / "policy.md").read_text()
