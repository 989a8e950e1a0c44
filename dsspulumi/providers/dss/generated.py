"""Kinds whose id DSS generates (managed folders, scenarios): one way to find them, by mark.

The id DSS answers to the create call is the object's output, and every later call addresses
it. Without it -- a create whose answer was lost, a run killed before recording it, or the
name check before a create -- the object is found the one same way for every such kind:

* the objects of that name are listed and each one's mark read (``kinds.marks``);
* one carrying a mark of this run's create attempts is this run's;
* with no attempt to look for (the check before a create, the next run after a crash), the
  newest same-named object carrying any mark is reported, and the engine adopts it only if it
  carries the interrupted operation's mark;
* where the create call cannot carry the mark (``marks_on_create = False``: it is written just
  after), an unmarked same-named object is reported too: the engine claimed the name before the
  call and adopts it only if DSS created it after that claim (``engine._claim``), which is the
  one generic fallback for the instant an object exists unmarked. Kinds DSS gives nowhere to
  keep a mark at all (zones) rely on that fallback alone.

Updates, deletes and releases never act on a guess: without a recorded id they need a mark to
find the object by (the record's, or this run's attempt), else they leave DSS untouched.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from dsspulumi.kinds import registry
from dsspulumi.kinds.marks import MarkedDocument, created_at, read_mark
from dsspulumi.provider import Existing, Mark
from dsspulumi.providers.dss.change import Updates
from dsspulumi.providers.dss.client import DssSession, NotFound
from dsspulumi.providers.dss.inventory import listed
from dsspulumi.providers.dss.marked import MarkReleaser


class GeneratedIds(Updates):
    """Finding an object whose id DSS generates: by mark, or by the one generic fallback."""

    marks_on_create: bool = True
    noun = "object"  # "managed folder", "scenario": for messages
    type_token = ""

    def __init__(self, session: DssSession) -> None:
        self.s = session
        self._lock = threading.Lock()
        self._attempts: dict[tuple[str, str], set[str]] = {}  # marks of creates this run
        # For a kind that holds no mark: the ids listed just before this run's create call.
        self._before: dict[tuple[str, str], tuple[set[str], str]] = {}

    # --- what a kind says ----------------------------------------------------------------------
    def _listing(self, project_key: str) -> list[Mapping[str, Any]]:
        """The kind's objects in the project (``id``, ``name``): the inventory's listing."""
        found = listed(self.s, project_key, self.type_token)
        return [{"id": obj.id, "name": obj.name} for obj in found]

    def _handle(self, inputs: Mapping[str, Any], ident: str) -> Any:
        raise NotImplementedError

    def read_existing(self, identity: str) -> Existing | None:
        """Import: the object ``PROJECT.ID`` (None if absent, or not declarable)."""
        raise NotImplementedError

    def list_existing(self, project_key: str) -> list[Existing]:
        """Import: every object of the kind the inventory lists in the project, read by id."""
        try:
            items = self._listing(project_key)
        except NotFound:
            return []
        found = [self.read_existing(f"{project_key}.{item['id']}") for item in items]
        return [f for f in found if f is not None]

    # --- shared ----------------------------------------------------------------------------------
    def _what(self, inputs: Mapping[str, Any], ident: str | None = None) -> str:
        suffix = f" (id {ident})" if ident else ""
        return f"{self.noun} '{inputs['name']}' of project {inputs['project']}{suffix}"

    def _settings(self, inputs: Mapping[str, Any], ident: str) -> Any:
        with self.s.call(f"read the settings of {self._what(inputs, ident)}"):
            return self._handle(inputs, ident).get_settings()

    def _remember(self, inputs: Mapping[str, Any], mark: Mark) -> None:
        """Before a create call: its mark is how a lost answer is found again. A kind that
        holds no mark lists its objects first: what appears after is the create's."""
        key = (inputs["project"], inputs["name"])
        before = None
        if not registry.resource_class(self.type_token).holds_mark:  # type: ignore[attr-defined]
            before = {str(item["id"]) for item in self._listing(inputs["project"])}
        with self._lock:
            self._attempts.setdefault(key, set()).add(mark.id)
            if before is not None:
                self._before[key] = (before, mark.id)

    def _attempted(self, inputs: Mapping[str, Any]) -> set[str]:
        with self._lock:
            return set(self._attempts.get((inputs["project"], inputs["name"]), set()))

    def _locate(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], marks: set[str]
    ) -> str:
        """The object's id: recorded, or found by name and mark (see the module's docstring).
        NotFound when there is none."""
        ident = outputs.get("id")
        if isinstance(ident, str) and ident:
            return ident
        key = inputs["project"]
        candidates = []
        for item in self._listing(key):
            if item.get("name") != inputs["name"] or not isinstance(item.get("id"), str):
                continue
            raw = self._settings(inputs, str(item["id"])).get_raw()
            found = read_mark(raw)
            if found is None:
                eligible = not self.marks_on_create  # the engine's claim decides by time
            else:
                eligible = not marks or found in marks
            if eligible:
                candidates.append((found in marks, created_at(raw) or 0.0, str(item["id"])))
        if not candidates:
            raise NotFound(f"{self._what(inputs)}: none of that name can be this stack's")
        return max(candidates)[2]

    def _locate_unmarked(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, proven: bool = False
    ) -> tuple[str, str | None]:
        """The one generic fallback, for a kind DSS gives nowhere to keep a mark (zones): the
        recorded id, else the same-named object that appeared after the listing taken just
        before this run's create call -- this run's, with its mark. Any other same-named
        object is reported without a mark (the engine never adopts it: a conflict); with
        ``proven`` (a change or a delete) it is not even reported. NotFound otherwise."""
        ident = outputs.get("id")
        if isinstance(ident, str) and ident:
            mark = outputs.get("mark")
            return ident, mark if isinstance(mark, str) else None
        with self._lock:
            attempt = self._before.get((inputs["project"], inputs["name"]))
        if attempt is None and proven:
            raise NotFound(f"{self._what(inputs)}: no id recorded")
        before, mark_id = attempt if attempt is not None else (set(), "")
        named = [
            str(item["id"])
            for item in self._listing(inputs["project"])
            if item.get("name") == inputs["name"] and str(item["id"]) not in before
        ]
        if not named:
            raise NotFound(f"{self._what(inputs)}: none of that name")
        ours = attempt is not None and len(named) == 1
        return named[0], mark_id if ours else None

    def _proven_id(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], owner: str | None
    ) -> str:
        """For a change: the recorded id, or the object carrying the record's mark (or this
        run's attempt's). NotFound when nothing proves which object is ours."""
        marks = ({owner} if owner is not None else set()) | self._attempted(inputs)
        if not isinstance(outputs.get("id"), str) and not marks:
            raise NotFound(f"{self._what(inputs)}: no id recorded and no mark to find it by")
        return self._locate(inputs, outputs, marks)


class GeneratedIdProvider(GeneratedIds, MarkReleaser):
    """A kind whose id DSS generates and that keeps its mark in DSS (folders, scenarios)."""

    def _marked_document(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], owner: str | None
    ) -> MarkedDocument:
        ident = self._proven_id(inputs, outputs, owner)
        settings = self._settings(inputs, ident)

        def save() -> None:
            with self.s.call(f"save the settings of {self._what(inputs, ident)}"):
                settings.save()

        return MarkedDocument(settings.get_raw(), save)
