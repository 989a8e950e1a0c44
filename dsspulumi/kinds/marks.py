"""The ownership mark: written, read, compared and released by this one layer, for every kind.

Every object the tool creates carries a ``Mark`` (``dsspulumi.provider``) where DSS keeps custom
fields for it: a document's ``customFields`` (projects, datasets, recipes, folders, scenarios)
or another root of custom properties (a user's ``adminProperties``). A kind says only *where*
(its schema's ``mark_root``; ``holds_mark=False`` for a kind DSS gives nowhere to keep one:
its mark is kept in the state record, see ``providers/dss/owned.py``). Writing the fields,
reading them back as ``Found``/``Existing`` arguments, the ownership check before any write or
delete, and the release are all here, so no kind can get one of them subtly different.

Pure dict manipulation: no IO, no ``dataikuapi``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict

import attrs

from dsspulumi.errors import NotOwnedError
from dsspulumi.provider import Existing, Found, Mark

MARK_FIELD = "dsspulumi.mark"
URN_FIELD = "dsspulumi.urn"
STACK_FIELD = "dsspulumi.stack"  # the identity of the state that wrote the mark
BACKEND_FIELD = "dsspulumi.backend"  # that state's backend URL (for messages only)
# Left by a release (``strip_mark``) for people: which state let the object go, and when.
# Never read as ownership: a released object is unmarked.
RELEASED_FIELD = "dsspulumi.released"
CUSTOM_FIELDS = "customFields"


def write_mark(doc: dict[str, Any], mark: Mark, root: str = CUSTOM_FIELDS) -> None:
    """Put the mark into a document's custom fields (``root``), which DSS keeps as they are.

    A mark without a stack identity (written by code that does not know it) drops any
    identity an earlier mark left, so the fields never describe two different marks.
    """
    fields = doc.get(root)
    if not isinstance(fields, dict):
        fields = doc[root] = {}
    fields[MARK_FIELD] = mark.id
    fields[URN_FIELD] = mark.urn
    if root == CUSTOM_FIELDS and mark_tags(doc.get("tags")):
        doc["tags"] = without_mark_tags(doc["tags"])  # the mark has moved into the fields
    fields.pop(RELEASED_FIELD, None)  # owned again: the note of an earlier release is stale
    for key, value in ((STACK_FIELD, mark.stack), (BACKEND_FIELD, mark.backend)):
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value


@attrs.frozen
class MarkedDocument:
    """The document an object's mark lives in, as just read, and how to save it back whole
    (``marked.MarkReleaser``)."""

    doc: dict[str, Any]
    save: Callable[[], None]
    root: str = CUSTOM_FIELDS


def strip_mark(doc: dict[str, Any], note: str, root: str = CUSTOM_FIELDS) -> None:
    """Release: remove every ownership field (and a creation mark tag left behind) from a
    document, so that it reads as an object made by hand, and leave ``note`` for people."""
    fields = doc.get(root)
    if not isinstance(fields, dict):
        fields = doc[root] = {}
    for key in (MARK_FIELD, URN_FIELD, STACK_FIELD, BACKEND_FIELD):
        fields.pop(key, None)
    fields[RELEASED_FIELD] = note
    tags = doc.get("tags")
    if isinstance(tags, list) and any(isinstance(t, str) and t.startswith(MARK_TAG) for t in tags):
        doc["tags"] = without_mark_tags(tags)


# Where a creation body can carry tags but not custom fields (projects), the mark rides in
# a tag until the write that follows creation moves it to customFields.
MARK_TAG = "dsspulumi-mark:"


def mark_tag(mark: Mark) -> str:
    return MARK_TAG + mark.id


def mark_tags(tags: Any) -> list[str]:
    return [t for t in (tags or []) if isinstance(t, str) and t.startswith(MARK_TAG)]


def without_mark_tags(tags: Any) -> list[str]:
    return [t for t in (tags or []) if not (isinstance(t, str) and t.startswith(MARK_TAG))]


def _field(doc: Mapping[str, Any], root: str, key: str) -> str | None:
    fields = doc.get(root)
    value = fields.get(key) if isinstance(fields, Mapping) else None
    return value if isinstance(value, str) else None


def read_mark(doc: Mapping[str, Any], root: str = CUSTOM_FIELDS) -> str | None:
    value = _field(doc, root, MARK_FIELD)
    if value is not None:
        return value
    for tag in doc.get("tags") or []:
        if isinstance(tag, str) and tag.startswith(MARK_TAG):
            return tag[len(MARK_TAG) :]
    return None


def fields_mark(doc: Mapping[str, Any], root: str = CUSTOM_FIELDS) -> str | None:
    """The mark in the custom fields alone, not a creation tag: whether DSS kept the custom
    fields a creation call carried (a tag sent alongside proves nothing about them)."""
    return _field(doc, root, MARK_FIELD)


def read_mark_urn(doc: Mapping[str, Any], root: str = CUSTOM_FIELDS) -> str | None:
    """The URN written next to the mark: which stack's object it is (None if unmarked)."""
    return _field(doc, root, URN_FIELD)


class MarkFields(TypedDict):
    mark: str | None
    mark_urn: str | None
    mark_stack: str | None
    mark_backend: str | None


def mark_fields(doc: Mapping[str, Any], root: str = CUSTOM_FIELDS) -> MarkFields:
    """The mark a document carries and whose it is, as keyword arguments of ``Found`` and
    ``Existing`` (``mark``, ``mark_urn``, ``mark_stack``, ``mark_backend``)."""
    return {
        "mark": read_mark(doc, root),
        "mark_urn": _field(doc, root, URN_FIELD),
        "mark_stack": _field(doc, root, STACK_FIELD),
        "mark_backend": _field(doc, root, BACKEND_FIELD),
    }


def found_in(view: dict[str, Any], raw: Mapping[str, Any]) -> Found:
    """What ``inspect`` answers for an object whose DSS document is ``raw``."""
    return Found(view, created_at=created_at(raw), **mark_fields(raw))


def existing_in(
    type_token: str,
    identity: str,
    inputs: dict[str, Any],
    raw: Mapping[str, Any],
    unmodelled: str | None = None,
) -> Existing:
    """What ``read_existing`` / ``list_existing`` answer for an object whose document is ``raw``."""
    return Existing(
        type=type_token,
        identity=identity,
        inputs=inputs,
        unmodelled=unmodelled,
        **mark_fields(raw),
    )


def created_at(doc: Mapping[str, Any]) -> float | None:
    """DSS's creation time of an object (``creationTag.lastModifiedOn``, epoch ms)."""
    tag = doc.get("creationTag")
    when = tag.get("lastModifiedOn") if isinstance(tag, Mapping) else None
    return when / 1000.0 if isinstance(when, int | float) and not isinstance(when, bool) else None


def check_owner(
    doc: Mapping[str, Any], owner: str | None, what: str, root: str = CUSTOM_FIELDS
) -> None:
    """Refuse to touch an object whose document does not carry the mark its record holds."""
    refuse_unless_owned(read_mark(doc, root), owner, what)


def refuse_unless_owned(
    found: str | None, owner: str | None, what: str, *, origin: str | None = None
) -> None:
    """The one ownership check before any write or delete, for every kind: ``found`` is the
    mark the object carries (read from DSS, or from the record where DSS keeps none)."""
    if owner is None or found == owner:
        return  # owner None: a record from before marks existed, created by this stack
    if origin is None:
        origin = "carries no dsspulumi mark" if found is None else "carries another run's mark"
    raise NotOwnedError(
        f"{what} in DSS is not the object this stack created ({origin}: it was deleted and "
        "re-created outside dsspulumi); it was left untouched and dropped from the state"
    )
