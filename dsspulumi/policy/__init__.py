"""Policy as code: a team's rules, checked before anything changes and on live projects.

Write a pack (a Python file or an importable module)::

    from dsspulumi import policy
    import dsspulumi as dss

    @policy.rule(severity="mandatory", kinds=[dss.ManagedDataset])
    def datasets_have_a_description(resource, report):
        \"\"\"Every managed dataset says what it holds.\"\"\"
        if not resource.description:
            report("every managed dataset needs a description")

and enable it with ``--policy-pack`` or ``[tool.dsspulumi] policy_packs``. Modules:
``rules`` (the decorators), ``packs`` (loading, settings), ``evaluate`` (running them),
``violation`` (what they find, and the ``Context`` a rule may read), ``live`` (projects no
stack manages, for ``dss policy check``), ``recommended`` (the pack shipped with the tool).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dsspulumi.policy.evaluate import Declared, PolicyCheck, PolicyStack, declared_of
from dsspulumi.policy.packs import Pack, load_pack, resolve_packs
from dsspulumi.policy.rules import ADVISORY, MANDATORY, Rule, rule, stack_rule
from dsspulumi.policy.violation import Context, Violation, blocking


def enabled(
    cli_specs: Sequence[str],
    *,
    start: Path,
    env: str,
    stack: str | None = None,
    stack_config: Mapping[str, Mapping[str, Any]] | None = None,
    advisory_only: bool = False,
) -> PolicyCheck | None:
    """The run's check: the packs of ``pyproject.toml`` (found from ``start``) and of
    ``cli_specs``; None when no pack is enabled, so that such a run costs nothing."""
    packs = resolve_packs(cli_specs, start)
    if not packs:
        return None
    return PolicyCheck(
        packs,
        env=env,
        stack=stack,
        stack_config=dict(stack_config or {}),
        advisory_only=advisory_only,
    )


__all__ = [
    "ADVISORY",
    "MANDATORY",
    "Context",
    "Declared",
    "Pack",
    "PolicyCheck",
    "PolicyStack",
    "Rule",
    "Violation",
    "blocking",
    "declared_of",
    "enabled",
    "load_pack",
    "resolve_packs",
    "rule",
    "stack_rule",
]
