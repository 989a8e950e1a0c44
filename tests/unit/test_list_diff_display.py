"""Diffs inside lists of objects, as the terminal, `--json` and the Markdown plan show them.

The plan's steps are built from ``diff_inputs`` itself; what is checked is the text a
person or a script reads: per element and key, added and removed elements at their index,
secrets inside elements masked on every surface.
"""

from __future__ import annotations

import json
from typing import Any

from dsspulumi.display.console import diff_lines
from dsspulumi.display.jsonout import step_dict
from dsspulumi.display.markdown import diff_block_lines
from dsspulumi.output import Secret
from dsspulumi.plan import Op, Step, diff_inputs

PLAIN = "pw-Q7x-not-for-eyes"


def _step(old: dict[str, Any], new: dict[str, Any]) -> Step:
    return Step(
        op=Op.UPDATE,
        urn="urn:dss:dev::s::dss:Scenario::P.Nightly",
        type="dss:Scenario",
        name="Nightly",
        logical_name="P.Nightly",
        diff=tuple(diff_inputs(old, new)),
        inputs=new,
    )


def _text(step: Step) -> list[str]:
    return [line.plain.strip() for line in diff_lines(step)]


def test_changed_key_added_and_removed_elements_on_every_surface():
    old = {
        "triggers": [{"type": "temporal", "params": {"hour": 2}}],
        "steps": [{"name": "a"}, {"name": "b"}],
    }
    new = {
        "triggers": [{"type": "temporal", "params": {"hour": 3}}],
        "steps": [{"name": "b"}, {"name": "c"}, {"name": "d"}],
    }
    step = _step(old, new)
    assert _text(step) == [
        "~ triggers[0].params.hour: 2 => 3",
        '- steps[0]: (removed) {"name": "a"}',
        '+ steps[1]: (added) {"name": "c"}',
        '+ steps[2]: (added) {"name": "d"}',
    ]
    assert list(diff_block_lines(step)) == [
        "- triggers[0].params.hour: 2",
        "+ triggers[0].params.hour: 3",
        '- steps[0]: (removed) {"name": "a"}',
        '+ steps[1]: (added) {"name": "c"}',
        '+ steps[2]: (added) {"name": "d"}',
    ]
    assert step_dict(step)["diff"] == [
        {"path": "triggers[0].params.hour", "old": 2, "new": 3},
        {"path": "steps[0]", "old": {"name": "a"}, "new": None},
        {"path": "steps[1]", "old": None, "new": {"name": "c"}},
        {"path": "steps[2]", "old": None, "new": {"name": "d"}},
    ]


def test_equal_lengths_are_diffed_element_by_element():
    step = _step(
        {"steps": [{"name": "a"}, {"name": "b"}]}, {"steps": [{"name": "b"}, {"name": "c"}]}
    )
    assert _text(step) == ['~ steps[0].name: "a" => "b"', '~ steps[1].name: "b" => "c"']


def test_a_dict_key_added_is_not_called_an_added_element():
    step = _step({"steps": [{"name": "a"}]}, {"steps": [{"name": "a", "force": True}]})
    assert _text(step) == ["+ steps[0].force: true"]
    assert list(diff_block_lines(step)) == ["+ steps[0].force: true"]


def test_secrets_inside_elements_stay_masked():
    old = {"steps": [{"name": "sql", "password": Secret("old-secret")}]}
    new = {
        "steps": [
            {"name": "sql", "password": Secret(PLAIN)},
            {"name": "more", "password": Secret(PLAIN)},
        ]
    }
    step = _step(old, new)
    shown = [
        *_text(step),
        *diff_block_lines(step),
        json.dumps(step_dict(step)),
    ]
    assert not any(PLAIN in line or "old-secret" in line for line in shown), shown
    assert "~ steps[0].password: [secret] (changed)" in shown
    # an added element is shown whole, its secret masked
    added = '+ steps[1]: (added) {"name": "more", "password": "[secret]"}'
    assert shown.count(added) == 2, shown  # terminal and Markdown
