"""The plan as Markdown, for pull-request comments and CI job summaries.

``dss preview --format markdown`` prints this on stdout. It is written for a reviewer who
sees it in a pull request: counts first, then one table row per change, replaces called
out (DSS deletes the object before creating it again), then each change's properties in a
``diff`` block (GitHub and GitLab colour ``+`` and ``-`` lines). Secrets are masked exactly
as in the terminal plan; long values are shortened and the whole text stays under the size
of a GitHub comment, so a big plan never makes the CI step that posts it fail.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from dsspulumi.output import MASK, UNKNOWN_TEXT, UNKNOWN_TOKEN, contains_secret, shown
from dsspulumi.plan import RETAIN, Op, Plan, Step
from dsspulumi.urn import logical_name

# The order and wording of the summary, and each op's mark (the terminal plan's marks).
SUMMARY: tuple[tuple[str, str], ...] = (
    (Op.CREATE, "to create"),
    (Op.UPDATE, "to update"),
    (Op.REPLACE, "to replace"),
    (Op.DELETE, "to delete"),
    (RETAIN, "to retain (left in DSS)"),
    (Op.IMPORT, "to import"),
    (Op.READ, "to read"),
    (Op.SAME, "unchanged"),
)
MARK = {
    Op.CREATE: "+",
    Op.UPDATE: "~",
    Op.REPLACE: "+-",
    Op.DELETE: "-",
    Op.IMPORT: "=",
    Op.READ: ">",
    Op.SAME: "↷",  # shown only for a resource moved in the state (aliases)
}

VALUE_LIMIT = 200  # characters of one value on one diff line
TEXT_DIFF_LIMIT = 120  # lines of one multi-line property's unified diff
# GitHub refuses comments over 65,536 characters; leave room for a header the CI adds.
DOCUMENT_LIMIT = 60_000
TABLE_LIMIT = 30_000  # the table's share; the details get what is left
NAMES_LIMIT = 20  # replaced resources named in the warning
TOO_LONG = "the plan is too long for one comment; run `dss preview --diff` to see it all"


def render_plan(plan: Plan, *, title: str = "Plan") -> str:
    """The whole Markdown document for ``plan`` (ends with a newline)."""
    head = _header(plan, title)
    changed = [s for s in plan.steps if s.changes or s.op is Op.READ or s.moved_from]
    if not plan.has_changes:
        body = ["No changes: DSS matches the stack.", ""]
        return "\n".join([*head, *body])
    parts = [*head, *_table(changed), *_replace_warning(changed), "### Changes", ""]
    used = sum(len(p) + 1 for p in parts)
    left = [s for s in changed if s.changes and not s.retain]  # retained: nothing changes
    for i, step in enumerate(left):
        block = _details(step)
        size = sum(len(line) + 1 for line in block)
        if used + size > DOCUMENT_LIMIT:
            parts += [f"*{len(left) - i} more change(s) not shown: {TOO_LONG}.*", ""]
            break
        parts.extend(block)
        used += size
    return "\n".join(parts)


def render_drift(drift: list[Any]) -> str:
    """What ``--refresh`` found changed in DSS outside dsspulumi (``drift.Drift`` items):
    a section to put before the plan, empty when DSS matched the state."""
    if not drift:
        return ""
    lines = [
        "### Drift: changed in DSS outside dsspulumi",
        "",
        "| Object | Found | Properties (value in DSS) |",
        "| --- | --- | --- |",
    ]
    for d in drift:
        props = ", ".join(f"{_code(p.path)} = {_code(_value(p.new))}" for p in d.diff)
        found = {"changed": "changed", "deleted": "deleted", "foreign": "replaced by hand"}
        lines.append(
            f"| {_code(d.logical_name)} | {found.get(d.status, d.status)} | {_cell(props)} |"
        )
    return "\n".join([*lines, "", ""])


def _header(plan: Plan, title: str) -> list[str]:
    counts = plan.summary()
    pieces = [f"**{counts[str(op)]}** {verb}" for op, verb in SUMMARY if counts.get(str(op))]
    return [
        f"## {title}: stack `{plan.stack}`, environment `{plan.env}`",
        "",
        " · ".join(pieces) if pieces else "No resources.",
        "",
    ]


def _table(steps: list[Step]) -> list[str]:
    lines = ["| | Type | Name | Plan | Properties |", "|---|---|---|---|---|"]
    used = 0
    for i, step in enumerate(steps):
        if used > TABLE_LIMIT:
            lines += ["", f"*{len(steps) - i} more row(s) not shown: {TOO_LONG}.*"]
            break
        if step.op is Op.REPLACE:
            props = ", ".join(_code(p) for p in step.replace_paths) + " forces replace"
            rest = [d.path for d in step.diff if d.path not in step.replace_paths]
            if rest:
                props += "; also " + ", ".join(_code(p) for p in rest)
            plan_cell = "**replace**"
        elif step.op is Op.READ:
            props, plan_cell = "not managed: checked to exist, never changed", "read"
        elif step.op is Op.DELETE and step.retain:
            props = "retained (left in DSS): unmarked, dropped from the state"
            plan_cell = "retain"
        elif step.renames_in_dss:
            old = logical_name(step.moved_from or "")
            props = f"{_code(old)} → {_code(step.logical_name)} (renamed in DSS)"
            rest = [_code(d.path) for d in step.diff if d.path != "name"]
            props += "; also " + ", ".join(rest) if rest else ""
            plan_cell = "rename"
        else:
            props = ", ".join(_code(d.path) for d in step.diff)
            plan_cell = "**delete**" if step.op is Op.DELETE else str(step.op)
        if step.moved_from and not step.renames_in_dss:  # found in the state under an alias
            moved = f"moved from {_code(step.moved_from)} (state only)"
            props = f"{moved}; {props}" if props else moved
        row = (
            f"| `{MARK[step.op]}` | {_cell(step.type)} | {_code(step.logical_name)} "
            f"| {plan_cell} | {_cell(props)} |"
        )
        lines.append(row)
        used += len(row) + 1
    lines.append("")
    return lines


def _replace_warning(steps: list[Step]) -> list[str]:
    replaced = [s for s in steps if s.op is Op.REPLACE]
    if not replaced:
        return []
    names = ", ".join(_code(s.logical_name) for s in replaced[:NAMES_LIMIT])
    if len(replaced) > NAMES_LIMIT:
        names += f" and {len(replaced) - NAMES_LIMIT} more"
    return [
        f"> [!WARNING]\n> {len(replaced)} resource(s) will be **replaced**: {names}. DSS cannot "
        "rename or retype an object in place, so each is deleted and then created again: "
        "settings the stack does not declare are lost (a dataset's data is not dropped).",
        "",
    ]


def _details(step: Step) -> list[str]:
    mark = MARK[step.op]
    op = "rename" if step.renames_in_dss else str(step.op)
    summary = f"<code>{mark} {_html(step.logical_name)}</code> ({op}, {_html(step.type)})"
    lines = list(diff_block_lines(step))
    if not lines:
        return [f"- {summary}: no declared properties", ""]
    fence = _fence(lines)
    return [
        "<details>",
        f"<summary>{summary}</summary>",
        "",
        f"{fence}diff",
        *lines,
        fence,
        "",
        "</details>",
        "",
    ]


def diff_block_lines(step: Step) -> Iterator[str]:
    """The lines of one step's ``diff`` block: ``-`` what goes, ``+`` what comes."""
    forcing = set(step.replace_paths)
    for d in step.diff:
        note = "  # forces replace" if d.path in forcing else ""
        yield from _property_lines(d.path, d.old, d.new, note)
    if step.op is Op.CREATE and step.inputs:
        for key, value in step.inputs.items():
            if value not in (None, [], {}):
                yield from _property_lines(key, None, value, "")
    if step.op is Op.DELETE and step.old is not None:
        for key, value in step.old.inputs.items():
            if value not in (None, [], {}):
                yield from _property_lines(key, value, None, "")


def _property_lines(path: str, old: Any, new: Any, note: str) -> Iterator[str]:
    # An element of a list of objects added or removed is shown whole, secrets masked.
    element = path.endswith("]") and (old is None or new is None)
    if (contains_secret(old) or contains_secret(new)) and not element:
        yield f"! {path}: {MASK} (changed){note}"
        return
    if _is_text(old, new):
        yield f"! {path}: (text){note}"
        before, after = (old or "").splitlines(), (new or "").splitlines()
        diff = list(difflib.unified_diff(before, after, lineterm="", n=1))
        body = diff[2:]  # the ---/+++ header names nothing useful here
        if old is None or new is None:
            body = [line for line in body if not line.startswith("@@")]
        for line in body[:TEXT_DIFF_LIMIT]:
            yield ("  " + line) if line.startswith("@@") else line[:1] + "   " + line[1:]
        if len(body) > TEXT_DIFF_LIMIT:
            yield f"  … {len(body) - TEXT_DIFF_LIMIT} more line(s)"
        return
    if isinstance(old, list) and isinstance(new, list):
        gone = [x for x in old if x not in new]
        came = [x for x in new if x not in old]
        if gone or came:
            yield f"! {path}:{note}"
            yield from (f"-   {_value(x)}" for x in gone)
            yield from (f"+   {_value(x)}" for x in came)
        else:
            yield f"! {path}: (reordered){note}"
        return
    if old is not None:
        removed = "(removed) " if element else ""
        yield f"- {path}: {removed}{_value(old)}{note}"
    if new is not None:
        added = "(added) " if element else ""
        yield f"+ {path}: {added}{_value(new)}{note}"


def _is_text(old: Any, new: Any) -> bool:
    """Multi-line text on either side (code, SQL): shown line by line, not as one string."""
    if not all(isinstance(x, str) or x is None for x in (old, new)):
        return False
    return any(isinstance(x, str) and "\n" in x for x in (old, new))


def _value(value: Any) -> str:
    text = json.dumps(shown(value), ensure_ascii=False)
    text = text.replace(f'"{UNKNOWN_TOKEN}"', UNKNOWN_TEXT)
    if len(text) > VALUE_LIMIT:
        text = text[: VALUE_LIMIT - 20] + f"… ({len(text)} chars)"
    return text


def _fence(lines: Iterable[str]) -> str:
    """A code fence longer than any run of backticks in the block (values may hold some)."""
    longest = max((len(m) for line in lines for m in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def _code(text: str) -> str:
    """``text`` as an inline code span, whatever backticks it holds."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _cell(text: str) -> str:
    """Safe inside a table cell: a pipe would end the cell, a newline the row."""
    return text.replace("|", "\\|").replace("\n", " ")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
