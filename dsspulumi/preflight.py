"""Preflight: what a stack names on the DSS instance but does not create must exist.

A dataset names its connection, a grant its group, a recipe its code env. When the name is
wrong, DSS refuses the object that uses it, in the middle of ``up``, after the objects before
it were created: a half-applied stack. So before the first change, ``up`` (and
``preview --refresh``) reads the list of each kind of instance object once and stops, with
one error per missing name, if a name the stack uses is in none of them.

What is checked, and why:
- only the resources the plan creates, updates, replaces or imports: those are the calls
  that send the names to DSS. An unchanged resource sends nothing, so a connection deleted
  by hand under it does not block an unrelated change (``dss refresh`` shows such drift);
- not the names the stack declares itself (``dss.Connection(...)`` and the other instance
  kinds, or ``.get(...)`` lookups, which ``check_lookups`` checks): they are created first,
  or checked already;
- only the kinds the stack names any of: no list is read for nothing;
- a kind whose list the API key may not read (403: the admin lists for a non-admin key) is
  not checked; ``--debug`` says so, and DSS itself refuses a wrong name later.

Which names a resource uses is said by its class (``Resource.instance_names``), carried on
its graph node; which names exist comes from the registry (``instance_names(kind)``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

import attrs

from dsspulumi.errors import DssPulumiError
from dsspulumi.graph import ResourceGraph
from dsspulumi.plan import Op, Plan
from dsspulumi.urn import kind_label

log = logging.getLogger("dsspulumi.preflight")

#: The instance kinds a stack may name, in the order they are checked: what a user calls
#: them, and the class that declares one.
KINDS: dict[str, tuple[str, str]] = {
    "dss:Connection": ("connection", "dss.Connection"),
    "dss:CodeEnv": ("code env", "dss.CodeEnv"),
    "dss:Group": ("group", "dss.Group"),
    "dss:User": ("user", "dss.User"),
}

#: The steps that send a resource's names to DSS.
CHECKED_OPS = frozenset({Op.CREATE, Op.UPDATE, Op.REPLACE, Op.IMPORT})

#: How many users of a missing name an error lists before "and N more".
SHOWN_USERS = 3


class MissingNameError(DssPulumiError):
    """Connections, code envs, groups or users the stack names (and does not declare) are
    not in DSS; found before any change."""


class NameLister(Protocol):
    def instance_names(self, type_token: str) -> frozenset[str] | None:
        """The names of every object of that kind in DSS; None if the key may not list them."""
        ...


@attrs.frozen
class Use:
    """One instance object named by the stack, and the resources (with file:line) naming it."""

    type: str
    name: str
    users: tuple[str, ...]

    def describe(self) -> str:
        kind, declare = KINDS.get(self.type, (kind_label(self.type), "the stack"))
        shown = ", ".join(self.users[:SHOWN_USERS])
        if len(self.users) > SHOWN_USERS:
            shown += f" and {len(self.users) - SHOWN_USERS} more"
        return (
            f"{shown}: {kind} '{self.name}' does not exist in DSS; declare it with {declare} "
            "or fix the name"
        )


def undeclared_uses(plan: Plan, graph: ResourceGraph) -> list[Use]:
    """The instance objects that the changing steps name and that the stack does not declare
    (nor read with ``.get``), in plan order. Pure: no DSS call."""
    declared = {(node.type, node.name) for node in graph.nodes.values()}
    users: dict[tuple[str, str], list[str]] = {}
    for step in plan.steps:
        node = step.node
        if step.op not in CHECKED_OPS or node is None:
            continue
        who = step.logical_name + (
            f" ({node.source})" if node.source and node.source != "<unknown>" else ""
        )
        for used in node.names:
            if used in declared:
                continue
            names = users.setdefault(used, [])
            if who not in names:
                names.append(who)
    return [Use(t, n, tuple(u)) for (t, n), u in users.items()]


def kinds_to_read_ahead(graph: ResourceGraph | None, recorded: Iterable[str]) -> list[str]:
    """The lists the preflight will surely read: the kinds named by resources the state has
    no record of (creates), leaving out what the stack declares. Pure: no DSS call."""
    if graph is None:
        return []
    declared = {(node.type, node.name) for node in graph.nodes.values()}
    known = set(recorded)
    kinds = {
        used[0]
        for node in graph.nodes.values()
        if node.urn not in known
        for used in node.names
        if used not in declared
    }
    return _kinds_in_order(Use(kind, "", ()) for kind in kinds)


def _kinds_in_order(uses: Iterable[Use]) -> list[str]:
    order = list(KINDS)
    return sorted({u.type for u in uses}, key=lambda t: order.index(t) if t in order else 99)


def check_names(plan: Plan, graph: ResourceGraph | None, lister: NameLister) -> None:
    """Stop the run before any change if a name the plan's changes use is not in DSS.

    Reads the list of each kind named at most once (the registry keeps it for the run).
    Every missing name is reported at once, each with the resources that use it.
    """
    if graph is None:
        return
    uses = undeclared_uses(plan, graph)
    if not uses:
        return
    problems: list[str] = []
    for kind in _kinds_in_order(uses):
        wanted = [u for u in uses if u.type == kind]
        existing = lister.instance_names(kind)
        label = KINDS.get(kind, (kind, ""))[0]
        if existing is None:
            log.debug(
                "preflight: this API key may not list the %ss of DSS; %d %s name(s) the stack "
                "uses were not checked (%s)",
                label,
                len(wanted),
                label,
                ", ".join(u.name for u in wanted),
            )
            continue
        log.debug(
            "preflight: %d %s(s) in DSS; checked %d name(s)", len(existing), label, len(wanted)
        )
        problems += [u.describe() for u in wanted if u.name not in existing]
    if len(problems) == 1:
        raise MissingNameError(f"{problems[0]}; nothing was changed")
    if problems:
        raise MissingNameError(
            f"{len(problems)} objects the stack names do not exist in DSS; nothing was "
            "changed:\n" + "\n".join(f"  {p}" for p in problems)
        )
