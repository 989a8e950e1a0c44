"""What a project holds beyond the resource types dsspulumi supports (for ``dss import``).

Objects no provider can import are listed, never dropped silently: each probe below lists
one kind of project object through dataikuapi. A kind is skipped once a provider serves its
type token (it is then imported like the others). A DSS that does not serve a listing at all
(an unknown route) has none of those objects to report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from dsspulumi.errors import ProviderError
from dsspulumi.providers.dss.client import DssSession, NotFound

# type token -> (label, how to list the names of such objects in a project)
PROBES: dict[str, tuple[str, Callable[[Any], list[str]]]] = {
    "dss:ManagedFolder": (
        "managed folder",
        lambda p: [f"{f.get('name')} (id {f.get('id')})" for f in p.list_managed_folders()],
    ),
    "dss:Scenario": (
        "scenario",
        lambda p: [f"{s.name} (id {s.id})" for s in p.list_scenarios(as_type="listitems")],
    ),
    "dss:SavedModel": ("saved model", lambda p: [m.get("name") for m in p.list_saved_models()]),
    "dss:Notebook": (
        "notebook",
        lambda p: [n.name for n in p.list_jupyter_notebooks(as_type="listitems")],
    ),
}


def unsupported_objects(session: DssSession, project_key: str, served: Iterable[str]) -> list[str]:
    """``"<kind> <name>: ..."`` for every object of a kind no provider serves."""
    project = session.client.get_project(project_key)
    served = set(served)
    out = []
    for token, (label, list_names) in PROBES.items():
        if token in served:
            continue
        try:
            with session.call(f"list the {label}s of project {project_key}"):
                names = list_names(project)
        except (NotFound, ProviderError):
            continue  # this DSS does not serve the listing: nothing of that kind to report
        out += [f"{label} {project_key}.{n}: no dsspulumi resource type yet" for n in names]
    return out
