"""What the providers of instance-level objects (connections, groups, users, code envs)
share: admin-key refusals, ownership by creation identity, one settings document each.

Instance objects have no project and, except users, no place where DSS keeps custom
fields, so most cannot carry the ownership mark. Their ownership is proven the way a
dataset's is in the instant before its mark is written: the engine records that the name
was free just before the create call (``marks_on_create = False``), and the create's
answer is ours. The record then keeps the object's *creation identity*: the mark id and
DSS's creation time (``creationTag.lastModifiedOn``, in ms). An object deleted and
re-created outside dsspulumi has another creation time, so it is not ours: ``update`` and
``delete`` refuse it and ``refresh`` drops it. (Where DSS reports no creation time, the
name is all there is to go by.) A kind that does keep custom properties (users) overrides
``_read_mark`` / ``_write_mark`` to carry a real mark.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Mapping
from typing import Any

from dsspulumi.errors import ProviderError
from dsspulumi.kinds import registry, schema
from dsspulumi.kinds.marks import refuse_unless_owned
from dsspulumi.provider import Existing, Found, Mark
from dsspulumi.providers.dss.change import Change, Updates
from dsspulumi.providers.dss.client import (
    DssSession,
    MarkFields,
    NotFound,
    after_creation,
    created_at,
    deep_merge,
    dss_sentence,
)

UNAUTHORIZED = "com.dataiku.dip.exceptions.UnauthorizedException"


@contextlib.contextmanager
def admin_call(session: DssSession, what: str) -> Iterator[None]:
    """A call to an ``/admin/`` endpoint: a non-admin key's refusal said in one clear line."""
    try:
        with session.call(what):
            yield
    except ProviderError as exc:
        if exc.dss_message.startswith(UNAUTHORIZED):
            raise ProviderError(
                f"cannot {what}: this needs an admin API key, and the key in use is not an "
                f"admin's (DSS said: {dss_sentence(exc.dss_message)}). Set DKU_API_KEY (or the "
                "secret config dss:api_key) to an admin user's API key",
                dss_message=exc.dss_message,
            ) from exc
        raise


def creation_ms(doc: Mapping[str, Any]) -> int | None:
    when = created_at(doc)
    return None if when is None else int(round(when * 1000))


def set_extra(doc: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
    """``extra_settings`` merged into the document (what the typed fields do not cover)."""
    deep_merge(doc, new.get("extra_settings") or {})


class InstanceObjectProvider(Updates):
    """Create (POST, then GET → edit → PUT), inspect, update and delete one settings document.

    Subclasses say how to reach the document (``_get``, ``_put``, ``_post``, ``_remove``),
    what the stack manages in it (``_edit``, ``_view``) and name it (``_what``).
    """

    marks_on_create = False
    address = "name"  # the field naming the object (its whole identity)
    # Why an object is not ours when its creation identity differs (None: by its real mark).
    _foreign: str | None = "DSS created it at another time than the recorded one"

    def __init__(self, session: DssSession) -> None:
        self.s = session

    # --- what a kind defines -----------------------------------------------------------------
    def _what(self, inputs: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def _get(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The settings document; raises ``NotFound`` when the object does not exist."""
        raise NotImplementedError

    def _put(self, inputs: Mapping[str, Any], doc: dict[str, Any]) -> None:
        raise NotImplementedError

    def _post(self, inputs: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def _remove(self, inputs: Mapping[str, Any]) -> None:
        raise NotImplementedError

    # By default from the kind's schema (``dsspulumi.kinds.schema``): the object's name is its
    # address, every other field a path of the document.
    def _kind(self) -> type:
        return registry.resource_class(self.type_token)

    def _edit(
        self, doc: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any] | None
    ) -> None:
        schema.write_into(self._kind(), doc, new, old)

    def _view(self, doc: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        return schema.view_of(self._kind(), doc, inputs, **{self.address: inputs[self.address]})

    # --- import: a kind says what a declaration of the whole document holds ----------------
    type_token = ""

    def _existing_inputs(self, doc: Mapping[str, Any], name: str) -> dict[str, Any] | None:
        """The inputs declaring the object ``doc`` (None: the kind cannot be imported yet)."""
        kind = self._kind()
        if not schema.declares(kind):
            return None
        return schema.existing_of(kind, doc, **{self.address: name})

    def read_existing(self, identity: str) -> Existing | None:
        try:
            doc = self._get({"name": identity, "login": identity})
        except NotFound:
            return None
        inputs = self._existing_inputs(doc, identity)
        if inputs is None:
            return None
        return Existing(self.type_token, identity, inputs, **self._mark_fields(doc))

    def list_existing(self, project_key: str) -> list[Existing]:
        return []  # instance objects belong to no project: `dss import resource` adopts them

    # --- ownership ---------------------------------------------------------------------------
    def _read_mark(self, doc: Mapping[str, Any], outputs: Mapping[str, Any]) -> str | None:
        """The mark the object carries: its creation identity matched against the record."""
        recorded = outputs.get("created_on")
        actual = creation_ms(doc)
        if recorded is not None and actual is not None and recorded != actual:
            return None  # another object of the same name: created at another time
        mark = outputs.get("mark")
        return mark if isinstance(mark, str) else None

    def _write_mark(self, doc: dict[str, Any], mark: Mark) -> None:
        """Kinds with custom properties write the mark into the document (users)."""

    def _mark_fields(self, doc: Mapping[str, Any]) -> MarkFields:
        """The mark written in the document and whose it is (users); nothing elsewhere."""
        return {"mark": None, "mark_urn": None, "mark_stack": None, "mark_backend": None}

    def _outputs(self, doc: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        return {"mark": mark.id, "created_on": creation_ms(doc)}

    def _check_owner(
        self, doc: Mapping[str, Any], outputs: Mapping[str, Any], owner: str | None, what: str
    ) -> None:
        found = self._read_mark(doc, outputs)
        refuse_unless_owned(found, owner, what, origin=self._foreign)

    # --- the provider protocol ---------------------------------------------------------------
    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        self._post(inputs)
        with after_creation(self._what(inputs)):
            return self._write(Change.creating(inputs, mark))

    def inspect(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Found | None:
        try:
            doc = self._get(inputs)
        except NotFound:
            return None
        marks = self._mark_fields(doc)
        marks["mark"] = self._read_mark(doc, outputs)  # ownership by creation identity
        return Found(self._view(doc, inputs), created_at=created_at(doc), **marks)

    def lookup(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            self._get(identity)
        except NotFound:
            return None
        return dict(identity)

    def _update(self, change: Change) -> dict[str, Any]:
        try:
            return self._write(change)
        except NotFound:
            raise ProviderError(
                f"{self._what(change.new)} was deleted outside dsspulumi; run `dss refresh` to "
                "drop it from the state, then `dss up` to create it again"
            ) from None

    def delete(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, owner: str | None
    ) -> None:
        try:
            if owner is not None:
                self._check_owner(self._get(inputs), outputs, owner, self._what(inputs))
            self._remove(inputs)
        except NotFound:
            pass

    def _write(self, change: Change) -> dict[str, Any]:
        new, old = change.new, change.old
        doc = self._get(new)
        self._check_owner(doc, change.outputs, change.owner, self._what(new))
        edited = copy.deepcopy(doc)
        self._edit(edited, new, old)
        if change.mark is not None:
            self._write_mark(edited, change.mark)
        self._put(new, edited)
        return self._outputs(doc, change.mark) if change.mark is not None else dict(change.outputs)
