"""State documents: versioned JSON read at the edge, with errors that say where and why."""

from __future__ import annotations

import json

import pytest

from dsspulumi.errors import StateError
from dsspulumi.state import (
    STATE_VERSION,
    PendingOperation,
    ResourceState,
    State,
    from_json,
    to_json,
)

WHERE = "file://.dss/state/st/dev.json"


def doc(**overrides) -> dict:
    base = {
        "stack": "st",
        "env": "dev",
        "version": STATE_VERSION,
        "serial": 3,
        "resources": [
            {"urn": "u1", "type": "dss:Project", "name": "P", "inputs": {"key": "P"}},
        ],
    }
    base.update(overrides)
    return base


def load(d: dict | str | bytes) -> State:
    data = d if isinstance(d, str | bytes) else json.dumps(d)
    return from_json(data, where=WHERE)


def test_minimal_document_loads_with_defaults():
    state = load(doc())
    assert (state.stack, state.env, state.serial) == ("st", "dev", 3)
    (rec,) = state.resources
    assert rec == ResourceState(
        urn="u1",
        type="dss:Project",
        name="P",
        inputs={"key": "P"},
        created_at=rec.created_at,
        updated_at=rec.updated_at,
    )
    assert rec.protect is False and rec.dependencies == [] and rec.outputs == {}
    assert state.pending == []


def test_unknown_fields_are_tolerated():
    state = load(doc(future_field={"x": 1}))
    assert state.stack == "st"


def test_round_trip_keeps_everything():
    state = State(stack="st", env="dev", serial=7, outputs={"k": [1, {"a": None}]})
    state.resources.append(
        ResourceState(
            urn="u",
            type="t",
            name="n",
            inputs={"a": {"b": [1, 2.5, "x"]}},
            outputs={"id": "abc"},
            dependencies=["v"],
            protect=True,
            retain_on_delete=True,
            created_at=1.5,
            updated_at=2.25,
        )
    )
    state.pending.append(
        PendingOperation(urn="p", op="create", type="t", name="n", inputs={}, started_at=3.0)
    )
    back = from_json(to_json(state), where=WHERE)
    assert back == state


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b'{"stack": "st",', "not json at all", b"\xff\xfe\x00garbage"],
)
def test_corrupt_json_names_the_file(data):
    with pytest.raises(StateError) as info:
        load(data)
    msg = str(info.value)
    assert WHERE in msg
    assert "corrupt" in msg and "not valid JSON" in msg


@pytest.mark.parametrize("data", ["[]", "3", '"state"', "null"])
def test_json_that_is_not_an_object(data):
    with pytest.raises(StateError, match="corrupt: expected a JSON object") as info:
        load(data)
    assert WHERE in str(info.value)


def test_newer_version_asks_for_an_upgrade():
    with pytest.raises(StateError) as info:
        load(doc(version=STATE_VERSION + 1, resources="whatever the new format is"))
    msg = str(info.value)
    assert WHERE in msg
    assert "upgrade" in msg
    assert f"format {STATE_VERSION + 1}" in msg
    assert "corrupt" not in msg


def test_current_version_is_not_refused():
    assert load(doc(version=STATE_VERSION)).version == STATE_VERSION


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["resources"][0].pop("type"), "required field missing @ $.resources[0].type"),
        (lambda d: d["resources"][0].pop("urn"), "required field missing @ $.resources[0].urn"),
        (lambda d: d.pop("stack"), "required field missing @ $.stack"),
        (
            lambda d: d["resources"].append({"urn": "u2", "type": "t", "name": "n"}),
            "required field missing @ $.resources[1].inputs",
        ),
        (lambda d: d.update(serial="abc"), "@ $.serial"),
        (lambda d: d["resources"][0].update(inputs=[1]), "@ $.resources[0].inputs"),
        (
            lambda d: d.update(pending=[{"urn": "p", "op": "create", "type": "t", "name": "n"}]),
            "required field missing @ $.pending[0].inputs",
        ),
    ],
)
def test_missing_or_wrong_fields_give_a_path(mutate, path):
    d = doc()
    mutate(d)
    with pytest.raises(StateError) as info:
        load(d)
    msg = str(info.value)
    assert WHERE in msg and "corrupt" in msg
    assert path in msg


def test_every_problem_is_listed():
    d = doc()
    d["resources"].append({"urn": "x"})
    with pytest.raises(StateError) as info:
        load(d)
    for field in ("type", "name", "inputs"):
        assert f"$.resources[1].{field}" in str(info.value)


# --- State helpers -------------------------------------------------------------------------


def rs(urn: str, **inputs) -> ResourceState:
    return ResourceState(urn=urn, type="t", name=urn, inputs=inputs)


def test_put_replaces_in_place_and_appends_new():
    state = State(stack="st", env="dev")
    state.put(rs("a", v=1))
    state.put(rs("b"))
    state.put(rs("a", v=2))
    assert [r.urn for r in state.resources] == ["a", "b"]
    assert state.get("a").inputs == {"v": 2}
    assert state.get("zz") is None
    assert set(state.by_urn()) == {"a", "b"}


def test_remove():
    state = State(stack="st", env="dev", resources=[rs("a"), rs("b")])
    state.remove("a")
    state.remove("not-there")
    assert [r.urn for r in state.resources] == ["b"]


def test_pending_set_replaces_and_clears():
    state = State(stack="st", env="dev")
    state.set_pending(PendingOperation(urn="a", op="create", type="t", name="a", inputs={}))
    state.set_pending(PendingOperation(urn="a", op="delete", type="t", name="a", inputs={}))
    state.set_pending(PendingOperation(urn="b", op="update", type="t", name="b", inputs={}))
    assert [(p.urn, p.op) for p in state.pending] == [("a", "delete"), ("b", "update")]
    state.clear_pending("a")
    assert [p.urn for p in state.pending] == ["b"]
