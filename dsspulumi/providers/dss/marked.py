"""Releasing an ownership mark: one path for every kind whose mark lives in a DSS document.

An object left in DSS by ``retain_on_delete`` leaves the state; if it kept the mark, it would
still read as that state's, and no other stack could adopt it. So the release removes the
mark, in the same document it was written to, with one GET and one PUT, and leaves a
``dsspulumi.released`` note for people. A kind says only where its mark lives
(``_marked_document``); reading the owner, stripping the fields and saving are shared here.

Projects (metadata), datasets and recipes (settings), managed folders and scenarios
(definitions) keep it in ``customFields``; users in ``adminProperties``. Kinds whose mark is
kept in the state record (zones, variables, permissions, the other instance objects) have
nothing in DSS to release and do not use this.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.provider import Released
from dsspulumi.providers.dss.client import MarkedDocument, NotFound, read_mark, strip_mark


class MarkReleaser:
    """``release`` for a kind that says where its mark lives."""

    def _marked_document(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], owner: str | None
    ) -> MarkedDocument:
        """Read the document holding the mark (``NotFound`` when the object is gone)."""
        raise NotImplementedError

    def release(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, owner: str | None, note: str
    ) -> Released:
        try:
            marked = self._marked_document(inputs, outputs, owner)
        except NotFound:
            return Released.ABSENT
        current = read_mark(marked.doc, marked.root)
        if current is None:
            return Released.UNMARKED  # released already, or never marked: nothing to remove
        if current != owner:
            return Released.FOREIGN  # not the object the record names: never touched
        strip_mark(marked.doc, note, marked.root)
        marked.save()
        return Released.RELEASED
