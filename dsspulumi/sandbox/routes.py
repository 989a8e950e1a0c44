"""The route table: which DSS REST operation answers which method + URL template.

Templates are written relative to the API root (``/dip/publicapi``) with the trailing slash the
real client sends (collections end with ``/``, single objects do not); matching ignores trailing
slashes. When several templates match, the one with the most literal segments wins, so
``POST /projects/{projectKey}/datasets/managed`` beats ``.../datasets/{datasetName}``.
Request counts are keyed by ``"METHOD template"``. The routes themselves are declared by the
kind modules (:mod:`dsspulumi.sandbox.kinds`), each next to its handlers, and registered here
when the kinds load: this module never imports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store import Tx

TRUE_STRINGS = frozenset(["true", "1", "yes"])


class Request:
    """What a handler sees: decoded path parameters, query values and the JSON body."""

    def __init__(
        self,
        params: dict[str, str],
        query: dict[str, list[str]],
        body: Any,
        login: str = "admin",
    ) -> None:
        self.params = params
        self.query = query
        self.body = body
        self.login = login  # the user the API key belongs to

    @property
    def project_key(self) -> str:
        return self.params["projectKey"]

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


Handler = Callable[["Tx", Request], Any]


class Route:
    """One operation: ``method`` + ``template`` answered by ``handler``."""

    def __init__(
        self,
        method: str,
        template: str,
        handler: Handler,
        *,
        write: bool | None = None,
        raw_body: bool = False,
    ) -> None:
        self.method = method
        #: The body is text, not JSON (library files): the handler gets it as a string.
        self.raw_body = raw_body
        self.template = template
        self.handler = handler
        #: Runs in a write transaction (every method but GET, unless said otherwise).
        self.write = method != "GET" if write is None else write
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


def collection(
    one: str, handlers: tuple[Handler, Handler, Handler, Handler, Handler], base: str = ""
) -> list[Route]:
    """The five routes DSS gives most kinds, written once so each kind names only its handlers:
    list and create on ``base`` (by default ``one``'s parent, with its trailing slash); get,
    save and delete on ``one``."""
    base = base or one[: one.rindex("/") + 1]
    list_all, create, get, put, delete = handlers
    return [
        Route("GET", base, list_all),
        Route("POST", base, create),
        Route("GET", one, get),
        Route("PUT", one, put),
        Route("DELETE", one, delete),
    ]


def get_put(template: str, get: Handler, put: Handler) -> list[Route]:
    """A document DSS reads with GET and saves whole with PUT (settings, metadata, schema...)."""
    return [Route("GET", template, get), Route("PUT", template, put)]


_TABLE: list[Route] = []


def register(routes: Iterable[Route]) -> None:
    """Add routes to the table (each kind module's ``ROUTES``, when :mod:`.kinds` loads)."""
    _TABLE.extend(routes)


def table() -> list[Route]:
    """Every route registered: those of every kind module once :mod:`.kinds` is imported
    (importing :mod:`dsspulumi.sandbox` does it)."""
    return _TABLE


def match(
    method: str, segments: Sequence[str], routes: Sequence[Route] | None = None
) -> tuple[Route, dict[str, str]] | None:
    """The most specific route for ``method`` and the decoded path ``segments``, if any."""
    if routes is None:
        routes = table()
    best: tuple[Route, dict[str, str]] | None = None
    for route in routes:
        params = route.match(method, segments)
        if params is not None and (best is None or route.literal_count > best[0].literal_count):
            best = (route, params)
    return best


def normalise_template(template: str) -> str:
    """Compare templates without caring about leading/trailing slashes."""
    return "/" + template.strip("/")
