"""The ``--json`` encoder writes exactly what ``json.dumps(doc, indent=2, default=str)`` writes."""

from __future__ import annotations

import enum
import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from dsspulumi.display.jsonout import dumps


class Color(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.sampled_from([Color.RED, Level.HIGH, Decimal("1.5"), b"bytes", object.__name__])
)
keys = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(keys, inner, max_size=4),
    max_leaves=30,
)


@given(values)
def test_same_text_as_json_dumps(value):
    assert dumps(value) == json.dumps(value, indent=2, default=str)


def test_a_plan_document():
    doc = {
        "stack": "s",
        "env": "dév",
        "steps": [
            {"op": "create", "urn": "urn:dss:dev::s::dss:Project::P", "diff": []},
            {"op": "update", "diff": [{"path": "a.b", "old": None, "new": {"x": [1, 2.5]}}]},
        ],
        "summary": {"create": 1, "update": 1},
        "changes": True,
        "timings": {},
    }
    assert dumps(doc) == json.dumps(doc, indent=2, default=str)


def test_unsupported_keys_fail_the_same_way():
    import pytest

    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None, not tuple"):
        dumps({(1, 2): 3})
    with pytest.raises(TypeError, match="keys must be str, int, float, bool or None, not tuple"):
        json.dumps({(1, 2): 3}, indent=2, default=str)
