"""The CI/CD templates under docs/ci/: valid YAML, and every `dss` command and variable real."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.docs.commands import (
    REPO,
    check_invocation,
    dss_invocations,
    env_vars_named,
    known_env_vars,
)

TEMPLATES = sorted((REPO / "docs" / "ci").glob("*.yml"))


SHELL_KEYS = {"run", "script", "before_script", "after_script"}  # GitHub and GitLab


def shell_scripts(node: Any, shell: bool = False) -> Iterator[str]:
    """Every string the CI runs as shell (under run: / script:), wherever it is nested."""
    if isinstance(node, str):
        if shell:
            yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from shell_scripts(v, shell or k in SHELL_KEYS)
    elif isinstance(node, list):
        for item in node:
            yield from shell_scripts(item, shell)


def invocations(doc: Any) -> list[list[str]]:
    return [args for text in shell_scripts(doc) for args in dss_invocations(text)]


def test_there_are_templates_for_github_and_gitlab():
    assert [p.name for p in TEMPLATES] == ["github-actions.yml", "gitlab-ci.yml"]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_template_commands_exist_in_the_cli(path):
    doc = yaml.safe_load(path.read_text())
    found = invocations(doc)
    assert len(found) >= 4, found
    for args in found:
        check_invocation(args)
    unknown = env_vars_named(path.read_text()) - known_env_vars()
    assert not unknown, f"{path.name} names variables dsspulumi never reads: {unknown}"

    # The three moments of the workflow, each with the flags the docs promise.
    assert any(a[0] == "preview" and "--diff" in a for a in found)
    assert any(
        a[0] == "preview" and a[a.index("--format") + 1] == "markdown"
        for a in found
        if "--format" in a
    )
    assert any(a[0] == "up" and "--yes" in a for a in found)
    assert any(a[0] == "preview" and {"--refresh", "--expect-no-changes"} <= set(a) for a in found)


def env_blocks(node: Any) -> Iterator[dict[str, Any]]:
    """Every env: (GitHub) or variables: (GitLab) mapping, at any level."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("env", "variables") and isinstance(v, dict):
                yield v
            yield from env_blocks(v)
    elif isinstance(node, list):
        for item in node:
            yield from env_blocks(item)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_state_in_s3_and_secrets_from_the_secret_store(path):
    text = path.read_text()
    blocks = list(env_blocks(yaml.safe_load(text)))
    backends = [b["DSS_BACKEND"] for b in blocks if "DSS_BACKEND" in b]
    assert backends and all(url.startswith("s3://") for url in backends)
    for secret in ("DKU_API_KEY", "DSS_CONFIG_PASSPHRASE"):
        for block in blocks:
            # GitHub: from ${{ secrets.… }}; GitLab: a CI/CD variable, never in the file.
            value = block.get(secret)
            assert value is None or value == f"${{{{ secrets.{secret} }}}}", (secret, value)
        assert secret in text  # and the header says where to put it


def test_the_checker_rejects_what_the_cli_rejects():
    """The check can fail: a wrong flag, a wrong choice, a wrong command are caught."""
    check_invocation(["preview", "s", "--format", "markdown", "--diff"])
    for bad in (
        ["preview", "s", "--format", "html"],
        ["preview", "s", "--no-such-flag"],
        ["up"],
        ["stack", "frobnicate", "s"],
    ):
        with pytest.raises(AssertionError):
            check_invocation(bad)
    assert list(dss_invocations('set +e; dss up "$S" -e prod --yes > out.md && echo ok')) == [
        ["up", "$S", "-e", "prod", "--yes"]
    ]


SCHEMAS = {"github-actions.yml": "vendor.github-workflows", "gitlab-ci.yml": "vendor.gitlab-ci"}


@pytest.mark.slow
@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_template_is_a_valid_workflow(path):
    """Checked against the GitHub Actions / GitLab CI schemas (SchemaStore's, vendored)."""
    import subprocess
    import sys

    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            SCHEMAS[path.name],
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
