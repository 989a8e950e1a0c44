"""Diff and plan: pure functions of (declared graph, prior state) -> ordered steps.

No IO here. Only the properties a stack declares are compared (the state
records what was declared, never what DSS filled in), so there are no
perpetual diffs. Update vs replace is decided per property by the resource
type's ``replace_on``. Creates and updates come in dependency order; deletes
come after, dependants first.
"""

from __future__ import annotations

import copy
import difflib
import enum
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from dsspulumi.errors import PlanError, ProtectedError
from dsspulumi.graph import Node, ResourceGraph, tolerant_order
from dsspulumi.output import has_unknown, resolve_unknowns, unknown_paths
from dsspulumi.state import ResourceState, State
from dsspulumi.urn import logical_name as _logical
from dsspulumi.urn import resolve_targets


class Op(enum.StrEnum):
    SAME = "same"
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    READ = "read"
    IMPORT = "import"


OP_ORDER = [Op.CREATE, Op.UPDATE, Op.REPLACE, Op.DELETE, Op.SAME, Op.READ, Op.IMPORT]
# A delete of a resource with retain_on_delete: removed from the state, left in DSS. Its op
# stays "delete" (the resource leaves the stack); what it does to DSS is counted apart.
RETAIN = "retain"
KIND_ORDER = [*map(str, OP_ORDER[:4]), RETAIN, *map(str, OP_ORDER[4:])]
_MISSING = object()


@attrs.frozen
class PropertyDiff:
    path: str
    old: Any
    new: Any


@attrs.frozen
class Step:
    op: Op
    urn: str
    type: str
    name: str
    logical_name: str
    diff: tuple[PropertyDiff, ...] = ()
    replace_paths: tuple[str, ...] = ()
    deps: tuple[str, ...] = ()
    inputs: Mapping[str, Any] | None = None  # what the resource will hold after the step
    old: ResourceState | None = None
    node: Node | None = None
    retain: bool = False
    # Paths of ``inputs`` whose value is known only after apply (shown as such).
    unknowns: tuple[str, ...] = ()
    # The URN its state record had before (found through ``aliases``): renamed or moved.
    moved_from: str | None = None
    # The component (URN) the resource belongs to.
    parent: str | None = None

    @property
    def changes(self) -> bool:
        """Whether the step calls DSS (a move alone only rewrites the state)."""
        return self.op is not Op.SAME and self.op is not Op.READ

    @property
    def kind(self) -> str:
        """The op, or ``retain`` for a delete that leaves the object in DSS (counts, display)."""
        return RETAIN if self.retain and self.op is Op.DELETE else str(self.op)

    @property
    def renames_in_dss(self) -> bool:
        """Found under an alias with another DSS name, which DSS changes in place."""
        return (
            self.moved_from is not None
            and self.op is Op.UPDATE
            and self.old is not None
            and self.old.name != self.name
        )


@attrs.frozen
class Plan:
    stack: str
    env: str
    steps: tuple[Step, ...]
    exports: Mapping[str, Any] = attrs.field(factory=dict)
    # The components of the program (URN -> ComponentNode), for display.
    components: Mapping[str, Any] = attrs.field(factory=dict)

    def summary(self) -> dict[str, int]:
        """Steps per op; retained deletes under ``retain``, apart from real deletes."""
        counts = Counter(s.kind for s in self.steps)
        return {kind: counts[kind] for kind in KIND_ORDER if counts.get(kind, 0)}

    @property
    def moves(self) -> list[Step]:
        return [s for s in self.steps if s.moved_from is not None]

    @property
    def has_changes(self) -> bool:
        return any(s.changes or s.moved_from is not None for s in self.steps)


# --- property diffs -------------------------------------------------------------------------


def diff_inputs(
    old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = ""
) -> list[PropertyDiff]:
    """Differences by property path: dicts and lists of dicts are walked, the rest compared
    whole.

    A list of objects (scenario triggers and steps, a recipe's prepare steps, joins) is
    diffed per element and per key, ``triggers[0].params.hour``; a list holding anything
    else (names, tags, values compared as a set) stays one value, shown as what went and
    what came. An element added or removed is one diff at its index (``steps[2]``) with
    ``None`` on the side it is missing from.

    Depth first, in key order, with an explicit stack (no recursion: dicts nested to any
    depth; two lists are first compared with ``==``, which skips equal ones fast).
    """
    out: list[PropertyDiff] = []
    stack: list[Iterator[tuple[str, Any, Any]]] = [_dict_pairs(old, new, prefix)]
    while stack:
        for path, o, n in stack[-1]:
            if isinstance(o, dict) and isinstance(n, dict):
                stack.append(_dict_pairs(o, n, f"{path}."))
                break  # walk the nested values first, then resume these
            if o != n and _objects(o) and _objects(n):
                stack.append(_list_pairs(o, n, path))
                break
            if o != n:
                out.append(
                    PropertyDiff(path, None if o is _MISSING else o, None if n is _MISSING else n)
                )
        else:
            stack.pop()
    return out


def _dict_pairs(
    old: Mapping[str, Any], new: Mapping[str, Any], at: str
) -> Iterator[tuple[str, Any, Any]]:
    for key in _ordered_union(old, new):
        yield f"{at}{key}", old.get(key, _MISSING), new.get(key, _MISSING)


def _ordered_union(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    keys = list(b)
    keys.extend(k for k in a if k not in b)
    return keys


def _objects(value: Any) -> bool:
    """A list whose elements are all objects (dicts): diffed element by element."""
    return isinstance(value, list) and all(isinstance(x, dict) for x in value)


def _list_pairs(old: list[Any], new: list[Any], path: str) -> Iterator[tuple[str, Any, Any]]:
    """The elements of two lists of objects to compare, each with its path.

    Equal lengths: element by element. Otherwise the lists are aligned first (difflib, on
    each element's JSON), so one step inserted or removed is that step, not a change of
    every step after it: changed elements are named by their new index, removed ones by
    their old index.
    """
    if len(old) == len(new):
        for i, (o, n) in enumerate(zip(old, new, strict=True)):
            yield f"{path}[{i}]", o, n
        return

    def key(x: Any) -> str:
        return json.dumps(x, sort_keys=True, default=repr)

    matcher = difflib.SequenceMatcher(None, [key(x) for x in old], [key(x) for x in new], False)
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        # "equal" blocks too: two values may share a JSON text (secrets, unknowns) and
        # differ; equal pairs give no diff.
        paired = min(i2 - i1, j2 - j1)
        for k in range(paired):
            yield f"{path}[{j1 + k}]", old[i1 + k], new[j1 + k]
        for i in range(i1 + paired, i2):
            yield f"{path}[{i}]", old[i], _MISSING
        for j in range(j1 + paired, j2):
            yield f"{path}[{j}]", _MISSING, new[j]


def _matches(path: str, patterns: Iterable[str]) -> bool:
    return any(path == p or path.startswith((p + ".", p + "[")) for p in patterns)


def apply_ignore_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], ignore: Iterable[str]
) -> dict[str, Any]:
    """``new`` with every ignored path set back to its recorded value.

    Only paths through dicts are touched: an ignored path that neither side has
    changes nothing, and a path below a plain value leaves that value alone.
    """
    if not ignore:
        return dict(new)  # nothing to set back: no deep copy (creates share values too)
    result = copy.deepcopy(dict(new))
    for path in ignore:
        parts = path.split(".")
        src: Any = old
        for p in parts:
            src = src.get(p, _MISSING) if isinstance(src, Mapping) else _MISSING
        dst: Any = result
        for p in parts[:-1]:
            child = dst.get(p, _MISSING)
            if child is _MISSING:
                if src is _MISSING:
                    dst = None  # nothing recorded, nothing declared: nothing to do
                    break
                child = dst[p] = {}
            if not isinstance(child, dict):
                dst = None  # the path goes below a plain value: leave it alone
                break
            dst = child
        if dst is None:
            continue
        if src is _MISSING:
            dst.pop(parts[-1], None)
        else:
            dst[parts[-1]] = copy.deepcopy(src)
    return result


# --- planning -------------------------------------------------------------------------------


def make_plan(
    graph: ResourceGraph,
    state: State | None,
    *,
    targets: Iterable[str] | None = None,
) -> Plan:
    """Decide what to do with every resource; raise PlanError for plans that must not run."""
    records = state.by_urn() if state is not None else {}
    resolved = resolve_targets(targets, [*graph.nodes, *records])
    target_set = set(resolved) if resolved is not None else None

    def wanted(urn: str) -> bool:
        return target_set is None or urn in target_set

    moved = find_moves(graph, records)
    records_now = dict(records)
    for new, old in moved.items():
        records_now[new] = records_now.pop(old)

    def recorded_output(urn: str, key: str) -> Any:
        """A producer's output as recorded, unless this plan creates or replaces it."""
        producer = steps.get(urn)
        if producer is not None and producer.op in (Op.CREATE, Op.REPLACE):
            raise KeyError(urn)
        return records_now[urn].outputs[key]

    # Each step is built with its dependencies wired: creates wait for what they
    # reference, deletes wait for every step of what referenced them. Steps come in
    # step order, so "already a step" is "an earlier step".
    steps: dict[str, Step] = {}
    for urn in graph.topological_order():
        if not wanted(urn):
            continue
        node = graph.nodes[urn]
        deps = tuple(d for d in node.deps if d in steps)
        inputs = None
        if node.output_deps:
            inputs = resolve_unknowns(node.inputs, recorded_output, partial=True)
        step = _node_step(node, records_now.get(urn), deps, inputs)
        if urn in moved or node.parent is not None:
            step = attrs.evolve(step, moved_from=moved.get(urn), parent=node.parent)
        steps[urn] = step

    if target_set is not None:
        for step in steps.values():
            for dep in step.node.deps if step.node else ():
                if dep not in steps and dep not in records_now:
                    raise PlanError(
                        f"{step.logical_name} depends on {graph.nodes[dep].logical_name}, which "
                        f"does not exist yet and is not targeted; add --target {dep}"
                    )

    moved_away = set(moved.values())
    removed = [
        urn for urn in records if urn not in graph.nodes and urn not in moved_away and wanted(urn)
    ]
    delete_order = list(reversed(tolerant_order({u: records[u].dependencies for u in records})))
    dependants: dict[str, list[str]] = {}
    new_urn = {old: new for new, old in moved.items()}  # a moved record's step has its new URN
    for rec in records.values():
        for dep in rec.dependencies:
            dependants.setdefault(dep, []).append(new_urn.get(rec.urn, rec.urn))
    removed_set = set(removed)
    protected = [urn for urn in delete_order if urn in removed_set and records[urn].protect]
    if protected:
        how = (
            "(the state records protect=True). To delete, declare it with "
            "opts=dss.ResourceOptions(protect=False) and run `dss up` to record that first; "
            "a change of protect in the stack file has no effect until it is applied"
        )
        if len(protected) == 1:
            raise ProtectedError(
                f"{_logical(protected[0])} is protected and cannot be deleted {how}",
                urns=protected,
            )
        names = ", ".join(map(_logical, protected))
        raise ProtectedError(f"{names} are protected and cannot be deleted {how}", urns=protected)
    for urn in delete_order:
        if urn not in removed_set:
            continue
        rec = records[urn]
        if target_set is not None:
            blocking = [d for d in dependants.get(urn, []) if d not in removed_set]
            if blocking:
                raise PlanError(
                    f"cannot delete {_logical(urn)} alone: {', '.join(map(_logical, blocking))} "
                    "still depend on it; target them too"
                )
        steps[urn] = Step(
            op=Op.DELETE,
            urn=urn,
            type=rec.type,
            name=rec.name,
            logical_name=_logical(urn),
            old=rec,
            retain=rec.retain_on_delete,
            # Only edges that agree with the step order (earlier steps): a cycle left in
            # state by an interrupted run must not make two deletes wait for each other.
            deps=tuple(d for d in dependants.get(urn, []) if d in steps),
        )

    return Plan(
        stack=graph.stack,
        env=graph.env,
        steps=tuple(steps.values()),
        exports=graph.exports,
        components=graph.components,
    )


def find_moves(graph: ResourceGraph, records: Mapping[str, ResourceState]) -> dict[str, str]:
    """new URN -> old URN for the resources found in state under one of their ``aliases``.

    An alias is a full URN, or a logical name (``PROJECT.name``) matching a record of the
    same resource type whatever its parents were. An alias that matches nothing is
    harmless; a record claimed twice, or an alias matching two records, is an error.
    """
    moved: dict[str, str] = {}
    claimed: dict[str, str] = {}
    free = None
    for node in graph.nodes.values():
        if not node.aliases or node.urn in records:
            continue
        if free is None:
            free = [urn for urn in records if urn not in graph.nodes]
        found: list[str] = []
        for alias in node.aliases:
            if alias.startswith("urn:"):
                hits = [alias] if alias in free else []
            else:
                hits = [u for u in free if _logical(u) == alias and records[u].type == node.type]
            if len(hits) > 1:
                raise PlanError(
                    f"alias {alias!r} of {node.logical_name} ({node.source}) matches several "
                    f"resources in the state: {', '.join(hits)}; use the full URN"
                )
            found.extend(h for h in hits if h not in found)
        if not found:
            continue
        if len(found) > 1:
            raise PlanError(
                f"the aliases of {node.logical_name} ({node.source}) match several resources "
                f"in the state: {', '.join(found)}; keep one"
            )
        old = found[0]
        if old in claimed:
            raise PlanError(
                f"{claimed[old]} and {node.logical_name} both claim {old} as an alias; "
                "a resource in the state can only move to one new place"
            )
        if records[old].type != node.type:
            raise PlanError(
                f"alias {old} of {node.logical_name} ({node.source}) is a {records[old].type}, "
                f"not a {node.type}"
            )
        claimed[old] = node.logical_name
        moved[node.urn] = old
    return moved


def _node_step(
    node: Node,
    rec: ResourceState | None,
    deps: tuple[str, ...],
    resolved: Mapping[str, Any] | None = None,
) -> Step:
    """The step of one declared resource; ``resolved``: its inputs with the values known
    after apply that the state already holds put in (None: the node has none)."""
    step = _decide(node, rec, deps, node.inputs if resolved is None else resolved)
    if resolved is not None and step.inputs is not None and has_unknown(step.inputs):
        step = attrs.evolve(step, unknowns=tuple(unknown_paths(step.inputs)))
    return step


def _decide(
    node: Node, rec: ResourceState | None, deps: tuple[str, ...], declared: Mapping[str, Any]
) -> Step:
    base: dict[str, Any] = dict(
        urn=node.urn,
        type=node.type,
        name=node.name,
        logical_name=node.logical_name,
        node=node,
        deps=deps,
    )
    if node.read:
        if rec is not None:
            raise PlanError(
                f"{node.logical_name} is managed by this stack (its state holds it) but "
                f"{node.source} now only reads it with .get(); to stop managing it without "
                "deleting it, set opts=dss.ResourceOptions(retain_on_delete=True) on its "
                "declaration, run `dss up`, then remove the declaration and run `dss up` again"
            )
        return Step(op=Op.READ, inputs=dict(node.inputs), **base)
    if rec is None and node.options.import_id is not None:
        # Adopted, not created: the engine reads DSS and fills in the difference to apply.
        return Step(op=Op.IMPORT, inputs=node.inputs, **base)
    if rec is None:
        # The node's inputs are shared, not copied (nothing changes a plan's inputs; the
        # executor copies what it sends): 10,000 steps, 10,000 dicts fewer.
        return Step(op=Op.CREATE, inputs=declared, **base)
    inputs: Mapping[str, Any] = declared
    if node.options.ignore_changes:
        inputs = apply_ignore_changes(rec.inputs, declared, node.options.ignore_changes)
    # Equal inputs have no diff: one C-level comparison instead of a walk (no-op plans).
    diff = () if rec.inputs == inputs else tuple(diff_inputs(rec.inputs, inputs))
    if not diff:
        return Step(op=Op.SAME, inputs=inputs, old=rec, **base)
    replace_paths = tuple(d.path for d in diff if _matches(d.path, node.replace_on))
    if not replace_paths and any(d.path == "project" for d in diff):
        # Found under an alias in another project: DSS moves nothing between projects.
        replace_paths = ("project",)
    if rec.name != node.name and not node.renames_in_place and not replace_paths:
        # Found under an alias with another DSS name that DSS cannot change in place.
        replace_paths = tuple(d.path for d in diff if d.new == node.name) or ("name",)
    if not replace_paths:
        return Step(op=Op.UPDATE, diff=diff, inputs=inputs, old=rec, **base)
    if node.options.protect or rec.protect:
        first = (
            "set protect=False first"
            if node.options.protect
            # protect=False in the stack file counts once applied: on its own, before this.
            else "the state still records protect=True: run `dss up` with protect=False "
            "alone first (without this change)"
        )
        raise PlanError(
            f"{node.logical_name} is protected but its change of "
            f"{', '.join(replace_paths)} needs a replace (delete, then create); {first} "
            "if you mean it"
        )
    if node.options.retain_on_delete or rec.retain_on_delete:
        raise PlanError(
            f"{node.logical_name} has retain_on_delete but its change of "
            f"{', '.join(replace_paths)} needs a replace, and DSS cannot keep two objects "
            "with the same name; rename it instead"
        )
    return Step(
        op=Op.REPLACE, diff=diff, replace_paths=replace_paths, inputs=inputs, old=rec, **base
    )
