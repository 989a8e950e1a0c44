"""What a run of the rules found (``Violation``), and the ``Context`` a rule may read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from dsspulumi.policy.rules import MANDATORY


@attrs.frozen
class Violation:
    """One rule missed by one resource (or by the stack, for a stack rule: ``urn`` None).

    ``severity`` is what the run does with it: ``advisory`` when ``--policy-advisory-only``
    downgraded a mandatory rule (``downgraded``). ``file``/``line``: where the stack program
    declared the resource (None for a live object read by ``dss policy check``).
    """

    pack: str
    rule: str
    severity: str
    message: str
    urn: str | None = None
    file: str | None = None
    line: int | None = None
    object: str | None = None  # the resource's logical name: KEY or PROJECT.name
    kind: str | None = None  # its class name, as a stack program writes it
    project: str | None = None
    downgraded: bool = False

    @property
    def blocks(self) -> bool:
        return self.severity == MANDATORY

    @property
    def where(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def to_json(self) -> dict[str, Any]:
        """The contract of ``--json``'s ``"policy"`` list."""
        return {
            "pack": self.pack,
            "rule": self.rule,
            "severity": self.severity,
            "urn": self.urn,
            "message": self.message,
            "file": self.file,
            "line": self.line,
        }


def blocking(violations: list[Violation]) -> list[Violation]:
    """The violations that stop the run (mandatory, not downgraded)."""
    return [v for v in violations if v.blocks]


@attrs.frozen
class Context:
    """What a rule may know of the run besides the resource: its optional third parameter.

    ``env`` and ``stack`` name the run (``stack`` is None in ``dss policy check``);
    ``mode`` is ``preview``, ``up`` or ``check``; ``config`` is the pack's settings (its
    ``CONFIG`` defaults, overridden by ``[tool.dsspulumi.policy.<pack>]``);
    ``stack_config`` the stack's configuration, by namespace (secret values stay sealed:
    a rule never sees them in plaintext).
    """

    env: str
    pack: str
    mode: str = "preview"
    stack: str | None = None
    config: Mapping[str, Any] = attrs.field(factory=dict)
    stack_config: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)

    def setting(self, key: str) -> Any:
        """One of the pack's settings (``context.config[key]``, said more plainly)."""
        return self.config[key]

    def value(self, key: str, default: Any = None) -> Any:
        """A stack config value, ``namespace:key`` (``key`` alone: the stack's namespace)."""
        ns, _, name = key.rpartition(":")
        table = self.stack_config.get(ns or (self.stack or ""), {})
        return table.get(name, default)
