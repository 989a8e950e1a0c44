"""The ``--json`` document (ARCHITECTURE.md §2): fields may be added, never renamed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from dsspulumi.engine import RunResult
from dsspulumi.output import mask_all
from dsspulumi.plan import Plan, Step
from dsspulumi.provider import RetryEvent


def step_dict(step: Step) -> dict[str, Any]:
    return {
        "op": str(step.op),
        "urn": step.urn,
        "type": step.type,
        "name": step.name,
        "logical_name": step.logical_name,
        "diff": [
            {"path": d.path, "old": mask_all(d.old), "new": mask_all(d.new)} for d in step.diff
        ],
        **({"replace_because": list(step.replace_paths)} if step.replace_paths else {}),
    }


def plan_dict(plan: Plan) -> dict[str, Any]:
    return {
        "stack": plan.stack,
        "env": plan.env,
        "steps": [step_dict(s) for s in plan.steps],
        "summary": plan.summary(),
        "changes": plan.has_changes,
    }


def run_dict(result: RunResult, retries: Sequence[RetryEvent] = ()) -> dict[str, Any]:
    doc = plan_dict(result.plan)
    per_step = Counter(e.urn for e in retries)
    for step in doc["steps"]:
        if per_step.get(step["urn"]):
            step["retries"] = per_step[step["urn"]]
        outcome = result.outcomes.get(step["urn"])
        if outcome is not None:
            step["status"] = outcome.status
            if outcome.error:
                step["error"] = outcome.error
        elif result.applied:
            step["status"] = "not-run"
    if result.cancelled:
        doc["result"] = "cancelled"
    elif not result.applied:
        doc["result"] = "not-applied"
    else:
        doc["result"] = "succeeded" if result.succeeded else "failed"
    doc["outputs"] = mask_all(result.outputs)
    doc["retries"] = [e.to_json() for e in retries]
    return doc
