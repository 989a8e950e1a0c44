"""Values with properties: secret, or known only after apply.

``Secret`` is how a secret travels inside the engine (resource inputs, state,
diffs): it compares by value, but prints, reprs and serialises to JSON as
``[secret]``; the state stores it encrypted. ``Output`` is the program-side
wrapper: a value plus "is it secret" that survives ``apply``, so anything
derived from a secret stays secret.

Values known only after apply
-----------------------------
Some values exist only once DSS has created an object (a managed folder's
generated id, a scenario id, a flow zone id). In the program they are
``Output`` objects *without* a value: ``Output.after_apply(resource, key)``
stands for ``outputs[key]`` of ``resource`` as its provider returns them.
They can be used as inputs of other resources, directly or inside the lists
and dicts of their inputs, and transformed with ``.apply(fn)`` /
``Output.all(...)`` (the function runs once the value is known).

How they travel (all of it is engine machinery; a resource kind only exposes
the property and returns the value from its provider):

1. ``graph``: ``to_engine`` turns each into an ``Unknown`` (producer URN +
   output key + the ``apply`` function), and the producer becomes a
   dependency of the consumer (``Node.output_deps``).
2. ``plan``: when the producer already exists in state and is not created
   or replaced by this plan, the value recorded in its state ``outputs`` is
   put in, so the plan is exact (a no-op preview stays empty and makes no
   DSS call). Otherwise the value stays ``Unknown``: shown as
   ``(known after apply)``, in ``--json`` as ``{"unknown": true}``, and the
   consumer is planned as a create, or as an update (a replace if the path
   forces one) since its value may change.
3. ``up``: the executor runs the producer first (it is a dependency), then
   fills the consumer's inputs from the producer's fresh state outputs before
   calling its provider, and records the resolved inputs in state. An update
   whose resolved inputs equal the recorded ones makes no DSS call.

How a resource kind exposes a generated id (e.g. ``ManagedFolder``, later
``Scenario`` and ``FlowZone``)::

    @property
    def id(self) -> Output[str]:
        return Output.after_apply(self, "id")

and its provider's ``create`` (and ``update``) return ``{"id": <the id DSS
generated>}`` as outputs; the engine stores them in the state record and
hands them back to ``inspect``/``update``/``delete`` in ``outputs``. Use the
Output wherever a consumer's input holds the id (``inputs()`` may simply
return ``folder.id``, or ``folder.id.apply(lambda i: f"{key}.{i}")``); no
dependency needs declaring, the graph finds it in the inputs.

The provider's ``inspect`` gets ``outputs`` empty when a create's answer was
lost (or the run was killed before recording it): it then finds the object
another way (the folder provider lists the project's folders by name) and
returns the id in ``Found(..., outputs={"id": ...})``, which the engine
records; ``update`` likewise must cope with empty ``outputs`` and return the
id. See ``providers/dss/folder.py`` for a complete example.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")
U = TypeVar("U")

MASK = "[secret]"


class Secret:
    """A value that must never be shown or stored in plaintext."""

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = value.reveal() if isinstance(value, Secret) else value

    def reveal(self) -> Any:
        return self._value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("secret", repr(self._value)))

    def __repr__(self) -> str:
        return MASK

    __str__ = __repr__


class Sealed:
    """A secret still encrypted (read without its key, e.g. by `dss stack export`)."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)

    def __repr__(self) -> str:
        return MASK


UNKNOWN_TEXT = "(known after apply)"

# Where an unknown value comes from: (producing resource, output key) in programs,
# (producer URN, output key) in the engine.
Source = tuple[Any, str]
# Turns the values of the sources, in order, into the value itself.
Combine = Callable[[list[Any]], Any]


def _first(values: list[Any]) -> Any:
    return values[0]


class Unknown:
    """Engine value known only after apply: a function of outputs of other resources.

    Never stored in state: the plan puts in recorded values, the executor fresh ones.
    Compares equal only to the same placeholder, so a consumer holding one is never
    ``same``.
    """

    __slots__ = ("sources", "fn", "secret")

    def __init__(
        self, sources: tuple[tuple[str, str], ...], fn: Combine = _first, secret: bool = False
    ) -> None:
        self.sources = sources
        self.fn = fn
        self.secret = secret

    def resolve(self, value_of: Callable[[str, str], Any]) -> Any:
        """The value, given ``value_of(urn, key)``; secret if any part is."""
        values = [value_of(urn, key) for urn, key in self.sources]
        secret = self.secret or any(isinstance(v, Secret) for v in values)
        value = self.fn([unwrap(v) for v in values])
        return Secret(value) if secret else value

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Unknown)
            and other.sources == self.sources
            and other.fn is self.fn
            and other.secret == self.secret
        )

    def __hash__(self) -> int:
        return hash(self.sources)

    def __deepcopy__(self, memo: Any) -> Unknown:
        return self  # immutable

    def __repr__(self) -> str:
        return UNKNOWN_TEXT


class Output(Generic[T]):
    """A program value that may be secret, or known only after apply.

    ``apply`` keeps the secretness; on a value known only after apply it runs once the
    value is known (see the module docstring).
    """

    __slots__ = ("_value", "_secret", "_sources", "_fn")
    _value: Any
    _secret: bool
    _sources: tuple[Source, ...]
    _fn: Combine

    def __init__(self, value: T, *, secret: bool = False) -> None:
        self._sources = ()
        self._fn = _first
        if isinstance(value, Output):
            secret = secret or value.is_secret
            self._sources, self._fn = value._sources, value._fn
            value = value._value
        if isinstance(value, Secret):
            secret, value = True, value.reveal()
        self._value = value
        self._secret = secret

    @staticmethod
    def after_apply(resource: Any, key: str, *, secret: bool = False) -> Output[Any]:
        """``outputs[key]`` of ``resource``: a value only DSS knows, once it is applied."""
        out: Output[Any] = Output(None, secret=secret)
        out._sources = ((resource, key),)
        return out

    @property
    def is_secret(self) -> bool:
        return self._secret

    @property
    def is_known(self) -> bool:
        return not self._sources

    @property
    def resources(self) -> list[Any]:
        """The resources whose outputs this value waits for (none when known)."""
        return [r for r, _key in self._sources]

    def apply(self, fn: Callable[[T], U]) -> Output[U]:
        if self._sources:
            inner = self._fn
            out: Output[U] = Output(None, secret=self._secret)  # type: ignore[arg-type]
            out._sources = self._sources
            out._fn = lambda values: fn(inner(values))
            return out
        return Output(fn(self._value), secret=self._secret)

    @staticmethod
    def secret(value: U) -> Output[U]:
        return Output(value, secret=True)

    @staticmethod
    def all(*values: Any) -> Output[list[Any]]:
        """One Output of a list; secret if any part is, known after apply if any part is."""
        secret = any(isinstance(v, Output) and v.is_secret or isinstance(v, Secret) for v in values)
        if not any(isinstance(v, Output) and not v.is_known for v in values):
            return Output([unwrap(v) for v in values], secret=secret)
        sources: list[Source] = []
        parts: list[tuple[int, int, Combine | None, Any]] = []  # (start, count, fn, constant)
        for v in values:
            if isinstance(v, Output) and not v.is_known:
                parts.append((len(sources), len(v._sources), v._fn, None))
                sources.extend(v._sources)
            else:
                parts.append((0, 0, None, unwrap(v)))

        def combine(vals: list[Any]) -> list[Any]:
            return [
                const if fn is None else fn(vals[start : start + count])
                for start, count, fn, const in parts
            ]

        out: Output[list[Any]] = Output([], secret=secret)
        out._sources, out._fn = tuple(sources), combine
        return out

    def _reveal(self) -> T:
        if self._sources:
            from dsspulumi.errors import ResourceValidationError

            raise ResourceValidationError(
                f"{self!r} is a value DSS generates ({self._describe()}); it is known only "
                "after apply. Pass the Output itself as an input of a resource, or derive "
                "from it with .apply(fn)"
            )
        return self._value

    def _describe(self) -> str:
        return ", ".join(f"{r!r}.{key}" for r, key in self._sources)

    def __repr__(self) -> str:
        if self._sources:
            return f"Output({UNKNOWN_TEXT})"
        return f"Output({MASK if self._secret else repr(self._value)})"

    def __str__(self) -> str:
        if self._sources:
            self._reveal()  # raises: a placeholder text must never reach DSS silently
        return MASK if self._secret else str(self._value)


def unwrap(value: Any) -> Any:
    """The plain value inside an Output or Secret (for computing, never for showing).

    An Output known only after apply has no value yet: that is an error (a clear one).
    """
    if isinstance(value, Output):
        return value._reveal()
    if isinstance(value, Secret):
        return value.reveal()
    return value


def is_unknown(value: Any) -> bool:
    """An Output (program side) or Unknown (engine side) whose value is known after apply."""
    return isinstance(value, Unknown) or (isinstance(value, Output) and not value.is_known)


# Values that convert to themselves, tested by exact type (the common case, and cheap).
_PLAIN = frozenset({str, int, float, bool, type(None)})


def to_engine(
    value: Any,
    urn_of: Callable[[Any], str] | None = None,
    producers: list[Any] | None = None,
) -> Any:
    """Program values -> engine values: secret Outputs become Secret, others plain data.

    An Output known only after apply becomes ``Unknown`` (its resources named by
    ``urn_of(resource)``), and each resource it waits for is appended to ``producers``.
    Mappings become dicts and tuples lists. Iterative (an explicit work list, no
    recursion), so the nesting depth of a value is not limited by the interpreter's
    recursion limit, and plain values cost one type test.
    """
    if type(value) in _PLAIN:
        return value
    root: list[Any] = [None]
    todo: list[tuple[Any, Any, Any]] = [(value, root, 0)]  # (program value, container, key)
    while todo:
        item, container, key = todo.pop()
        container[key] = _shell(item, todo, urn_of, producers)
    return root[0]


def _unknown(
    value: Output[Any], urn_of: Callable[[Any], str] | None, producers: list[Any] | None
) -> Unknown:
    if producers is not None:
        producers.extend(value.resources)
    name = urn_of or (lambda r: f"{getattr(r, 'type_token', '?')}::{r.logical_name}")
    sources = tuple((name(r), key) for r, key in value._sources)
    return Unknown(sources, value._fn, value.is_secret)


def _shell(
    value: Any,
    todo: list[tuple[Any, Any, Any]],
    urn_of: Callable[[Any], str] | None = None,
    producers: list[Any] | None = None,
) -> Any:
    """``value`` converted at its own level; nested values still to convert go to ``todo``."""
    secret = False
    while isinstance(value, Output):
        if value._sources:
            return _unknown(value, urn_of, producers)
        secret = secret or value.is_secret
        value = value._reveal()
    out: Any
    if type(value) in _PLAIN:
        out = value
    elif isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            kind = type(v)
            if kind in _PLAIN:
                out[k] = v
            elif kind is list and _PLAIN.issuperset(map(type, v)):
                out[k] = v[:]  # a list of plain values (names, tags): done here
            elif kind is dict and _PLAIN.issuperset(map(type, v.values())):
                out[k] = v.copy()  # a dict of plain values (settings): done here
            else:
                out[k] = None  # keeps the key order; filled from ``todo``
                todo.append((v, out, k))
    elif isinstance(value, list | tuple):
        out = list(value)
        for i, v in enumerate(out):
            if type(v) not in _PLAIN:
                todo.append((v, out, i))
    else:
        out = value
    return Secret(out) if secret else out


def _map_leaves(value: Any, leaf: Callable[[Any], Any]) -> Any:
    """A copy of the dicts and lists of ``value``, with ``leaf`` applied to everything else."""
    if isinstance(value, Mapping):
        return {k: _map_leaves(v, leaf) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_leaves(v, leaf) for v in value]
    return leaf(value)


def _reveal(value: Any) -> Any:
    return reveal_all(value.reveal()) if isinstance(value, Secret) else value


def reveal_all(value: Any) -> Any:
    """Engine values -> what the provider sends to DSS (plaintext)."""
    return _map_leaves(value, _reveal)


def _mask(value: Any) -> Any:
    if isinstance(value, Secret | Sealed):
        return MASK
    if isinstance(value, Unknown):
        return {"unknown": True}
    return value


def mask_all(value: Any) -> Any:
    """Engine values -> what may be shown: secrets as ``[secret]``, values known only after
    apply as ``{"unknown": true}``."""
    return _map_leaves(value, _mask)


#: Stands for a value known only after apply in a plan dumped as JSON; the renderers then
#: replace it by the bare words (no quotes: it is not a string DSS will get).
UNKNOWN_TOKEN = "\u2063known after apply\u2063"


def shown(value: Any) -> Any:
    """``value`` as a plan may show it: secrets masked, values known only after apply as
    :data:`UNKNOWN_TOKEN`."""
    return _map_leaves(value, lambda v: UNKNOWN_TOKEN if isinstance(v, Unknown) else _mask(v))


def contains_secret(value: Any) -> bool:
    if isinstance(value, Secret | Sealed):
        return True
    if isinstance(value, Unknown):
        return value.secret
    if isinstance(value, Mapping):
        return any(contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secret(v) for v in value)
    return False


def secret_like(template: Any, value: Any) -> Any:
    """``value`` (read from DSS) with the paths that are secret in ``template`` marked secret.

    A secret DSS cannot give back (``SecretDigest``) stays as declared.
    """
    if getattr(template, "known", None) is not None:  # a SecretDigest (secrets.digest)
        return template
    if isinstance(template, Secret | Sealed):
        return Secret(value)
    if isinstance(template, Mapping) and isinstance(value, Mapping):
        return {k: secret_like(template.get(k), v) for k, v in value.items()}
    if isinstance(template, list) and isinstance(value, list) and len(template) == len(value):
        return [secret_like(t, v) for t, v in zip(template, value, strict=True)]
    return value


def has_unknown(value: Any) -> bool:
    """Whether an engine value holds an ``Unknown`` anywhere."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, Mapping):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return False


def unknown_paths(value: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Property paths (dicts walked, lists whole) whose value holds an ``Unknown``."""
    out = []
    for key, v in value.items():
        path = f"{prefix}{key}"
        if isinstance(v, Mapping):
            out.extend(unknown_paths(v, path + "."))
        elif has_unknown(v):
            out.append(path)
    return out


def resolve_unknowns(
    value: Any, value_of: Callable[[str, str], Any], *, partial: bool = False
) -> Any:
    """``value`` with every ``Unknown`` replaced by its value (``value_of(urn, key)``).

    With ``partial``, an Unknown whose ``value_of`` raises ``KeyError`` stays unknown.
    Containers without any Unknown are returned as they are (not copied).
    """
    if isinstance(value, Unknown):
        if partial:
            try:
                return value.resolve(value_of)
            except KeyError:
                return value
        return value.resolve(value_of)
    if isinstance(value, Mapping):
        if not has_unknown(value):
            return value
        return {k: resolve_unknowns(v, value_of, partial=partial) for k, v in value.items()}
    if isinstance(value, list):
        if not has_unknown(value):
            return value
        return [resolve_unknowns(v, value_of, partial=partial) for v in value]
    return value
