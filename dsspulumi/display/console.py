"""Human output: a Pulumi-like plan table, property diffs, live progress, summaries.

Plans and results go to stdout; notices and progress go to stderr so that
stdout stays clean for pipes.
"""

from __future__ import annotations

import difflib
import json
import threading
import time
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from dsspulumi.display.failures import (
    RetryDigest,
    failed_groups,
    is_unreachable,
    progress,
)
from dsspulumi.engine import RunResult
from dsspulumi.executor import StepOutcome
from dsspulumi.output import UNKNOWN_TEXT, UNKNOWN_TOKEN, contains_secret, shown
from dsspulumi.plan import RETAIN, Op, Plan, Step
from dsspulumi.provider import RetryEvent
from dsspulumi.status import FAILED, SKIPPED, SUCCEEDED
from dsspulumi.urn import logical_name

# Keyed by a step's kind: its op, or RETAIN (a delete that leaves the object in DSS).
MARK: dict[str, tuple[str, str]] = {
    Op.CREATE: ("+", "green"),
    Op.UPDATE: ("~", "yellow"),
    Op.REPLACE: ("+-", "magenta"),
    Op.DELETE: ("-", "red"),
    Op.SAME: (" ", "dim"),
    Op.READ: (">", "cyan"),
    Op.IMPORT: ("=", "cyan"),
    RETAIN: ("-", "yellow"),
}
VERB: dict[str, str] = {
    Op.CREATE: "to create",
    Op.UPDATE: "to update",
    Op.REPLACE: "to replace",
    Op.DELETE: "to delete",
    Op.SAME: "unchanged",
    Op.READ: "to read",
    Op.IMPORT: "to import",
    RETAIN: "to retain (left in DSS)",
}
DONE_VERB: dict[str, str] = {
    Op.CREATE: "created",
    Op.UPDATE: "updated",
    Op.REPLACE: "replaced",
    Op.DELETE: "deleted",
    Op.SAME: "unchanged",
    Op.READ: "read",
    Op.IMPORT: "imported",
    RETAIN: "retained (left in DSS)",
}
SUMMARY_ORDER = (Op.CREATE, Op.UPDATE, Op.REPLACE, Op.DELETE, RETAIN, Op.IMPORT, Op.SAME, Op.READ)


def _value(v: Any, limit: int = 80) -> str:
    v = shown(v)
    text = json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else json.dumps(v)
    text = text.replace(f'"{UNKNOWN_TOKEN}"', UNKNOWN_TEXT)
    if len(text) > limit:
        text = text[: limit - 15] + f"… ({len(text)} chars)"
    return text


def move_info(step: Step) -> str:
    """What an alias did: "renamed from X" (another name) or "moved from URN" (new parent)."""
    if step.moved_from is None:
        return ""
    old_name = logical_name(step.moved_from)
    if step.renames_in_dss:
        return f"{old_name} → {step.logical_name} (renamed in DSS)"
    if old_name != step.logical_name:
        return f"renamed from {old_name}"
    return f"moved from {step.moved_from}"


def _shown_steps(plan: Plan, show_same: bool) -> list[tuple[Step, int]]:
    return [
        (s, 0) for s in plan.steps if show_same or s.op is not Op.SAME or s.moved_from is not None
    ]


def nested(plan: Plan, steps: list[Step]) -> list[tuple[Any, int]]:
    """Steps with their components: each component once, before its children, which follow
    it together (indented by depth); steps outside components keep their order."""
    by_parent: dict[str, list[Step]] = {}
    for step in steps:
        if step.parent is not None:
            by_parent.setdefault(step.parent, []).append(step)
    children_of: dict[str | None, list[Any]] = {}
    for comp in plan.components.values():
        children_of.setdefault(comp.parent, []).append(comp)
    rows: list[tuple[Any, int]] = []
    done: set[str] = set()

    def has_rows(urn: str) -> bool:
        return bool(by_parent.get(urn)) or any(has_rows(c.urn) for c in children_of.get(urn, []))

    def emit_component(urn: str, depth: int) -> None:
        if urn in done or urn not in plan.components:
            return
        done.add(urn)
        rows.append((plan.components[urn], depth))
        for child in children_of.get(urn, []):
            if has_rows(child.urn):
                emit_component(child.urn, depth + 1)
        rows.extend((s, depth + 1) for s in by_parent.get(urn, []))

    def outermost(urn: str) -> tuple[str, int]:
        comp = plan.components.get(urn)
        if comp is None or comp.parent is None or comp.parent not in plan.components:
            return urn, 0
        return outermost(comp.parent)

    for step in steps:
        if step.parent is None or step.parent not in plan.components:
            rows.append((step, 0))
        else:
            top, _ = outermost(step.parent)
            emit_component(top, 0)
    return rows


def plan_table(plan: Plan, *, show_diff: bool = False, show_same: bool = False) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    table.add_column("", no_wrap=True)
    table.add_column("Type", no_wrap=True)
    table.add_column("Name", overflow="fold")
    table.add_column("Plan", no_wrap=True)
    table.add_column("Info", overflow="fold")
    steps = [s for s, _ in _shown_steps(plan, show_same)]
    for row, depth in nested(plan, steps):
        indent = "  " * depth
        if not isinstance(row, Step):  # a component: no DSS object, only a group
            table.add_row("", row.type, Text(f"{indent}{row.name}", style="bold"), "", "component")
            continue
        step = row
        mark, style = MARK[step.kind]
        info = ""
        if step.op is Op.REPLACE:
            info = f"[diff: {', '.join('~' + p for p in step.replace_paths)}] forces replace"
        elif step.diff:
            paths = [d.path for d in step.diff if not (step.renames_in_dss and d.path == "name")]
            info = f"[diff: {', '.join('~' + p for p in paths)}]" if paths else ""
        elif step.unknowns:
            info = f"{', '.join(step.unknowns)}: {UNKNOWN_TEXT}"
        if step.op is Op.DELETE and step.retain:
            info = "retained (left in DSS): unmarked, dropped from the state"
        if step.op is Op.READ:
            info = "not managed: checked to exist, never changed"
        if step.op is Op.IMPORT:
            info = "adopts the existing object" + (f", then {info}" if info else "")
        if step.moved_from is not None:
            info = f"{move_info(step)}; {info}" if info else move_info(step)
        table.add_row(
            Text(mark, style=style),
            step.type,
            Text(f"{indent}{step.logical_name}", style=style),
            Text("rename" if step.renames_in_dss else step.kind, style=style),
            escape(info),
        )
    return table


def _change_lines(path: str, old: Any, new: Any) -> list[Text] | None:
    """Readable diffs for the two shapes that truncate badly: lists and multi-line text."""
    if (contains_secret(old) or contains_secret(new)) and not _whole_element(path, old, new):
        return [Text(f"      ~ {path}: [secret] (changed)", style="yellow")]
    if isinstance(old, list) and isinstance(new, list):
        lines = [Text(f"      ~ {path}:", style="yellow")]
        lines += [Text(f"          - {_value(x)}", style="red") for x in old if x not in new]
        lines += [Text(f"          + {_value(x)}", style="green") for x in new if x not in old]
        if len(lines) == 1:
            lines.append(Text("          (reordered)", style="yellow"))
        return lines
    if isinstance(old, str) and isinstance(new, str) and ("\n" in old or "\n" in new):
        diff = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1)
        lines = [Text(f"      ~ {path}:", style="yellow")]
        for line in list(diff)[2:]:
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
            lines.append(Text(f"          {line}", style=style))
        return lines
    return None


# An element of a list of objects added or removed (``steps[2]``) is shown whole, longer.
ELEMENT_LIMIT = 160


def _whole_element(path: str, old: Any, new: Any) -> bool:
    """An element of a list of objects added or removed: shown whole (secrets masked)."""
    return path.endswith("]") and (old is None or new is None)


def _element(path: str, what: str, value: Any) -> str:
    """``(added) {…}`` for a list element (its path ends with its index), else the value."""
    if path.endswith("]"):
        return f"({what}) {_value(value, ELEMENT_LIMIT)}"
    return _value(value)


def diff_lines(step: Step) -> list[Text]:
    """Property-level lines of one step, as shown under --diff."""
    lines: list[Text] = []
    for d in step.diff:
        special = _change_lines(d.path, d.old, d.new)
        if special is not None:
            lines.extend(special)
        elif d.old is None:
            lines.append(Text(f"      + {d.path}: {_element(d.path, 'added', d.new)}", "green"))
        elif d.new is None:
            lines.append(Text(f"      - {d.path}: {_element(d.path, 'removed', d.old)}", "red"))
        else:
            lines.append(
                Text(f"      ~ {d.path}: {_value(d.old)} => {_value(d.new)}", style="yellow")
            )
    if step.op is Op.CREATE and step.inputs:
        for k, v in step.inputs.items():
            if v not in (None, [], {}):
                lines.append(Text(f"      + {k}: {_value(v)}", style="green"))
    if step.op is Op.DELETE and step.old is not None and not step.retain:
        for k, v in step.old.inputs.items():
            if v not in (None, [], {}):
                lines.append(Text(f"      - {k}: {_value(v)}", style="red"))
    return lines


def summary_lines(counts: dict[str, int], verbs: dict[str, str]) -> Text:
    text = Text()
    for kind in SUMMARY_ORDER:
        n = counts.get(str(kind), 0)
        if n:
            mark, style = MARK[kind]
            text.append(f"    {mark:<2} {n} {verbs[kind]}\n", style=style)
    if not text.plain:
        text.append("    none\n", style="dim")
    return text


def print_drift(console: Console, notes: list[str], drift: list[Any]) -> None:
    """What ``dss refresh`` found: per object, each drifted property (state => DSS)."""
    for note in notes:
        console.print(Text(f"  ! {note}", style="yellow"), soft_wrap=True)
    for d in drift:
        if d.status != "changed":
            console.print(Text(f"  - {d.describe()}", style="red"), soft_wrap=True)
            continue
        console.print(
            Text(f"  ~ {d.type} {d.logical_name}: changed outside dsspulumi", style="yellow")
        )
        for p in d.diff:
            special = _change_lines(p.path, p.old, p.new)
            if special is not None:
                for line in special:
                    console.print(line, soft_wrap=True)
            elif p.path.endswith("]") and (p.old is None or p.new is None):
                # An element of a list of objects, added or removed in DSS.
                what, value = ("added", p.new) if p.old is None else ("removed", p.old)
                console.print(
                    Text(f"      ~ {p.path}: {_element(p.path, what, value)} (in DSS)"),
                    soft_wrap=True,
                )
            else:
                console.print(
                    Text(f"      ~ {p.path}: {_value(p.old)} => {_value(p.new)} (in DSS)"),
                    soft_wrap=True,
                )


def print_plan(console: Console, plan: Plan, *, show_diff: bool, title: str) -> None:
    console.print(
        f"[bold]{title}[/bold] (stack [cyan]{plan.stack}[/cyan], env [cyan]{plan.env}[/cyan])"
    )
    console.print()
    if plan.has_changes and show_diff:
        steps = [s for s, _ in _shown_steps(plan, False)]
        for row, depth in nested(plan, steps):
            indent = "  " * depth
            if not isinstance(row, Step):
                console.print(Text(f"    {indent}{row.type} {row.name} (component)", style="bold"))
                continue
            step = row
            mark, style = MARK[step.kind]
            moved = f", {move_info(step)}" if step.moved_from else ""
            what = f"{step.logical_name} ({step.op}{moved})"
            if step.renames_in_dss:
                what = f"rename {move_info(step)}"
            elif step.retain:
                what = f"{step.logical_name} (retained (left in DSS): unmarked, out of the state)"
            console.print(Text(f" {mark:<2} {indent}{step.type} {what}", style=style))
            for line in diff_lines(step):
                console.print(line, soft_wrap=True)
        console.print()
    elif plan.has_changes:
        console.print(plan_table(plan, show_diff=False))
        console.print()
    else:
        console.print("No changes.")
        console.print()
    console.print("Resources:")
    console.print(summary_lines(plan.summary(), VERB), end="")
    for line in move_lines(plan.moves, done=False):
        console.print(line)


def move_lines(moves: list[Step], *, done: bool) -> list[Text]:
    """The summary's lines for the resources found under an alias: renamed in DSS (an
    update of the DSS name, first ones named), or moved in the state only."""
    renamed = [m for m in moves if m.renames_in_dss]
    lines = []
    if renamed:
        names = ", ".join(move_info(m).removesuffix(" (renamed in DSS)") for m in renamed[:3])
        more = f" and {len(renamed) - 3} more" if len(renamed) > 3 else ""
        verb = "renamed in DSS" if done else "to rename in DSS"
        lines.append(Text(f"    ↷  {len(renamed)} {verb} (aliases): {names}{more}", style="cyan"))
    moved = len(moves) - len(renamed)
    if moved:
        verb = "moved in the state only" if done else "to move in the state only"
        lines.append(Text(f"    ↷  {moved} {verb} (aliases)", style="cyan"))
    return lines


class ProgressListener:
    """Live view of running steps on a terminal; one line per finished step otherwise."""

    def __init__(self, out: Console, err: Console, *, live: bool, quiet: bool = False) -> None:
        self.quiet = quiet
        self.out = out
        self.err = err
        self.live_enabled = live
        self._live: Live | None = None
        self._running: dict[str, float] = {}
        self._status: dict[str, str] = {}  # what a running step's long task says
        self._done: list[tuple[Step, StepOutcome]] = []
        self._lines: list[Text] = []  # the finished steps worth a line (see ``_worth_a_line``)
        self._digest = RetryDigest()
        self._unreachable_shown = False
        self._lock = threading.Lock()
        self.total = 0
        self.retries: list[RetryEvent] = []

    # engine.Listener
    def notice(self, message: str) -> None:
        self.err.print(f"[yellow]note:[/yellow] {escape(message)}")

    def plan_ready(self, plan: Plan) -> None:
        self.total = sum(1 for s in plan.steps if s.changes)

    def retry(self, event: RetryEvent) -> None:
        """A transient DSS failure being retried: shown as it happens, counted for --json."""
        with self._lock:
            self.retries.append(event)
            text = None if self.quiet else self._digest.line(event)
            if text is None:
                return
            line = Text(f" ↻  {text}", style="yellow")
            if self._live is not None:
                self._live.console.print(line)
                self._live.update(self._render())
            else:
                self.err.print(line)

    def progress(self, urn: str | None, message: str) -> None:
        """A long task of a running step (a code env build): shown on its line, or printed."""
        with self._lock:
            if urn is not None:
                self._status[urn] = message
            if self.quiet:
                return
            if self._live is not None:
                self._live.update(self._render())
            else:
                who = f"{urn.rsplit('::', 1)[-1]}: " if urn else ""
                self.err.print(Text(f" …  {who}{message}", style="cyan"))

    def step(self, event: str, step: Step, outcome: StepOutcome | None) -> None:
        if not step.changes:
            return
        with self._lock:
            if event == "start":
                self._running[step.urn] = time.monotonic()
            else:
                self._running.pop(step.urn, None)
                self._status.pop(step.urn, None)
                assert outcome is not None
                self._done.append((step, outcome))
                if self._worth_a_line(outcome):
                    self._lines.append(self._line(step, outcome))
                    if self._live is None and not self.quiet:
                        self.out.print(self._lines[-1])
            if self._live is not None:
                self._live.update(self._render())

    def _worth_a_line(self, outcome: StepOutcome) -> bool:
        """Not the steps a stopped run never started, and DSS unreachable said once: the
        summary counts and groups them."""
        if outcome.stopped:
            return False
        if outcome.status == FAILED and is_unreachable(outcome):
            shown, self._unreachable_shown = self._unreachable_shown, True
            return not shown
        return True

    def _line(self, step: Step, outcome: StepOutcome) -> Text:
        mark, style = MARK[step.kind]
        if outcome.status == SUCCEEDED:
            what = f"{step.logical_name} {DONE_VERB[step.kind]}"
            if step.renames_in_dss:
                what = move_info(step).replace("(renamed in DSS)", "renamed in DSS")
            return Text(f" {mark:<2} {what} ({outcome.seconds:.1f}s)", style=style)
        if outcome.status == SKIPPED:
            why = (outcome.error or "").removeprefix("skipped: ")
            return Text(f" !  {step.logical_name} skipped ({why})", style="dim")
        # A failure's error starts with the object's name (executor): said once, here first.
        error = (outcome.error or "").removeprefix(f"{step.logical_name}: ")
        return Text(f" ✗  {step.logical_name} {step.op} failed: {error}", style="bold red")

    def _render(self) -> Group:
        lines = self._lines[-15:]
        now = time.monotonic()
        for urn, started in list(self._running.items())[:10]:
            status = f": {self._status[urn]}" if urn in self._status else ""
            lines.append(
                Text(f" …  {urn.rsplit('::', 1)[-1]} ({now - started:.1f}s){status}", style="cyan")
            )
        retried = f", {len(self.retries)} retries" if self.retries else ""
        lines.append(
            Text(
                f"{len(self._done)}/{self.total} done, {len(self._running)} running{retried}",
                style="bold",
            )
        )
        return Group(*lines)

    def start(self) -> None:
        """Begin the live view (once the plan is confirmed); no-op off a terminal."""
        if self.live_enabled and self._live is None:
            self._live = Live(
                self._render(), console=self.out, refresh_per_second=8, transient=False
            )
            self._live.__enter__()

    def stop(self) -> None:
        if self._live is not None:
            self._live.update(self._render())
            self._live.__exit__(None, None, None)
            self._live = None

    def __enter__(self) -> ProgressListener:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def print_result(console: Console, result: RunResult, *, kind: str, summary: bool = True) -> None:
    counts: dict[str, int] = {}
    for step in result.plan.steps:
        outcome = result.outcomes.get(step.urn)
        if outcome is not None and outcome.status == SUCCEEDED:
            counts[step.kind] = counts.get(step.kind, 0) + 1
    console.print()
    if result.outputs:
        console.print("Outputs:")
        for k, v in result.outputs.items():
            console.print(f"    {k}: {escape(_value(v, 200))}")
        console.print()
    if summary:
        console.print("Resources:")
        console.print(summary_lines(counts, DONE_VERB), end="")
        # A move is recorded before the steps run; a rename in DSS only if its step succeeded.
        moved = [
            m
            for m in result.plan.moves
            if (o := result.outcomes.get(m.urn)) is not None
            and (not m.renames_in_dss or o.status == SUCCEEDED)
        ]
        if result.applied:
            for line in move_lines(moved, done=True):
                console.print(line)
    failed = [o for o in result.outcomes.values() if o.status == FAILED]
    skipped = [o for o in result.outcomes.values() if o.status == SKIPPED]
    if failed or skipped:
        got = progress(result)
        unstarted = f"{got.not_started} not started" if result.outage else f"{len(skipped)} skipped"
        console.print(f"    [red]✗  {len(failed)} failed[/red], [dim]{unstarted}[/dim]")
        console.print()
        console.print(f"[bold red]{kind} failed[/bold red]:")
        if result.outage is not None:
            console.print(f"  {escape(result.outage.summary(got.done, got.not_started))}")
        for group in failed_groups(result):
            console.print(f"  - {escape(group.describe())}")
        if result.outage is not None:
            console.print(
                f"  Run `dss {kind}` again when DSS is back: it reads DSS to settle the steps "
                "that were in flight, and carries on."
            )
    else:
        console.print(f"\n[bold green]{kind} succeeded[/bold green]")
