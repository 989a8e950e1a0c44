"""URNs and type tokens, read one way everywhere.

A URN is ``urn:dss:ENV::STACK::TYPE::LOGICAL`` and a type token ``dss:Kind``. Every module
that needs a part of one asks here, so the shape is decided in one place.
"""

from __future__ import annotations

from collections.abc import Iterable

from dsspulumi.errors import PlanError

PREFIX = "urn:dss:"


def stack_prefix(stack: str, env: str) -> str:
    """What every URN of one stack in one environment starts with."""
    return f"{PREFIX}{env}::{stack}::"


def make_urn(stack: str, env: str, type_token: str, logical_name: str) -> str:
    return f"{stack_prefix(stack, env)}{type_token}::{logical_name}"


def logical_name(urn: str) -> str:
    """``PROJECT.name`` of a URN (a string that is no URN is its own logical name)."""
    return urn.rsplit("::", 1)[-1]


def stack_env(urn: str | None) -> tuple[str, str] | None:
    """``(stack, env)`` of a URN, or None when it is not one."""
    if not urn or not urn.startswith(PREFIX):
        return None
    parts = urn[len(PREFIX) :].split("::")
    return (parts[1], parts[0]) if len(parts) >= 3 else None


def kind_of(type_token: str) -> str:
    """The kind's class name: ``dss:ManagedFolder`` -> ``ManagedFolder``."""
    return type_token.split(":", 1)[-1]


def kind_label(type_token: str) -> str:
    """The kind as messages name it: ``dss:ManagedFolder`` -> ``managedfolder``."""
    return kind_of(type_token).lower()


def resolve_targets(targets: Iterable[str] | None, known: Iterable[str]) -> list[str] | None:
    """``--target`` values (full URNs or ``PROJECT.name``) as the URNs they name.

    ``known`` is every URN the stack declares or records. A name that matches none, or
    several (the same logical name under two kinds), is refused with one message.
    """
    if targets is None:
        return None
    urns = set(known)
    by_logical: dict[str, list[str]] = {}
    for urn in urns:
        by_logical.setdefault(logical_name(urn), []).append(urn)
    resolved, unknown = [], []
    for target in targets:
        if target in urns:
            resolved.append(target)
        elif len(by_logical.get(target, [])) == 1:
            resolved.append(by_logical[target][0])
        else:
            unknown.append(target)
    if unknown:
        raise PlanError(
            f"--target names no resource of this stack: {', '.join(sorted(unknown))}; use a "
            "URN or PROJECT.name as shown by `dss preview --json`"
        )
    return resolved
