"""Why ``dss destroy`` refuses a protected resource, told against what the stack file says now.

``protect`` and ``retain_on_delete`` count as the state records them: a destroy plans from
the state alone, so an option changed in the stack file has no effect until ``dss up``
records it. The generic refusal (``plan.make_plan``) cannot know what the file says; this
reads the stack program once the destroy is refused, and tells the user the one thing to
do: run ``dss up`` first when the file already says ``protect=False``, or change the
declaration (at its file and line) when it does not.
"""

from __future__ import annotations

from collections.abc import Callable

from dsspulumi.errors import ProtectedError
from dsspulumi.graph import ResourceGraph
from dsspulumi.urn import logical_name


def explain_destroy_block(
    exc: ProtectedError, program: Callable[[], ResourceGraph], *, stack: str, env: str
) -> ProtectedError:
    """The refusal of ``exc`` for a destroy, told against the graph ``program`` builds from
    the stack file; a program that cannot run leaves the generic refusal as it is."""
    try:
        graph = program()
    except Exception:  # noqa: BLE001 - whatever stops the program, the refusal stands
        return exc
    where = "" if env == "dev" else f" -e {env}"
    up, destroy = f"`dss up {stack}{where}`", f"`dss destroy {stack}{where}`"
    pending, to_change, undeclared = [], [], []
    for urn in exc.urns:
        node = graph.nodes.get(urn)
        name = logical_name(urn)
        if node is None:
            undeclared.append(name)
        elif node.options.protect:
            to_change.append(f"{name} ({node.source})" if node.source else name)
        else:
            retain = " and retain_on_delete=True" if node.options.retain_on_delete else ""
            at = f" at {node.source}" if node.source else ""
            pending.append(f"{name} (protect=False{retain}{at})")
    parts = []
    if pending:
        parts.append(
            f"{_names(pending)} {'is' if len(pending) == 1 else 'are'} still protected in the "
            "state: the stack file's change has no effect until it is applied. Run "
            f"{up} first to record it, then {destroy}"
        )
    if to_change:
        parts.append(
            f"{_names(to_change)} {'is' if len(to_change) == 1 else 'are'} protected "
            "(protect=True in the stack file and the state). To delete, set "
            f"opts=dss.ResourceOptions(protect=False) there, run {up}, then {destroy}"
        )
    if undeclared:
        parts.append(
            f"{_names(undeclared)} {'is' if len(undeclared) == 1 else 'are'} protected in the "
            "state and no longer declared. To delete, declare "
            f"{'it' if len(undeclared) == 1 else 'them'} again with "
            f"opts=dss.ResourceOptions(protect=False), run {up}, then {destroy}"
        )
    return ProtectedError("; ".join(parts) + ". Nothing was deleted", urns=list(exc.urns))


def _names(items: list[str]) -> str:
    return ", ".join(items)
