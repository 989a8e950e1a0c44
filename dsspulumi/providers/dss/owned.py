"""Ownership of what cannot carry a mark: proven by the state record, not by DSS.

Flow zones have no custom fields or tags (``{id, name, color, items, shared}``), and a
project's variables and permissions are parts of the project, not objects of their own: DSS
has nowhere to keep a dsspulumi mark for them. What proves them ours is the record:

* a zone is addressed by the id DSS generated in answer to *our* create call; an object
  deleted and re-created by hand gets another id, so it is never mistaken for ours (that DSS
  never reuses a zone id is UNVERIFIED -- the safest proof DSS gives);
* variables and permissions are managed key by key (group by group): only the declared keys
  are ever written or removed, so what someone else set is never touched.

The mark of the creating operation is kept in the resource's outputs instead, and ``inspect``
reports it back, so the engine's ownership rules (``found.mark == record.mark``) hold
unchanged. A create whose outcome is unknown and that cannot be found by its id is reported
absent: for variables and permissions the create is repeated (it writes the same keys again);
for zones, see ``dsspulumi.providers.dss.zone``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.kinds import registry, schema
from dsspulumi.provider import ADOPTING, Existing, Found, Mark
from dsspulumi.providers.dss.change import Change, Updates
from dsspulumi.providers.dss.client import DssSession, NotFound

MARK_OUTPUT = "mark"


def recorded_mark(outputs: Mapping[str, Any]) -> str | None:
    """The mark of the operation that created the object, as its outputs recorded it."""
    value = outputs.get(MARK_OUTPUT)
    return value if isinstance(value, str) else None


def carry_mark(outputs: Mapping[str, Any], mark: Mark | None, **values: Any) -> dict[str, Any]:
    """Outputs after a create or update: the new mark if one is given, else the recorded one."""
    out = {**dict(outputs), **values}
    if mark is not None:
        out[MARK_OUTPUT] = mark.id
    return out


class ProjectPartProvider(Updates):
    """Variables and permissions: one read-modify-write of a project document per change.

    Subclasses say how to read and save the document (``_read``/``_save``); the declared
    entries are written into it, removed from it and read back (``_apply``/``_remove``/
    ``_view``) by the kind's schema. Nothing else in the document is touched.
    """

    marks_on_create = True  # nothing is created in DSS: the keys are written in place
    what = ""
    type_token = ""  # for import: the resource type, and the part of the project it is
    part = ""

    def __init__(self, session: DssSession) -> None:
        self.s = session

    def _read(self, key: str) -> dict[str, Any]:
        raise NotImplementedError

    def _save(self, key: str, doc: dict[str, Any]) -> None:
        raise NotImplementedError

    # What is written, removed and compared: the kind's schema (entries managed one by one).
    def _apply(
        self, doc: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any] | None
    ) -> None:
        schema.write_into(registry.resource_class(self.type_token), doc, new, old)

    def _remove(self, doc: dict[str, Any], inputs: Mapping[str, Any]) -> None:
        schema.remove_from(registry.resource_class(self.type_token), doc, inputs)

    def _view(self, doc: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        kind = registry.resource_class(self.type_token)
        return schema.view_of(kind, doc, inputs, project=inputs["project"])

    def _write(self, new: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
        key = new["project"]
        doc = self._read(key)
        self._apply(doc, new, old)
        self._save(key, doc)

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        self._write(inputs, None)
        return carry_mark({}, mark)

    def inspect(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Found | None:
        mark = recorded_mark(outputs)
        if mark is None and not outputs.get(ADOPTING):
            return None  # not recorded as written: a create writes the same keys again
        try:
            doc = self._read(inputs["project"])
        except NotFound:
            return None
        return Found(self._view(doc, inputs), mark)

    def lookup(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        return None  # never looked up: there is no .get() for them

    # --- import: a subclass says what a declaration of the whole document holds ---------------
    def _existing_inputs(self, doc: dict[str, Any], key: str) -> dict[str, Any] | None:
        """The inputs declaring every entry of ``doc`` (None: nothing worth declaring)."""
        raise NotImplementedError

    def read_existing(self, identity: str) -> Existing | None:
        key, _, part = identity.rpartition(".")
        if part != self.part or not key:
            return None
        try:
            inputs = self._existing_inputs(self._read(key), key)
        except NotFound:
            return None
        if inputs is None:
            return None
        return Existing(self.type_token, identity, inputs, outputs={ADOPTING: True})

    def list_existing(self, project_key: str) -> list[Existing]:
        found = self.read_existing(f"{project_key}.{self.part}")
        return [found] if found is not None else []

    def _update(self, change: Change) -> dict[str, Any]:
        self._write(change.new, change.old)
        out = carry_mark(change.outputs, change.mark)
        out.pop(ADOPTING, None)  # adopted: from now on the recorded mark proves it ours
        return out

    def delete(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, owner: str | None
    ) -> None:
        key = inputs["project"]
        try:
            doc = self._read(key)
        except NotFound:
            return  # the project is gone, and its variables and grants with it
        self._remove(doc, inputs)
        self._save(key, doc)
