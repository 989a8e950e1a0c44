"""The ``--json`` document (ARCHITECTURE.md §2): fields may be added, never renamed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from json.encoder import encode_basestring_ascii as _encode_str
from typing import TYPE_CHECKING, Any

from dsspulumi.output import mask_all
from dsspulumi.status import RETAINED, SUCCEEDED, run_result

if TYPE_CHECKING:
    from dsspulumi.engine import RunResult
    from dsspulumi.plan import Plan, Step
    from dsspulumi.provider import RetryEvent


def step_dict(step: Step) -> dict[str, Any]:
    diff = [{"path": d.path, "old": mask_all(d.old), "new": mask_all(d.new)} for d in step.diff]
    if not step.diff and step.unknowns and step.inputs is not None:
        # A create has no diff, except the values only DSS will know (``{"unknown": true}``).
        diff = [
            {"path": path, "old": None, "new": mask_all(_at(step.inputs, path))}
            for path in step.unknowns
        ]
    return {
        "op": str(step.op),
        "urn": step.urn,
        "type": step.type,
        "name": step.name,
        "logical_name": step.logical_name,
        "diff": diff,
        **({"replace_because": list(step.replace_paths)} if step.replace_paths else {}),
        # A delete that leaves the object in DSS (retain_on_delete): removed from state only.
        **({"retain": True} if step.retain else {}),
        **({"moved_from": step.moved_from} if step.moved_from else {}),
        **({"renamed_in_dss": True} if step.renames_in_dss else {}),
        **({"parent": step.parent} if step.parent else {}),
    }


def _at(inputs: Any, path: str) -> Any:
    for part in path.split("."):
        inputs = inputs.get(part) if isinstance(inputs, dict) else None
    return inputs


def plan_dict(plan: Plan) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "stack": plan.stack,
        "env": plan.env,
        "steps": [step_dict(s) for s in plan.steps],
        "summary": plan.summary(),
        "changes": plan.has_changes,
    }
    if plan.components:
        doc["components"] = [
            {"urn": c.urn, "type": c.type, "name": c.name, "parent": c.parent}
            for c in plan.components.values()
        ]
    return doc


def run_dict(result: RunResult, retries: Sequence[RetryEvent] = ()) -> dict[str, Any]:
    doc = plan_dict(result.plan)
    per_step = Counter(e.urn for e in retries)
    for step in doc["steps"]:
        if per_step.get(step["urn"]):
            step["retries"] = per_step[step["urn"]]
        outcome = result.outcomes.get(step["urn"])
        if outcome is not None:
            step["status"] = outcome.status
            if outcome.status == SUCCEEDED and step.get("retain"):
                step["status"] = RETAINED  # not "succeeded": nothing was deleted in DSS
            if outcome.error:
                step["error"] = outcome.error
        elif result.applied:
            step["status"] = "not-run"
    if result.cancelled:
        doc["result"] = "cancelled"
    elif not result.applied:
        doc["result"] = "not-applied"
    else:
        doc["result"] = run_result(result.succeeded)
    doc["outputs"] = mask_all(result.outputs)
    doc["retries"] = [e.to_json() for e in retries]
    doc["dss_stopped_answering"] = _outage(result)
    return doc


def _outage(result: RunResult) -> dict[str, Any] | None:
    """DSS stopped answering mid-run: where, when, and how far the run got (else null)."""
    if result.outage is None:
        return None
    from dsspulumi.display.failures import progress

    counts = progress(result)
    return result.outage.to_json(
        done=counts.done, failed=counts.failed, not_started=counts.not_started
    )


# --- encoding ------------------------------------------------------------------------------
# ``json.dumps(doc, indent=2)`` runs json's pure-Python encoder (its C encoder has no
# indent), whose nested generators cost more than building the whole plan of a 10,000-object
# stack. ``dumps`` writes the same text, byte for byte, straight into one list.

_INFINITY = float("inf")


def _float_text(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float_text(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def dumps(value: Any) -> str:
    """``json.dumps(value, indent=2, default=str)``: the same text, several times faster."""
    out: list[str] = []
    _encode(value, out, "\n")
    return "".join(out)


def _encode(value: Any, out: list[str], newline: str) -> None:
    # The order of the tests is json.encoder's: it decides what a subclass becomes.
    if isinstance(value, str):
        out.append(_encode_str(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float_text(value))
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            separator = "," + inner
            _encode(item, out, inner)
        out.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():
            out.append(separator + _encode_str(_key_text(key)) + ": ")
            separator = "," + inner
            _encode(item, out, inner)
        out.append(newline + "}")
    else:
        _encode(str(value), out, newline)  # default=str
