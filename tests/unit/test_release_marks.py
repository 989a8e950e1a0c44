"""Releasing a mark (retain_on_delete): what is stripped, what note is left, and how an
interrupted release is settled from the mark the object carries."""

from __future__ import annotations

import pytest

from dsspulumi.engine import settle
from dsspulumi.provider import Found, Mark
from dsspulumi.providers.dss.client import (
    MARK_FIELD,
    RELEASED_FIELD,
    mark_fields,
    mark_tag,
    read_mark,
    strip_mark,
    write_mark,
)
from dsspulumi.release import RELEASE, release_note
from dsspulumi.state import PendingOperation, ResourceState, State

URN = "urn:dss:dev::team::dss:Dataset::P.d"


@pytest.mark.parametrize("root", ["customFields", "adminProperties"])
def test_a_released_document_reads_as_unmarked_and_keeps_only_the_note(root):
    mark = Mark("m1", URN, stack="me", backend="file:///b")
    doc = {root: {"team": "data", "x": 1}, "tags": ["keep", mark_tag(mark)], "other": 2}
    write_mark(doc, mark, root)
    strip_mark(doc, "team/dev/me at 2026-01-01T00:00:00Z", root)
    assert doc[root] == {
        "team": "data",
        "x": 1,
        RELEASED_FIELD: "team/dev/me at 2026-01-01T00:00:00Z",
    }
    assert doc["tags"] == ["keep"] and doc["other"] == 2  # nothing else touched
    assert read_mark(doc, root) is None
    assert mark_fields(doc, root) == {
        "mark": None, "mark_urn": None, "mark_stack": None, "mark_backend": None
    }  # fmt: skip
    write_mark(doc, Mark("m2", URN, stack="you"), root)  # adopted again: the note is stale
    assert RELEASED_FIELD not in doc[root] and doc[root][MARK_FIELD] == "m2"


def test_a_document_without_tags_gets_none():
    doc: dict = {}
    strip_mark(doc, "n")
    assert doc == {"customFields": {RELEASED_FIELD: "n"}}


def test_the_note_names_stack_env_identity_and_utc_time():
    s = State(stack="team", env="dev", identity="abc")
    assert release_note(s, 0) == "team/dev/abc at 1970-01-01T00:00:00Z"


def _op(mark: str | None) -> PendingOperation:
    return PendingOperation(URN, RELEASE, "dss:Dataset", "d", {}, mark=mark)


def _rec(mark: str | None) -> ResourceState:
    return ResourceState(urn=URN, type="dss:Dataset", name="d", inputs={"a": 1}, mark=mark)


@pytest.mark.parametrize(
    ("found_mark", "record_mark", "kept", "note"),
    [
        ("m1", "m1", True, "still carries this stack's mark"),  # the PUT never happened
        (None, "m1", False, "released (left in DSS without this stack's mark)"),  # it did
        ("other", "m1", False, "carries another ownership mark"),  # re-created by someone
        (None, None, False, "released"),  # a record from before marks: nothing to remove
        ("other", None, False, "carries another ownership mark"),
    ],
)
def test_an_interrupted_release_is_settled_by_the_mark(found_mark, record_mark, kept, note):
    existing = _rec(record_mark)
    outcome = settle(_op(record_mark), Found({"a": 2}, found_mark), existing)
    assert (outcome.record is existing) is kept and (outcome.record is None) is not kept
    assert note in outcome.note


def test_an_interrupted_release_of_an_object_gone_from_dss_drops_the_record():
    outcome = settle(_op("m1"), None, _rec("m1"))
    assert outcome.record is None and outcome.note == "not in DSS, so not in state"
