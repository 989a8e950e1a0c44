"""Values with properties: secret, or known only after apply.

``Secret`` is how a secret travels inside the engine (resource inputs, state,
diffs): it compares by value, but prints, reprs and serialises to JSON as
``[secret]``; the state stores it encrypted. ``Output`` is the program-side
wrapper: a value plus "is it secret" that survives ``apply``, so anything
derived from a secret stays secret.
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


class Output(Generic[T]):
    """A program value that may be secret; ``apply`` keeps the secretness."""

    __slots__ = ("_value", "_secret")
    _value: Any
    _secret: bool

    def __init__(self, value: T, *, secret: bool = False) -> None:
        if isinstance(value, Output):
            secret = secret or value.is_secret
            value = value._value
        if isinstance(value, Secret):
            secret, value = True, value.reveal()
        self._value = value
        self._secret = secret

    @property
    def is_secret(self) -> bool:
        return self._secret

    def apply(self, fn: Callable[[T], U]) -> Output[U]:
        return Output(fn(self._value), secret=self._secret)

    @staticmethod
    def secret(value: U) -> Output[U]:
        return Output(value, secret=True)

    @staticmethod
    def all(*values: Any) -> Output[list[Any]]:
        """One Output of a list; secret if any part is."""
        secret = any(isinstance(v, Output) and v.is_secret or isinstance(v, Secret) for v in values)
        return Output([unwrap(v) for v in values], secret=secret)

    def _reveal(self) -> T:
        return self._value

    def __repr__(self) -> str:
        return f"Output({MASK if self._secret else repr(self._value)})"

    def __str__(self) -> str:
        return MASK if self._secret else str(self._value)


def unwrap(value: Any) -> Any:
    """The plain value inside an Output or Secret (for computing, never for showing)."""
    if isinstance(value, Output):
        return value._reveal()
    if isinstance(value, Secret):
        return value.reveal()
    return value


# Values that convert to themselves, tested by exact type (the common case, and cheap).
_PLAIN = frozenset({str, int, float, bool, type(None)})


def to_engine(value: Any) -> Any:
    """Program values -> engine values: secret Outputs become Secret, others plain data.

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
        container[key] = _shell(item, todo)
    return root[0]


def _shell(value: Any, todo: list[tuple[Any, Any, Any]]) -> Any:
    """``value`` converted at its own level; nested values still to convert go to ``todo``."""
    secret = False
    while isinstance(value, Output):
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


def reveal_all(value: Any) -> Any:
    """Engine values -> what the provider sends to DSS (plaintext)."""
    if isinstance(value, Secret):
        return reveal_all(value.reveal())
    if isinstance(value, Mapping):
        return {k: reveal_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal_all(v) for v in value]
    return value


def mask_all(value: Any) -> Any:
    """Engine values -> what may be shown: secrets as ``[secret]``."""
    if isinstance(value, Secret | Sealed):
        return MASK
    if isinstance(value, Mapping):
        return {k: mask_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_all(v) for v in value]
    return value


def contains_secret(value: Any) -> bool:
    if isinstance(value, Secret | Sealed):
        return True
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
