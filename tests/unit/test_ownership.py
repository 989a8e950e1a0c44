"""Who may adopt what (dsspulumi.ownership), the state's identity, and the mark fields."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsspulumi.backends.local import LocalBackend
from dsspulumi.checkpoint import Checkpointer, load_state
from dsspulumi.ownership import (
    StateOwner,
    adoption_refusal,
    ensure_identity,
    mark_for,
    no_state_message,
    public_url,
)
from dsspulumi.provider import Found, Mark
from dsspulumi.providers.dss.client import (
    BACKEND_FIELD,
    MARK_FIELD,
    STACK_FIELD,
    URN_FIELD,
    mark_fields,
    write_mark,
)
from dsspulumi.state import (
    STATE_VERSION,
    PendingOperation,
    ResourceState,
    State,
    from_json,
    to_json,
)

URN = "urn:dss:dev::team::dss:Project::TEAMP"


def state(identity: str | None = "me", marks: tuple[str, ...] = (), pending: str = "") -> State:
    s = State(stack="team", env="dev", identity=identity)
    s.resources = [
        ResourceState(urn=f"{URN}{i}", type="dss:Project", name="P", inputs={}, mark=m)
        for i, m in enumerate(marks)
    ]
    if pending:
        s.pending = [PendingOperation(URN, "import", "dss:Project", "P", {}, id=pending)]
    return s


def owner(**kw) -> StateOwner:
    return StateOwner.of(state(**kw), "file:///b/mine")


def found(mark: str | None, stack: str | None = None, urn: str | None = URN) -> Found:
    return Found({}, mark, mark_urn=urn if mark else None, mark_stack=stack,
                 mark_backend="file:///b/theirs" if stack else None)  # fmt: skip


@pytest.mark.parametrize(
    ("the_found", "the_owner", "allowed"),
    [
        (found(None), owner(), True),  # made by hand
        (found("m1", stack="me"), owner(), True),  # this state's own (released, re-imported)
        (found("m1", stack="them"), owner(), False),  # another state of the same stack
        (found("m1", stack="them"), owner(identity=None), False),  # a state with no identity
        (found("m1", stack=None), owner(marks=("m1",)), True),  # old mark this state records
        (found("m1", stack=None), owner(pending="m1"), True),  # ... or has in flight
        (found("m1", stack=None), owner(marks=("m2",)), False),  # old mark, not recorded here
        (found("m1", stack=None), owner(identity=None), False),
    ],
)
def test_adoption_goes_by_identity_never_by_name(the_found, the_owner, allowed):
    assert (adoption_refusal(URN, the_found, the_owner) is None) is allowed


def test_the_refusal_names_the_owner_and_how_to_move_its_state():
    text = adoption_refusal(URN, found("m1", stack="them"), owner())
    assert text == (
        "it is managed by another dsspulumi state: stack 'team' (env dev) in file:///b/theirs. "
        "An object is managed by one state only: to manage it from this backend, move that "
        "state here instead of importing the object: `dss stack export team -e dev --backend "
        "file:///b/theirs > state.json`, then `dss stack import team state.json -e dev "
        "--backend file:///b/mine`. To take this object alone, release it from that state "
        "(opts=dss.ResourceOptions(retain_on_delete=True) on it and `dss up --backend "
        "file:///b/theirs`, then remove its declaration and `dss up --backend file:///b/theirs` "
        "again: it is left in DSS without a mark), then import it here"
    )
    other = adoption_refusal(URN.replace("::team::", "::other::"), found("m1", "them"), owner())
    assert other is not None and other.endswith(
        "manage it from stack 'team' (env dev), or hand it over: release it from stack 'team' "
        "(opts=dss.ResourceOptions(retain_on_delete=True) on it and `dss up --backend "
        "file:///b/theirs`, then remove its declaration and `dss up --backend file:///b/theirs` "
        "again: it is left in DSS without a mark), then import it here"
    )
    old = adoption_refusal(URN, found("m1", stack=None), owner())
    assert old is not None and "--backend THEIRS > state.json" in old
    assert "written before dsspulumi recorded which state wrote a mark" in old
    assert "release it from that state (opts=dss.ResourceOptions(retain_on_delete=True)" in old
    assert old.endswith(
        "If no state manages it any more, remove its dsspulumi ownership fields "
        "(dsspulumi.mark, dsspulumi.urn) in DSS, then import it"
    )


def test_public_url_never_carries_credentials_and_makes_file_paths_absolute(monkeypatch):
    monkeypatch.chdir("/tmp")
    assert public_url("file://.dss/state") == "file:///tmp/.dss/state"
    assert public_url("file:///abs/x") == "file:///abs/x"
    assert public_url("s3://bucket/team?sse=aws:kms") == "s3://bucket/team?sse=aws:kms"
    assert public_url("s3://key:secret@bucket/team") == "s3://bucket/team"
    assert no_state_message("team", "dev", "file://.dss/state") == (
        "no state yet for stack 'team' (env dev) in file:///tmp/.dss/state: every object will "
        "be created"
    )


def test_mark_fields_round_trip_in_any_root():
    for root in ("customFields", "adminProperties"):
        doc: dict = {}
        write_mark(doc, Mark("m1", URN, stack="me", backend="file:///b"), root)
        assert doc[root] == {
            MARK_FIELD: "m1", URN_FIELD: URN, STACK_FIELD: "me", BACKEND_FIELD: "file:///b"
        }  # fmt: skip
        assert mark_fields(doc, root) == {
            "mark": "m1", "mark_urn": URN, "mark_stack": "me", "mark_backend": "file:///b"
        }  # fmt: skip
        write_mark(doc, Mark("m2", URN), root)  # a mark without identity leaves none behind
        assert doc[root] == {MARK_FIELD: "m2", URN_FIELD: URN}


def test_a_state_without_identity_loads_and_gets_one_on_its_first_write(tmp_path: Path):
    old = {"stack": "team", "env": "dev", "version": STATE_VERSION, "resources": []}
    loaded = from_json(json.dumps(old), where="old")
    assert loaded.identity is None
    backend = LocalBackend(tmp_path)
    backend.write_state("team", "dev", json.dumps(old).encode(), expected=None)
    s, version, _ = load_state(backend, "team", "dev")
    Checkpointer(backend, s, version).compact()
    identity = load_state(backend, "team", "dev")[0].identity
    assert identity is not None and len(identity) == 32
    again, version, _ = load_state(backend, "team", "dev")
    Checkpointer(backend, again, version).compact()
    assert load_state(backend, "team", "dev")[0].identity == identity
    assert json.loads(to_json(again))["identity"] == identity
    assert not ensure_identity(again)
    mark = mark_for(again, "file://x", "op", URN)
    assert mark.stack == identity and mark.backend.startswith("file:///")
