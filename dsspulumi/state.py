"""The state of one stack in one environment, and its one (un)structuring converter.

State is versioned JSON. A file written by a newer dsspulumi is refused with
"upgrade"; a corrupt one is reported with where it broke. Serialization stays
here, at the edge: the engine works with these attrs classes only.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import attrs

from dsspulumi.errors import CorruptStateError, StateError
from dsspulumi.output import Sealed
from dsspulumi.secrets import SECRET_KEY, Crypter, dumps_sealed, unseal
from dsspulumi.secrets.digest import from_state as digest_from_state

STATE_VERSION = 1


def now() -> float:
    return time.time()


@attrs.define
class ResourceState:
    urn: str
    type: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any] = attrs.field(factory=dict)
    dependencies: list[str] = attrs.field(factory=list)
    protect: bool = False
    retain_on_delete: bool = False
    created_at: float = attrs.field(factory=now)
    updated_at: float = attrs.field(factory=now)
    # The ownership mark this stack wrote into the DSS object when it created it (the id of
    # the creating operation). None for records written before marks existed: trusted as ours.
    mark: str | None = None


def new_operation_id() -> str:
    return uuid.uuid4().hex


@attrs.define
class PendingOperation:
    """An API call that may or may not have happened: recorded before it, cleared after.

    ``id`` is written into any object the operation creates (the ownership mark), so the
    next run adopts only an object carrying it. An operation read from an older state has
    no id of its own: it gets a fresh one, which no DSS object carries, so nothing is adopted.
    """

    urn: str
    op: str  # create | update | delete | replace | import | release
    type: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any] = attrs.field(factory=dict)
    dependencies: list[str] = attrs.field(factory=list)
    started_at: float = attrs.field(factory=now)
    id: str = attrs.field(factory=new_operation_id)
    # The mark of the object the operation works on, when it already existed (update, delete,
    # the old half of a replace).
    mark: str | None = None
    # A create whose object cannot carry the mark from its first instant (DSS creation bodies
    # have no custom fields): the name was found free, on DSS's clock at ``claimed_at``,
    # just before the create call. An unmarked object that DSS says it created right after
    # that instant is this operation's.
    absent: bool = False
    claimed_at: float | None = None


@attrs.define
class State:
    stack: str
    env: str
    version: int = STATE_VERSION
    serial: int = 0
    resources: list[ResourceState] = attrs.field(factory=list)
    pending: list[PendingOperation] = attrs.field(factory=list)
    outputs: dict[str, Any] = attrs.field(factory=dict)
    updated_at: float = attrs.field(factory=now)
    # Unique per write, so that two state documents never have equal bytes (ETag safety).
    nonce: str = ""
    # Copy of the secrets provider settings that encrypted this state's secrets.
    secrets: dict[str, str] | None = None
    # Which state this is (``dsspulumi.ownership``): minted on its first write, then kept
    # forever and carried by export/import. Every ownership mark it writes records it. None
    # only until then (a new stack, or a state written before identities existed).
    identity: str | None = None
    # urn -> position in ``resources``, so that ``get`` and ``put`` (once per step of a
    # run) do not scan the list: O(n) instead of O(n^2) over a run. Not serialized; made
    # again whenever ``resources`` is another list or changed length (``remove`` makes a
    # new list; code that replaces an item of the list in place must use ``put``).
    _positions: dict[str, int] | None = attrs.field(default=None, init=False, eq=False, repr=False)
    _indexed: list[ResourceState] | None = attrs.field(
        default=None, init=False, eq=False, repr=False
    )

    def by_urn(self) -> dict[str, ResourceState]:
        return {r.urn: r for r in self.resources}

    def _index(self) -> dict[str, int]:
        resources = self.resources
        positions = self._positions
        if positions is None or self._indexed is not resources or len(positions) != len(resources):
            positions = {r.urn: i for i, r in enumerate(resources)}
            if len(positions) != len(resources):  # duplicate urns: first one wins, like a scan
                positions = {}
                for i, r in enumerate(resources):
                    positions.setdefault(r.urn, i)
            self._positions, self._indexed = positions, resources
        return positions

    def get(self, urn: str) -> ResourceState | None:
        i = self._index().get(urn)
        return self.resources[i] if i is not None else None

    def put(self, record: ResourceState) -> None:
        positions = self._index()
        i = positions.get(record.urn)
        if i is not None:
            self.resources[i] = record
        else:
            positions[record.urn] = len(self.resources)
            self.resources.append(record)

    def remove(self, urn: str) -> None:
        self.resources = [r for r in self.resources if r.urn != urn]

    def set_pending(self, op: PendingOperation) -> None:
        self.clear_pending(op.urn)
        self.pending.append(op)

    def clear_pending(self, urn: str) -> None:
        self.pending = [p for p in self.pending if p.urn != urn]


def _make_converter() -> Any:
    import cattrs

    made = cattrs.Converter(forbid_extra_keys=False)
    structure_json_object = made.get_structure_hook(dict[str, Any])

    def json_object(value: Any, type_: Any) -> dict[str, Any]:
        """``dict[str, Any]`` fields (inputs, outputs): a parsed JSON object is used as is.

        cattrs would copy each one: for a 10,000-resource state, 20,000 dicts made and
        dropped on every load. Anything else goes through cattrs, errors included.
        """
        if type(value) is dict:
            return value
        return structure_json_object(value, type_)

    made.register_structure_hook_func(lambda t: t == dict[str, Any], json_object)
    return made


class _Converter:
    """The one cattrs converter, made (and cattrs imported) on first use.

    A first preview reads no state and needs neither.
    """

    _made: Any = None

    def __getattr__(self, name: str) -> Any:
        if _Converter._made is None:
            _Converter._made = _make_converter()
        return getattr(_Converter._made, name)


converter: Any = _Converter()


def _class_validation_error() -> type[Exception]:
    from cattrs.errors import ClassValidationError

    return ClassValidationError


def to_json(state: State, crypter: Crypter | None = None) -> bytes:
    """Serialize; every Secret is encrypted with ``crypter`` (an error if there is none)."""
    # Compact: indent= switches json to its pure-Python encoder, several times slower.
    where = f"state of {state.stack}"
    return dumps_sealed(converter.unstructure(state), crypter, where=where).encode("utf-8")


def from_json(data: bytes | str, *, where: str, crypter: Crypter | None = None) -> State:
    """Parse a state document; ``where`` names it in every error.

    Encrypted values are opened with ``crypter``; without one they stay ``Sealed``
    (opaque), which is enough to export, import or count resources.
    """
    """Parse a state document; ``where`` names the file or object in every error."""
    # Encrypted values become Sealed while parsing (no second walk over every value);
    # they are opened below, after the version check, only if there are any.
    sealed: list[Sealed] = []

    def seal_hook(obj: dict[str, Any]) -> Any:
        if len(obj) == 1:
            token = obj.get(SECRET_KEY)
            if isinstance(token, str):
                sealed.append(Sealed(token))
                return sealed[-1]
            digest = digest_from_state(obj)
            if digest is not None:
                return digest
        return obj

    try:
        raw = json.loads(data, object_hook=seal_hook)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorruptStateError(
            f"state {where} is corrupt (not valid JSON: {exc}); it was left untouched"
        ) from None
    if not isinstance(raw, dict):
        raise CorruptStateError(f"state {where} is corrupt: expected a JSON object")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise CorruptStateError(f"state {where} is corrupt: 'version' must be an integer")
    if version > STATE_VERSION:
        raise StateError(
            f"state {where} was written by a newer dsspulumi (format {version}, this one reads "
            f"up to {STATE_VERSION}); upgrade dsspulumi"
        )
    if sealed and crypter is not None:
        raw = unseal(json.loads(data), crypter)
    try:
        return converter.structure(raw, State)
    except _class_validation_error() as exc:
        import cattrs

        details = "; ".join(cattrs.transform_error(exc, path="$"))
        raise CorruptStateError(f"state {where} is corrupt: {details}") from None
    except (TypeError, ValueError, KeyError) as exc:
        raise CorruptStateError(f"state {where} is corrupt: {exc}") from None
