"""Policy violations on the terminal, in Markdown and in ``--json``.

Terminal lines name the rule, its severity, the object and where the stack program declared
it, so that a reviewer can go straight to the line; the Markdown table goes at the top of
the plan, where a pull-request reviewer reads first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dsspulumi.policy import PolicyCheck, Violation, blocking


def to_json(violations: Sequence[Violation]) -> list[dict[str, Any]]:
    return [v.to_json() for v in violations]


def _severity(v: Violation) -> str:
    return "mandatory, downgraded" if v.downgraded else v.severity


def print_violations(console: Console, check: PolicyCheck, violations: Sequence[Violation]) -> None:
    """The violations of a run, or one line saying the rules passed."""
    n_rules = len(check.rules)
    if not violations:
        console.print(
            Text(f"Policy: {n_rules} rule(s) of {len(check.packs)} pack(s) passed", style="green")
        )
        return
    console.print()
    console.print(Text(f"Policy violations ({len(violations)}):", style="bold"))
    for v in violations:
        style = "red" if v.blocks else "yellow"
        mark = "x" if v.blocks else "!"
        what = f"{v.kind} {v.object}" if v.object else "the stack"
        where = f" ({v.where})" if v.where else ""
        console.print(
            Text(f"  {mark} [{_severity(v)}] {v.pack}.{v.rule}: {what}{where}", style=style),
            soft_wrap=True,
        )
        console.print(Text(f"      {v.message}"), soft_wrap=True)
    if check.advisory_only and any(v.downgraded for v in violations):
        console.print(
            Text("  --policy-advisory-only: mandatory rules only warn in this run", style="dim")
        )


def blocked_message(violations: Sequence[Violation], *, kind: str) -> str:
    n = len(blocking(list(violations)))
    what = {
        "preview": "`dss up` would stop before changing anything",
        "check": "these projects break mandatory rules",
    }.get(kind, f"{kind} stopped before changing anything: nothing was changed")
    return (
        f"policy: {n} mandatory violation(s); {what}. Fix them, or run with "
        "--policy-advisory-only to only warn"
    )


class ShowOnce:
    """Prints a run's violations once: before ``up``'s question, or after its result."""

    def __init__(self, console: Console, check: PolicyCheck | None) -> None:
        self.console = console
        self.check = check
        self.shown = False

    def __call__(self, violations: Sequence[Violation] | None = None) -> None:
        if self.check is None or self.shown:
            return
        self.shown = True
        print_violations(
            self.console, self.check, self.check.last if violations is None else violations
        )


def markdown(check: PolicyCheck, violations: Sequence[Violation]) -> str:
    """The policy table that goes at the top of the Markdown plan."""
    if not violations:
        return f"**Policy:** {len(check.rules)} rule(s) of {len(check.packs)} pack(s) passed.\n\n"
    stops = len(blocking(list(violations)))
    head = f"### Policy: {len(violations)} violation(s)"
    if stops:
        head += f", {stops} mandatory (blocks `dss up`)"
    lines = [
        head,
        "",
        "| Severity | Rule | Resource | Declared at | Message |",
        "|---|---|---|---|---|",
    ]
    for v in violations:
        what = f"{v.kind} `{v.object}`" if v.object else "the stack"
        where = f"`{v.where}`" if v.where else ""
        lines.append(
            f"| {_cell(_severity(v))} | `{v.pack}.{v.rule}` | {_cell(what)} | {where} "
            f"| {_cell(v.message)} |"
        )
    return "\n".join(lines) + "\n\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def check_table(violations: Sequence[Violation]) -> Table:
    """``dss policy check``: one row per violation (project, object, rule, message)."""
    table = Table(box=None, pad_edge=False, show_edge=False)
    for name in ("project", "object", "rule", "severity", "message"):
        table.add_column(name, overflow="fold")
    for v in violations:
        table.add_row(
            v.project or "",
            f"{v.kind} {v.object}" if v.object else "",
            f"{v.pack}.{v.rule}",
            Text(_severity(v), style="red" if v.blocks else "yellow"),
            v.message,
        )
    return table


def check_row(v: Violation) -> dict[str, Any]:
    """``dss policy check --json``: one row per violation."""
    return {
        "project": v.project,
        "object": v.object,
        "kind": v.kind,
        "pack": v.pack,
        "rule": v.rule,
        "severity": v.severity,
        "message": v.message,
    }


def rules_table(check: PolicyCheck) -> Table:
    """``dss policy ls``: the rules of the enabled packs."""
    table = Table(box=None, pad_edge=False, show_edge=False)
    for name in ("pack", "rule", "severity", "applies to", "description"):
        table.add_column(name, overflow="fold")
    for pack, rule in check.rules:
        kinds = "the stack" if rule.stack else ", ".join(k.__name__ for k in rule.kinds) or "all"
        table.add_row(pack.name, rule.name, rule.severity, kinds, rule.description)
    return table
