"""``run_program``: a stack program run in a test, with no DSS, no state and no backend.

The program runs exactly as ``dss preview`` runs it (same runner, same validation, same
errors naming the user's file and line); what comes back is the declared resource graph,
with lookups by name and type so that a test reads like the stack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, cast

from dsspulumi.errors import ConfigError
from dsspulumi.graph import Node, ResourceGraph
from dsspulumi.output import Output, unwrap


class ProgramGraph:
    """The resources a program declared: by logical name (``PROJECT.name``) or DSS name."""

    def __init__(self, graph: ResourceGraph) -> None:
        self.graph = graph

    def __iter__(self) -> Iterator[Node]:
        return iter(self.graph.nodes.values())

    def __len__(self) -> int:
        return len(self.graph.nodes)

    def __contains__(self, name: object) -> bool:
        return any(name in (n.logical_name, n.name, n.urn) for n in self)

    def __getitem__(self, name: str) -> Node:
        """The resource named ``name``: its logical name, URN, or DSS name if unique."""
        exact = [n for n in self if name in (n.logical_name, n.urn)]
        if exact:
            return exact[0]
        matches = [n for n in self if n.name == name]
        if len(matches) == 1:
            return matches[0]
        if matches:
            names = ", ".join(n.logical_name for n in matches)
            raise KeyError(f"{name!r} names several resources ({names}); use PROJECT.name")
        raise KeyError(f"no resource {name!r}; declared: {', '.join(self.names)}")

    @property
    def names(self) -> list[str]:
        return [n.logical_name for n in self]

    def of_type(self, type_: str) -> list[Node]:
        """Resources of ``type_``: ``"dss:Dataset"`` or just ``"Dataset"``."""
        token = type_ if ":" in type_ else f"dss:{type_}"
        return [n for n in self if n.type == token]

    def inputs(self, name: str) -> Mapping[str, Any]:
        """The declared properties of ``name`` as they would be sent and stored."""
        return self[name].inputs

    @property
    def edges(self) -> set[tuple[str, str]]:
        """(dependency, dependant) pairs of logical names: what must exist first."""
        logical = {n.urn: n.logical_name for n in self}
        return {(logical[d], n.logical_name) for n in self for d in n.deps}

    def depends_on(self, name: str) -> list[str]:
        return [self.graph.nodes[d].logical_name for d in self[name].deps]

    @property
    def exports(self) -> dict[str, Any]:
        """Exported values (an ``Output`` is given as its value, secret or not)."""
        return {k: unwrap(v) if isinstance(v, Output) else v for k, v in self.graph.exports.items()}


def _namespaces(stack: str, config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"key": v, "dss:url": v, "ns": {...}}`` -> ``{namespace: {key: value}}``."""
    out: dict[str, dict[str, Any]] = {}
    for key, value in config.items():
        if isinstance(value, Mapping) and ":" not in key:
            out.setdefault(key, {}).update(value)
            continue
        ns, _, name = key.rpartition(":")
        out.setdefault(ns or stack, {})[name] = value
    return out


def run_program(
    path: str | Path | Callable[[], Any],
    config: Mapping[str, Any] | None = None,
    *,
    stack: str | None = None,
    env: str = "dev",
    use_config_file: bool = True,
    work_dir: str | Path | None = None,
) -> ProgramGraph:
    """Run the stack program at ``path`` and return what it declared; no DSS is called.

    ``path`` may also be an inline program (a callable, as ``dsspulumi.automation.Stack``
    takes): it runs through the same runner as a stack file and as ``Stack.preview()``
    (``dsspulumi.program.run_declarations``), with ``work_dir`` (default: the current
    folder) as its stack folder. ``config`` sets configuration values:
    ``{"raw_connection": "x"}`` for the stack's own namespace, ``"ns:key"`` or
    ``{"ns": {...}}`` for another. They are laid over the stack's committed config file for
    ``env`` (``<stack>.<env>.toml`` beside it) unless ``use_config_file=False``. ``stack``
    defaults to the file's (or function's) name.

    This stops before the plan: to see the plan against a stack's state (and DSS), use
    ``dsspulumi.automation.Stack(...).preview()``.
    """
    from dsspulumi.program import run_declarations
    from dsspulumi.program import run_program as run

    inline = path if callable(path) else None
    if inline is not None:
        name: str = stack or str(getattr(inline, "__name__", "program"))
        file = Path(work_dir if work_dir is not None else ".") / f"{name}.py"
    else:
        file = Path(cast("str | Path", path))
        if not file.is_file():
            raise ConfigError(f"stack file {file} does not exist")
        name = stack or file.stem
    namespaces: dict[str, dict[str, Any]] = {}
    services: dict[str, Any] = {}
    if use_config_file and (file.parent / f"{name}.{env}.toml").is_file():
        from dsspulumi.config import StackConfig

        stack_config = StackConfig.load(file, name, env)
        namespaces = stack_config.namespaces()
        services["reveal"] = stack_config.reveal
    for ns, values in _namespaces(name, config or {}).items():
        namespaces.setdefault(ns, {}).update(values)
    kwargs: dict[str, Any] = dict(stack=name, env=env, config=namespaces, services=services)
    if inline is not None:
        return ProgramGraph(run_declarations(inline, stack_file=file, **kwargs))
    return ProgramGraph(run(file, **kwargs))
