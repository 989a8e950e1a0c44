"""The resource graph: pure data built from a program run.

Nodes keep program order, so ties in the topological order are broken the
same way every time: the same stack always gives the same plan.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from dsspulumi.errors import GraphError
from dsspulumi.output import to_engine
from dsspulumi.urn import logical_name as _short
from dsspulumi.urn import make_urn

if TYPE_CHECKING:
    from dsspulumi.resource import ComponentResource, Resource


@attrs.frozen
class NodeOptions:
    protect: bool = False
    ignore_changes: tuple[str, ...] = ()
    delete_before_replace: bool = False
    retain_on_delete: bool = False
    # Adopt the existing DSS object instead of creating it (``ResourceOptions.import_id``).
    import_id: str | None = None
    import_outputs: Mapping[str, Any] = attrs.field(factory=dict)


_DEFAULT_NODE_OPTIONS = NodeOptions()  # shared by every node with default options


@attrs.frozen
class Node:
    urn: str
    type: str
    name: str
    logical_name: str
    inputs: Mapping[str, Any]
    deps: tuple[str, ...]
    replace_on: tuple[str, ...] = ()
    options: NodeOptions = NodeOptions()
    source: str = ""
    read: bool = False  # a lookup (``.get``): read from DSS, never created, changed or deleted
    # Producers of values in ``inputs`` known only after apply (``Unknown``); also in deps.
    output_deps: tuple[str, ...] = ()
    # The URN of the component this resource belongs to, if any.
    parent: str | None = None
    # DSS can give the object another name in place (a managed folder); otherwise a new
    # name (reached through an alias) means another object: a replace.
    renames_in_place: bool = False
    # Former names or URNs (``ResourceOptions.aliases``): where its state record may be.
    aliases: tuple[str, ...] = ()
    # Objects of the DSS instance it names, (type, name): checked by ``dsspulumi.preflight``.
    names: tuple[tuple[str, str], ...] = ()


@attrs.frozen
class ComponentNode:
    """A ``dss.ComponentResource``: no DSS object, no state; the parent of its children."""

    urn: str
    type: str
    name: str
    parent: str | None = None
    source: str = ""


@attrs.define
class ResourceGraph:
    stack: str
    env: str
    nodes: dict[str, Node] = attrs.field(factory=dict)
    exports: dict[str, Any] = attrs.field(factory=dict)
    components: dict[str, ComponentNode] = attrs.field(factory=dict)
    # URN -> the typed object the program declared, kept only for policy rules (``keep``).
    declared: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    def topological_order(self) -> list[str]:
        return topological_order({urn: n.deps for urn, n in self.nodes.items()})

    @classmethod
    def from_resources(
        cls,
        stack: str,
        env: str,
        resources: Iterable[Resource],
        exports: Mapping[str, Any] = {},
        components: Iterable[ComponentResource] = (),
        *,
        keep: bool = False,
    ) -> ResourceGraph:
        import os

        from dsspulumi.program_context import format_location
        from dsspulumi.resource import type_chain

        cwd = os.getcwd()
        resources = list(resources)
        urn_of: dict[int, str] = {}
        for r in resources:
            plain = r.options.parent is None
            chain = r.type_token if plain else type_chain(r)
            urn_of[id(r)] = r._urn = make_urn(stack, env, chain, r.logical_name)
        graph = cls(stack=stack, env=env, exports=dict(exports))
        for c in components:
            urn = make_urn(stack, env, type_chain(c), c.component_name)
            if urn in graph.components:
                raise GraphError(
                    f"duplicate component {c!r} of type {c.type_token}: declared at "
                    f"{graph.components[urn].source} and again at "
                    f"{format_location(c.source, cwd)}"
                )
            c._urn = urn  # type: ignore[attr-defined]
            graph.components[urn] = ComponentNode(
                urn=urn,
                type=c.type_token,
                name=c.component_name,
                parent=getattr(c.parent, "_urn", None),
                source=format_location(c.source, cwd),
            )

        members: dict[int, list[Resource]] = {}  # component -> every resource below it
        for r in resources:
            parent = r.options.parent
            while parent is not None:
                members.setdefault(id(parent), []).append(r)
                parent = parent.options.parent

        def urn_of_producer(resource: Any) -> str:
            found = urn_of.get(id(resource))
            if found is None:
                raise GraphError(
                    f"{resource!r} at {format_location(resource.source)} is used for a value "
                    "known after apply, but it is not declared in this stack program"
                )
            return found

        for r in resources:
            producers: list[Resource] = []
            inputs = to_engine(
                r.lookup_inputs() if r.is_lookup else r.inputs(), urn_of_producer, producers
            )
            deps: list[str] = []
            output_deps: list[str] = []
            for producer in producers:
                producer_urn = urn_of[id(producer)]
                if producer_urn not in output_deps:
                    output_deps.append(producer_urn)
            for dep in [
                *r.dependencies(),
                *_expand(r.options.depends_on, members),
                *producers,
            ]:
                dep_urn = urn_of.get(id(dep))
                if dep_urn is None:
                    raise GraphError(
                        f"{r!r} at {format_location(r.source)} references {dep!r}, which is not "
                        "declared in this stack program"
                    )
                if dep_urn not in deps:
                    deps.append(dep_urn)
            opts = r.options
            urn = urn_of[id(r)]
            options = (
                _DEFAULT_NODE_OPTIONS
                if not (opts.protect or opts.ignore_changes or opts.delete_before_replace)
                and not (opts.retain_on_delete or opts.import_id)
                else NodeOptions(
                    protect=opts.protect,
                    ignore_changes=tuple(opts.ignore_changes),
                    delete_before_replace=opts.delete_before_replace,
                    retain_on_delete=opts.retain_on_delete,
                    import_id=opts.import_id,
                    import_outputs=_import_outputs(r, opts.import_id),
                )
            )
            parent = opts.parent
            if keep:
                graph.declared[urn] = r
            graph.nodes[urn] = Node(
                urn=urn,
                type=r.type_token,
                name=r.dss_name,
                logical_name=r.logical_name,
                inputs=inputs,
                deps=tuple(deps),
                replace_on=r.replace_on,
                options=options,
                source=format_location(r.source, cwd),
                read=r.is_lookup,
                output_deps=tuple(output_deps),
                parent=getattr(parent, "_urn", None) if parent is not None else None,
                aliases=tuple(opts.aliases),
                renames_in_place=r.renames_in_place,
                names=() if r.is_lookup else tuple(r.instance_names()),
            )
        _order_by_names(graph)
        graph.topological_order()  # raises on cycles
        check_flow(graph)
        return graph


def _order_by_names(graph: ResourceGraph) -> None:
    """A resource that names an instance object the stack declares (a dataset's connection,
    a grant's group, a recipe's code env, given by name) waits for it, as if it referenced
    the object: the preflight counts such a name as there, so the object must exist before
    the call that uses it, and must go after it on destroy."""
    declared = {(node.type, node.name): urn for urn, node in graph.nodes.items()}
    for urn, node in list(graph.nodes.items()):
        extra = [declared[name] for name in node.names if declared.get(name, urn) != urn]
        extra = [dep for dep in dict.fromkeys(extra) if dep not in node.deps]
        if extra:
            graph.nodes[urn] = attrs.evolve(node, deps=(*node.deps, *extra))


def _import_outputs(r: Resource, import_id: str | None) -> dict[str, Any]:
    from dsspulumi.errors import ResourceValidationError
    from dsspulumi.program_context import format_location

    if import_id is None:
        return {}
    try:
        return r.import_outputs(import_id)
    except ResourceValidationError as exc:
        raise GraphError(f"{format_location(r.source)}: {exc}") from None


def _expand(items: Iterable[Any], members: Mapping[int, list[Resource]]) -> list[Any]:
    """``depends_on`` entries, a component standing for every resource below it (Pulumi)."""
    from dsspulumi.resource import ComponentResource

    out: list[Any] = []
    for item in items:
        out.extend(members.get(id(item), []) if isinstance(item, ComponentResource) else [item])
    return out


def topological_order(deps: Mapping[str, Iterable[str]]) -> list[str]:
    """Dependencies first; among ready nodes, mapping order wins (deterministic).

    Kahn's algorithm in waves: every node whose dependencies are all placed is
    ready, and each wave is placed in mapping order. Iterative, O(nodes + edges).
    """
    position = {key: i for i, key in enumerate(deps)}
    waiting = dict.fromkeys(position, 0)  # dependencies not placed yet
    dependants: dict[str, list[str]] = {key: [] for key in position}
    for key, ds in deps.items():
        for d in ds:
            if d in position:
                waiting[key] += 1
                dependants[d].append(key)
    ready = [key for key, n in waiting.items() if n == 0]
    order: list[str] = []
    while ready:
        order.extend(ready)
        wave: list[str] = []
        for key in ready:
            for child in dependants[key]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    wave.append(child)
        wave.sort(key=position.__getitem__)
        ready = wave
    if len(order) != len(position):
        _raise_cycle(deps, position)
    return order


def _raise_cycle(deps: Mapping[str, Iterable[str]], position: Mapping[str, int]) -> None:
    """The error for a graph with a cycle, naming the resources in it (graphlib finds it)."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for key, ds in deps.items():
        sorter.add(key, *[d for d in ds if d in position])
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        names = " -> ".join(_short(u) for u in cycle)
        raise GraphError(f"dependency cycle: {names}") from None
    raise GraphError("dependency cycle")  # pragma: no cover - graphlib always finds it


def tolerant_order(deps: Mapping[str, Iterable[str]]) -> list[str]:
    """Dependencies first, like ``topological_order``, but never fails on a cycle.

    For the dependencies *recorded in state*: a run interrupted while edges were
    reversed can leave a cycle there, and deleting must still be possible. An edge
    that would close a cycle is ignored (depth-first, in mapping order: deterministic).
    """
    order: list[str] = []
    done: set[str] = set()
    active: set[str] = set()

    def visit(key: str) -> None:
        stack = [(key, iter(deps.get(key, ())))]
        active.add(key)
        while stack:
            node, children = stack[-1]
            for child in children:
                if child in deps and child not in done and child not in active:
                    active.add(child)
                    stack.append((child, iter(deps.get(child, ()))))
                    break
            else:
                stack.pop()
                active.discard(node)
                done.add(node)
                order.append(node)

    for key in deps:
        if key not in done:
            visit(key)
    return order


def check_flow(graph: ResourceGraph) -> None:
    """DSS flow rules over recipes: one producer per dataset, no dataset feeding itself."""
    producers: dict[str, str] = {}
    edges: dict[str, list[str]] = {}
    for node in graph.nodes.values():
        if node.type != "dss:Recipe":
            continue
        project = node.inputs["project"]

        def full(ref: Any, project: str = project) -> str:
            if not isinstance(ref, str):  # a folder id known after apply: named by its source
                sources = getattr(ref, "sources", ())
                return "+".join(f"{_short(urn)}.{key}" for urn, key in sources) or repr(ref)
            return ref if "." in ref else f"{project}.{ref}"

        for out in node.inputs["outputs"]:
            out = full(out)
            if out in producers:
                raise GraphError(
                    f"dataset {out} is the output of two recipes: {producers[out]} and "
                    f"{node.logical_name} (DSS allows one recipe per output)"
                )
            producers[out] = node.logical_name
            for inp in node.inputs["inputs"]:
                edges.setdefault(full(inp), []).append(out)
    # A cycle in the flow: dataset -> recipe -> dataset -> ... -> same dataset.
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for src, dsts in edges.items():
        for dst in dsts:
            sorter.add(dst, src)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        path = " -> ".join(
            f"{ds} (via {producers.get(nxt, '?')})"
            for ds, nxt in zip(cycle, cycle[1:], strict=False)
        )
        raise GraphError(f"flow cycle between datasets: {path} -> {cycle[-1]}") from None
