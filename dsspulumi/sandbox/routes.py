"""The route table: which DSS REST operation answers which method + URL template.

Templates are written relative to the API root (``/dip/publicapi``) with the trailing slash the
real client sends (collections end with ``/``, single objects do not); matching ignores trailing
slashes. When several templates match, the one with the most literal segments wins, so
``POST /projects/{projectKey}/datasets/managed`` beats ``.../datasets/{datasetName}``.
Request counts are keyed by ``"METHOD template"``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .store import Store

TRUE_STRINGS = frozenset(["true", "1", "yes"])


class Request:
    """What a handler sees: decoded path parameters, query values and the JSON body."""

    def __init__(self, params: dict[str, str], query: dict[str, list[str]], body: Any) -> None:
        self.params = params
        self.query = query
        self.body = body

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def args(self, name: str) -> list[str]:
        """Repeated keys (``tags=a&tags=b``), as ``requests`` encodes lists."""
        return list(self.query.get(name, []))

    def flag(self, name: str, default: bool = False) -> bool:
        """Booleans arrive as ``True``/``False`` (Python's str()), so compare case-insensitively."""
        value = self.arg(name)
        return default if value is None else value.strip().lower() in TRUE_STRINGS


Handler = Callable[[Store, Request], Any]


class Route:
    """One operation: ``method`` + ``template`` answered by ``handler``."""

    def __init__(self, method: str, template: str, handler: Handler) -> None:
        self.method = method
        self.template = template
        self.handler = handler
        self.segments = [s for s in template.split("/") if s]
        self.literal_count = sum(1 for s in self.segments if not s.startswith("{"))

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"

    def match(self, method: str, segments: Sequence[str]) -> dict[str, str] | None:
        if method != self.method or len(segments) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for pattern, value in zip(self.segments, segments, strict=True):
            if pattern.startswith("{"):
                if not value:
                    return None
                params[pattern[1:-1]] = value
            elif pattern != value:
                return None
        return params


def _p(req: Request) -> str:
    return req.params["projectKey"]


ROUTES: list[Route] = [
    # instance
    Route("GET", "/instance-info", lambda s, r: s.instance_info()),
    Route("GET", "/auth/info", lambda s, r: s.auth_info()),
    Route("GET", "/futures/{jobId}", lambda s, r: s.get_future(r.params["jobId"])),
    Route("DELETE", "/futures/{jobId}", lambda s, r: s.abort_future(r.params["jobId"])),
    # connections
    Route("GET", "/admin/connections/", lambda s, r: s.list_connections()),
    Route("POST", "/admin/connections/", lambda s, r: s.create_connection(r.body)),
    Route("GET", "/admin/connections/{name}", lambda s, r: s.get_connection(r.params["name"])),
    Route(
        "PUT",
        "/admin/connections/{name}",
        lambda s, r: s.update_connection(r.params["name"], r.body),
    ),
    Route(
        "DELETE", "/admin/connections/{name}", lambda s, r: s.delete_connection(r.params["name"])
    ),
    Route("GET", "/connections/get-names", lambda s, r: s.connection_names(r.arg("type"))),
    Route("GET", "/connections/{name}/info", lambda s, r: s.connection_info(r.params["name"])),
    # projects
    Route("GET", "/projects/", lambda s, r: s.list_projects()),
    Route("POST", "/projects/", lambda s, r: s.create_project(r.body)),
    Route("GET", "/projects/{projectKey}", lambda s, r: s.project_summary(_p(r))),
    Route("DELETE", "/projects/{projectKey}", lambda s, r: s.delete_project(_p(r))),
    Route("GET", "/projects/{projectKey}/metadata", lambda s, r: s.get_project_metadata(_p(r))),
    Route(
        "PUT", "/projects/{projectKey}/metadata", lambda s, r: s.set_project_metadata(_p(r), r.body)
    ),
    Route("GET", "/projects/{projectKey}/settings", lambda s, r: s.get_project_settings(_p(r))),
    Route(
        "PUT", "/projects/{projectKey}/settings", lambda s, r: s.set_project_settings(_p(r), r.body)
    ),
    Route(
        "GET", "/projects/{projectKey}/permissions", lambda s, r: s.get_project_permissions(_p(r))
    ),
    Route(
        "PUT",
        "/projects/{projectKey}/permissions",
        lambda s, r: s.set_project_permissions(_p(r), r.body),
    ),
    Route("GET", "/projects/{projectKey}/variables/", lambda s, r: s.get_project_variables(_p(r))),
    Route(
        "PUT",
        "/projects/{projectKey}/variables/",
        lambda s, r: s.set_project_variables(_p(r), r.body),
    ),
    # datasets
    Route(
        "GET",
        "/projects/{projectKey}/datasets/",
        lambda s, r: s.list_datasets(_p(r), r.args("tags")),
    ),
    Route("POST", "/projects/{projectKey}/datasets/", lambda s, r: s.create_dataset(_p(r), r.body)),
    Route(
        "POST",
        "/projects/{projectKey}/datasets/managed",
        lambda s, r: s.create_managed_dataset(_p(r), r.body),
    ),
    Route(
        "GET",
        "/projects/{projectKey}/datasets/{datasetName}",
        lambda s, r: s.get_dataset(_p(r), r.params["datasetName"]),
    ),
    Route(
        "PUT",
        "/projects/{projectKey}/datasets/{datasetName}",
        lambda s, r: s.set_dataset(_p(r), r.params["datasetName"], r.body),
    ),
    Route(
        "DELETE",
        "/projects/{projectKey}/datasets/{datasetName}",
        lambda s, r: s.delete_dataset(_p(r), r.params["datasetName"]),
    ),
    Route(
        "GET",
        "/projects/{projectKey}/datasets/{datasetName}/schema",
        lambda s, r: s.get_dataset_schema(_p(r), r.params["datasetName"]),
    ),
    Route(
        "PUT",
        "/projects/{projectKey}/datasets/{datasetName}/schema",
        lambda s, r: s.set_dataset_schema(_p(r), r.params["datasetName"], r.body),
    ),
    Route(
        "GET",
        "/projects/{projectKey}/datasets/{datasetName}/metadata",
        lambda s, r: s.get_dataset_metadata(_p(r), r.params["datasetName"]),
    ),
    Route(
        "PUT",
        "/projects/{projectKey}/datasets/{datasetName}/metadata",
        lambda s, r: s.set_dataset_metadata(_p(r), r.params["datasetName"], r.body),
    ),
    # recipes
    Route("GET", "/projects/{projectKey}/recipes/", lambda s, r: s.list_recipes(_p(r))),
    Route("POST", "/projects/{projectKey}/recipes/", lambda s, r: s.create_recipe(_p(r), r.body)),
    Route(
        "GET",
        "/projects/{projectKey}/recipes/{recipeName}",
        lambda s, r: s.get_recipe(_p(r), r.params["recipeName"]),
    ),
    Route(
        "PUT",
        "/projects/{projectKey}/recipes/{recipeName}",
        lambda s, r: s.set_recipe(_p(r), r.params["recipeName"], r.body),
    ),
    Route(
        "DELETE",
        "/projects/{projectKey}/recipes/{recipeName}",
        lambda s, r: s.delete_recipe(_p(r), r.params["recipeName"]),
    ),
    Route(
        "GET",
        "/projects/{projectKey}/recipes/{recipeName}/metadata",
        lambda s, r: s.get_recipe_metadata(_p(r), r.params["recipeName"]),
    ),
    Route(
        "PUT",
        "/projects/{projectKey}/recipes/{recipeName}/metadata",
        lambda s, r: s.set_recipe_metadata(_p(r), r.params["recipeName"], r.body),
    ),
]


def match(
    method: str, segments: Sequence[str], routes: Sequence[Route] = ROUTES
) -> tuple[Route, dict[str, str]] | None:
    """The most specific route for ``method`` and the decoded path ``segments``, if any."""
    best: tuple[Route, dict[str, str]] | None = None
    for route in routes:
        params = route.match(method, segments)
        if params is not None and (best is None or route.literal_count > best[0].literal_count):
            best = (route, params)
    return best


def normalise_template(template: str) -> str:
    """Compare templates without caring about leading/trailing slashes."""
    return "/" + template.strip("/")
