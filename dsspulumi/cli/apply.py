"""``dss preview``, ``dss up`` and ``dss destroy``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

# Only what declaring the commands needs is imported here: `dss --help` and
# `dss --version` load this module. The engine, backends, config, secrets and
# display are imported by the commands that use them.
from dsspulumi.cli.common import Consoles, consoles, handle_errors, stdin_is_terminal

if TYPE_CHECKING:
    from collections.abc import Callable

StackArg = Annotated[str, typer.Argument(help="Stack file, or a name resolved as stacks/STACK.py")]
EnvOpt = Annotated[str, typer.Option("-e", "--env", help="Environment whose state to use")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout")]
DiffOpt = Annotated[bool, typer.Option("--diff", help="Show property-level diffs")]
PlanFormat = Literal["text", "json", "markdown"]
FormatOpt = Annotated[
    PlanFormat,
    typer.Option(
        "--format",
        help="Plan output: text (the default), json (same as --json), or markdown (for pull "
        "request comments and CI summaries; always with property diffs)",
    ),
]
TargetOpt = Annotated[
    list[str] | None, typer.Option("--target", help="Only this resource (URN or PROJECT.name)")
]
RefreshOpt = Annotated[bool, typer.Option("--refresh", help="Read DSS before planning")]
ParallelOpt = Annotated[int, typer.Option("--parallel", min=1, max=64, help="Concurrent steps")]
ReadsOpt = Annotated[
    int,
    typer.Option("--parallel", min=1, max=64, help="Concurrent reads of DSS for --refresh"),
]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking")]
ExpectOpt = Annotated[
    bool, typer.Option("--expect-no-changes", help="Exit 3 if the plan is not empty")
]
BackendOpt = Annotated[str | None, typer.Option("--backend", help="State backend URL")]
DssUrlOpt = Annotated[
    str | None, typer.Option("--dss-url", help="DSS URL, or sandbox for the embedded sandbox")
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks")]
RetriesOpt = Annotated[
    int,
    typer.Option(
        "--retries",
        min=0,
        max=20,
        help="Retries of a DSS call that failed transiently (5xx, dropped connection)",
    ),
]
LockTimeoutOpt = Annotated[
    float,
    typer.Option("--lock-timeout", min=0, help="Seconds to wait for another run's lock"),
]


PolicyPackOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--policy-pack",
        help="A policy pack (a .py file or an importable module) whose rules run on the plan "
        "before anything changes; repeatable, added to [tool.dsspulumi] policy_packs",
    ),
]
AdvisoryOnlyOpt = Annotated[
    bool,
    typer.Option(
        "--policy-advisory-only", help="Policy violations only warn, mandatory ones included"
    ),
]


def _emit_json(doc: dict[str, Any]) -> None:
    from dsspulumi.display.jsonout import dumps  # json.dumps(doc, indent=2, default=str)

    typer.echo(dumps(doc))


def preview(
    stack: StackArg,
    env: EnvOpt = "dev",
    json_out: JsonOpt = False,
    diff: DiffOpt = False,
    fmt: FormatOpt = "text",
    target: TargetOpt = None,
    refresh: RefreshOpt = False,
    expect_no_changes: ExpectOpt = False,
    backend: BackendOpt = None,
    dss_url: DssUrlOpt = None,
    parallel: ReadsOpt = 10,
    retries: RetriesOpt = 5,
    policy_pack: PolicyPackOpt = None,
    policy_advisory_only: AdvisoryOnlyOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Run the program, diff it against the state, print the plan. Changes nothing."""
    if json_out and fmt not in ("text", "json"):
        raise typer.BadParameter(f"--json contradicts --format {fmt}", param_hint="--format")
    fmt = "json" if json_out else fmt
    with handle_errors(debug):
        from dsspulumi.cli.stacks import feed, open_stack
        from dsspulumi.display.notices import NoticePrinter

        document = fmt != "text"
        io = consoles(document)
        st = open_stack(
            stack,
            env=env,
            backend=backend,
            dss_url=dss_url,
            retries=retries,
            document=document,
            policy_packs=policy_pack or [],
            policy_advisory_only=policy_advisory_only,
        )
        on_event = feed(NoticePrinter(io.err))
        result = st.preview(refresh=refresh, targets=target, parallel=parallel, on_event=on_event)
        check = result.policy_check
        if fmt == "json":
            _emit_json(result.to_json())
        elif fmt == "markdown":
            from dsspulumi.display.markdown import render_drift, render_plan

            head = ""
            if check is not None:
                from dsspulumi.display.policy import markdown

                head = markdown(check, result.policy)
            typer.echo(head + render_drift(result.drift) + render_plan(result.plan), nl=False)
        else:
            from dsspulumi.display import console as show

            show.print_plan(io.out, result.plan, show_diff=diff, title="Previewing update")
            if check is not None:
                from dsspulumi.display.policy import print_violations

                print_violations(io.out, check, result.policy)
        _stop_on_policy(io, check, result.policy, "preview")
        if expect_no_changes and result.has_changes:
            raise typer.Exit(3)


def _stop_on_policy(io: Consoles, check: Any, violations: list[Any], kind: str) -> None:
    """A mandatory violation: exit 1 (``up`` changed nothing: the engine stopped first)."""
    if check is not None and check.blocks(violations):
        from rich.markup import escape

        from dsspulumi.display.policy import blocked_message

        message = escape(blocked_message(violations, kind=kind))
        io.err.print(f"[bold red]error:[/bold red] {message}")
        raise typer.Exit(1)


def _confirm_or_refuse(
    yes: bool, io: Consoles, kind: str, review: str = "Review `dss preview`"
) -> None:
    """Off a terminal nobody can answer the question: without --yes, refuse (a usage
    error, exit 2) before anything is read or written."""
    if not yes and not stdin_is_terminal():
        from rich.markup import escape

        from dsspulumi.cli.common import fail

        fail(
            io.err,
            escape(
                f"refusing to {kind} without confirmation: stdin is not a terminal. "
                f"{review}, then run again with --yes"
            ),
        )
        raise typer.Exit(2)


def _asker(
    io: Consoles,
    kind: str,
    *,
    yes: bool,
    json_mode: bool,
    show_diff: bool,
    policy: Callable[[], None] = lambda: None,
) -> Any:
    def confirm(plan: Any) -> bool:
        if not json_mode:
            from dsspulumi.display import console as show

            title = "Previewing update" if kind == "up" else "Previewing destroy"
            show.print_plan(io.out, plan, show_diff=show_diff, title=title)
            policy()  # the violations, before the question
        if yes:
            return True
        io.out.print()
        return typer.confirm(f"Do you want to perform this {kind}?", default=False, err=True)

    return confirm


def _apply(
    kind: str,
    stack: str,
    *,
    env: str,
    json_out: bool,
    diff: bool,
    target: list[str] | None,
    refresh: bool,
    parallel: int,
    yes: bool,
    expect_no_changes: bool,
    backend: str | None,
    dss_url: str | None,
    debug: bool,
    lock_timeout: float,
    retries: int,
    policy_pack: list[str] | None = None,
    policy_advisory_only: bool = False,
) -> None:
    """``up`` or ``destroy``: every option by keyword, as the command received it."""
    with handle_errors(debug):
        from dsspulumi.automation import UpdateFailedError
        from dsspulumi.cli.stacks import feed, open_stack
        from dsspulumi.display import console as show

        io = consoles(json_out)
        from dsspulumi.display.policy import ShowOnce

        st = open_stack(
            stack,
            env=env,
            backend=backend,
            dss_url=dss_url,
            retries=retries,
            document=json_out,
            policy_packs=(policy_pack or []) if kind == "up" else None,
            policy_advisory_only=policy_advisory_only,
        )
        _confirm_or_refuse(yes or expect_no_changes, io, kind)
        shown: list[ShowOnce] = []

        def show_policy(violations: Any = None) -> None:
            """The run's violations, once (the check exists once the run has started)."""
            if not shown:
                shown.append(ShowOnce(io.out, None if json_out else st.policy_check))
            shown[0](violations)

        title = "Previewing update" if kind == "up" else "Previewing destroy"
        live = (not json_out) and io.out.is_terminal
        with show.ProgressListener(io.out, io.err, live=live, quiet=json_out) as listener:
            ask = _asker(io, kind, yes=yes, json_mode=json_out, show_diff=diff, policy=show_policy)

            def confirm(plan: Any) -> bool:
                listener.plan_ready(plan)
                ok = ask(plan)
                if ok and not json_out and plan.has_changes:
                    io.out.print()
                    io.out.print(
                        "[bold]Applying[/bold]" if kind == "up" else "[bold]Destroying[/bold]"
                    )
                    listener.start()
                return ok

            operation = st.up if kind == "up" else st.destroy
            try:
                done = operation(
                    targets=target,
                    refresh=refresh,
                    parallel=parallel,
                    on_event=feed(listener),
                    confirm=confirm,
                    expect_no_changes=expect_no_changes,
                    lock_timeout=lock_timeout,
                )
            except UpdateFailedError as exc:
                done = exc.result  # rendered below, like any result
        result = done.run
        assert result is not None
        if json_out:
            _emit_json(done.to_json())
        elif not result.applied:
            if not result.cancelled:
                show.print_plan(io.out, result.plan, show_diff=diff, title=title)
        elif not result.plan.has_changes:
            # Nothing was applied: the plan's summary is the result's; print it once.
            show.print_plan(io.out, result.plan, show_diff=diff, title=title)
            show.print_result(io.out, result, kind=kind, summary=False)
        else:
            show.print_result(io.out, result, kind=kind)
        show_policy(result.policy)
        _stop_on_policy(io, done.policy_check, result.policy, kind)
        if result.cancelled:
            io.err.print(f"{kind} cancelled: nothing was changed")
            raise typer.Exit(1)
        if expect_no_changes and result.plan.has_changes:
            io.err.print("changes pending (--expect-no-changes): nothing was applied")
            raise typer.Exit(3)
        if result.failed or not result.succeeded:
            if not json_out and result.outage is None:  # an outage is said in the summary
                io.err.print(
                    f"[bold red]error:[/bold red] {len(result.failed)} step(s) failed; the state "
                    "records every step that succeeded. Fix the cause and run again."
                )
            raise typer.Exit(1)


def _apply_command(kind: Literal["up", "destroy"], doc: str) -> Callable[..., None]:
    """``up`` and ``destroy`` take the same options; one signature serves both commands."""

    def command(
        stack: StackArg,
        env: EnvOpt = "dev",
        json_out: JsonOpt = False,
        diff: DiffOpt = False,
        target: TargetOpt = None,
        refresh: RefreshOpt = False,
        parallel: ParallelOpt = 10,
        yes: YesOpt = False,
        expect_no_changes: ExpectOpt = False,
        backend: BackendOpt = None,
        dss_url: DssUrlOpt = None,
        lock_timeout: LockTimeoutOpt = 0.0,
        retries: RetriesOpt = 5,
        policy_pack: PolicyPackOpt = None,
        policy_advisory_only: AdvisoryOnlyOpt = False,
        debug: DebugOpt = False,
    ) -> None:
        _apply(
            kind,
            stack,
            env=env,
            json_out=json_out,
            diff=diff,
            target=target,
            refresh=refresh,
            parallel=parallel,
            yes=yes,
            expect_no_changes=expect_no_changes,
            backend=backend,
            dss_url=dss_url,
            debug=debug,
            lock_timeout=lock_timeout,
            retries=retries,
            policy_pack=policy_pack,
            policy_advisory_only=policy_advisory_only,
        )

    command.__name__ = command.__qualname__ = kind
    if kind == "destroy":  # policy rules judge what a stack declares: not a destroy
        import inspect

        sig = inspect.signature(command, eval_str=True)
        kept = [p for n, p in sig.parameters.items() if not n.startswith("policy_")]
        command.__signature__ = sig.replace(parameters=kept)  # type: ignore[attr-defined]
    command.__doc__ = doc
    return command


up = _apply_command("up", "Preview, confirm (or --yes), apply, save state.")
destroy = _apply_command("destroy", "Delete everything the stack's state holds, dependants first.")


def refresh(
    stack: StackArg,
    env: EnvOpt = "dev",
    json_out: JsonOpt = False,
    yes: YesOpt = False,
    preview_only: Annotated[
        bool, typer.Option("--preview-only", help="Show the drift; record nothing")
    ] = False,
    expect_no_changes: Annotated[
        bool, typer.Option("--expect-no-changes", help="Exit 3 if DSS drifted from the state")
    ] = False,
    backend: BackendOpt = None,
    dss_url: DssUrlOpt = None,
    lock_timeout: LockTimeoutOpt = 0.0,
    retries: RetriesOpt = 5,
    debug: DebugOpt = False,
) -> None:
    """Read DSS, show what drifted, and record it in the state.

    DSS itself is not changed: dss up --refresh puts it back as the stack declares.
    On a terminal it asks before recording; off one it needs --yes (or --preview-only).
    """
    with handle_errors(debug):
        from dsspulumi.cli.stacks import feed, open_stack
        from dsspulumi.display.notices import NoticePrinter

        io = consoles(json_out)
        st = open_stack(
            stack, env=env, backend=backend, dss_url=dss_url, retries=retries, document=json_out
        )
        if expect_no_changes and not yes and not stdin_is_terminal():
            preview_only = True  # like `up --expect-no-changes`: drift found, nothing recorded
        if not preview_only:
            _confirm_or_refuse(
                yes,
                io,
                "record the drift",
                f"See it with `dss refresh {stack} --preview-only`",
            )
        on_event = feed(NoticePrinter(io.err))
        record = not preview_only
        if record and not yes and stdin_is_terminal():
            # On a terminal, show the drift first and ask before recording it.
            found = st.refresh(on_event, record=False, lock_timeout=lock_timeout)
            _print_refresh(io, found.refresh_result)
            if not found.summary["drift"]:
                return
            if not typer.confirm("Record this drift in the state?", default=False, err=True):
                io.err.print("refresh cancelled: nothing was recorded")
                raise typer.Exit(1)
        done = st.refresh(on_event, record=record, lock_timeout=lock_timeout)
        if json_out:
            _emit_json(done.to_json())
        else:
            _print_refresh(io, done.refresh_result)
        if expect_no_changes and done.summary["drift"]:
            raise typer.Exit(3)


def _print_refresh(io: Consoles, result: Any) -> None:
    from dsspulumi.display.console import print_drift

    print_drift(io.out, result.notes, result.drift)
    n = len(result.lines)
    if not n:
        io.out.print("refresh done: DSS matches the state")
    elif result.recorded:
        io.out.print(f"refresh done: {n} drifted resource(s) recorded")
    else:
        io.out.print(f"refresh preview: {n} drifted resource(s), nothing recorded")
