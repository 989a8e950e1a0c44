"""``dss preview``, ``dss up`` and ``dss destroy``."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

# Only what declaring the commands needs is imported here: `dss --help` and
# `dss --version` load this module. The engine, backends, config, secrets and
# display are imported by the commands that use them.
from dsspulumi.cli.common import (
    Consoles,
    StackLocation,
    check_env,
    consoles,
    handle_errors,
    resolve_backend_url,
    resolve_stack,
    stdin_is_terminal,
)
from dsspulumi.errors import ProtectedError

if TYPE_CHECKING:
    from dsspulumi.config import StackConfig
    from dsspulumi.engine import StackRun

EMBEDDED_SANDBOX_DIR = Path(".dss/sandbox")

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


class Session(contextlib.ExitStack):
    """Resolves stack, config, backend and (lazily) DSS for one command."""

    def __init__(
        self,
        stack_arg: str | StackLocation,
        env: str,
        backend: str | None,
        dss_url: str | None,
        json_mode: bool,
        command: str,
        retries: int = 5,
    ) -> None:
        from dsspulumi.backends import open_backend
        from dsspulumi.config import StackConfig

        super().__init__()
        self.retries = retries
        self.listener: Any = None
        self.loc = stack_arg if isinstance(stack_arg, StackLocation) else resolve_stack(stack_arg)
        self.env = check_env(env)
        self.config = StackConfig.load(self.loc.file, self.loc.name, self.env)
        self.backend = open_backend(resolve_backend_url(backend, self.loc.file.parent))
        self.dss_url = dss_url
        self.io: Consoles = consoles(json_mode)
        self._registry: Any = None
        self.command = command
        self.keyring = ConfigKeyring(self.config)

    def providers(self) -> Any:
        if self._registry is None:
            from dsspulumi.config import resolve_dss_target
            from dsspulumi.providers.dss import DssProviders

            target = resolve_dss_target(self.config, cli_url=self.dss_url)
            if target.url == "sandbox":
                from dsspulumi.sandbox import Sandbox

                EMBEDDED_SANDBOX_DIR.mkdir(parents=True, exist_ok=True)
                sandbox = self.enter_context(Sandbox(data_dir=EMBEDDED_SANDBOX_DIR))
                self._registry = DssProviders(
                    sandbox.url,
                    sandbox.api_key,
                    retries=self.retries,
                    on_retry=self._on_retry,
                    on_progress=self._on_progress,
                )
            else:
                self._registry = DssProviders(
                    target.url,
                    target.api_key or "",
                    verify_tls=target.verify_tls,
                    retries=self.retries,
                    on_retry=self._on_retry,
                    on_progress=self._on_progress,
                )
        return self._registry

    def _on_retry(self, event: Any) -> None:
        if self.listener is not None:
            self.listener.retry(event)

    def _on_progress(self, urn: str | None, message: str) -> None:
        """A long DSS task (a code env build) reporting how it goes, shown by the display."""
        progress = getattr(self.listener, "progress", None)
        if progress is not None:
            progress(urn, message)

    def run(self, listener: Any) -> StackRun:
        from dsspulumi.engine import StackRun

        self.listener = listener
        return StackRun(
            stack=self.loc.name,
            env=self.env,
            stack_file=self.loc.file,
            backend=self.backend,
            providers=self.providers,
            listener=listener,
            command=self.command,
            keyring=self.keyring,
            retries=self.retries,
        )

    def _services(self) -> dict[str, Any]:
        return {
            "reveal": self.config.reveal,
            "read_outputs": self.read_outputs,
            "digest_key": self.digest_key,
        }

    def program(self, *, document: bool | None = None) -> Any:
        """Run the stack file. ``document``: stdout carries a document (default: --json or
        another machine format), so what the program prints goes to stderr instead."""
        from dsspulumi.program import run_program

        return run_program(
            self.loc.file,
            stack=self.loc.name,
            env=self.env,
            config=self.config.namespaces(),
            services=self._services(),
            quiet_stdout=self.io.json_mode if document is None else document,
        )

    def declare(self, build: Any) -> Any:
        """Run ``build`` (which constructs resources) as a line of this stack's program would
        run: with its config and services (secret digests), registering nothing."""
        from dsspulumi import program_context

        ctx = program_context.ProgramContext(
            stack=self.loc.name,
            env=self.env,
            stack_file=self.loc.file.resolve(),
            config=self.config.namespaces(),
            services=self._services(),
        )
        with program_context.activate(ctx):
            return build()

    def digest_key(self) -> bytes:
        """The key of secret digests (``secrets.digest``): from the stack's secrets key.

        A stack declaring such a secret without a secrets provider gets the passphrase one.
        """
        from dsspulumi.secrets import digest_key

        if self.config.settings() is None:
            self.config.init_secrets("passphrase")
            self.config.save()
            self.io.err.print(
                f"[yellow]note:[/yellow] set up the passphrase secrets provider in "
                f"{self.config.path}"
            )
        return digest_key(self.config.crypter())

    def read_outputs(self, stack: str, env: str) -> dict[str, Any]:
        """Outputs of another stack in the same backend (for dss.StackReference)."""
        from dsspulumi import admin

        return admin.read_stack_outputs(self.backend, stack, env)

    def ensure_secrets_provider(self, graph: Any) -> None:
        """A run about to store its first secret sets up the passphrase provider."""
        from dsspulumi.output import contains_secret, to_engine

        if self.config.settings() is not None or graph is None:
            return
        has_secret = any(contains_secret(n.inputs) for n in graph.nodes.values())
        if has_secret or contains_secret(to_engine(graph.exports)):
            self.config.init_secrets("passphrase")
            self.config.save()
            self.io.err.print(
                f"[yellow]note:[/yellow] set up the passphrase secrets provider in "
                f"{self.config.path}"
            )


class ConfigKeyring:
    """The engine's key for secrets in state: the stack config's secrets provider."""

    def __init__(self, config: StackConfig) -> None:
        from dsspulumi.secrets import LazyCrypter

        self.config = config
        self._lazy = LazyCrypter(lambda: config.crypter())

    def crypter(self) -> Any:
        return self._lazy

    def settings(self) -> dict[str, str] | None:
        settings = self.config.settings()
        return settings.to_dict() if settings else None


class _PlanPrinter:
    """Listener for preview: prints notices to stderr, nothing else."""

    def __init__(self, io: Consoles) -> None:
        from dsspulumi.display.failures import RetryDigest

        self.io = io
        self._digest = RetryDigest()

    def notice(self, message: str) -> None:
        from rich.markup import escape

        self.io.err.print(f"[yellow]note:[/yellow] {escape(message)}")

    def plan_ready(self, plan: Any) -> None:
        pass

    def step(self, *args: Any) -> None:
        pass

    def retry(self, event: Any) -> None:
        from rich.markup import escape

        text = self._digest.line(event)  # failed connections: once in a while, not each
        if text is not None:
            self.io.err.print(f"[yellow]retry:[/yellow] {escape(text)}")


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
    parallel: ParallelOpt = 10,
    retries: RetriesOpt = 5,
    debug: DebugOpt = False,
) -> None:
    """Run the program, diff it against the state, print the plan. Changes nothing."""
    if json_out and fmt not in ("text", "json"):
        raise typer.BadParameter(f"--json contradicts --format {fmt}", param_hint="--format")
    fmt = "json" if json_out else fmt
    with (
        handle_errors(debug),
        Session(stack, env, backend, dss_url, fmt != "text", "dss preview", retries) as s,
    ):
        t0 = time.perf_counter()
        graph = s.program()
        t1 = time.perf_counter()
        result = s.run(_PlanPrinter(s.io)).preview(graph, targets=target, refresh=refresh)
        if fmt == "json":
            from dsspulumi.display.jsonout import plan_dict

            doc = plan_dict(result.plan)
            if refresh:
                doc["drift"] = [d.to_json() for d in result.drift]
            doc["timings"] = {"program": t1 - t0, **result.timings}
            _emit_json(doc)
        elif fmt == "markdown":
            from dsspulumi.display.markdown import render_drift, render_plan

            typer.echo(render_drift(result.drift) + render_plan(result.plan), nl=False)
        else:
            from dsspulumi.display import console as show

            show.print_plan(s.io.out, result.plan, show_diff=diff, title="Previewing update")
        if expect_no_changes and result.plan.has_changes:
            raise typer.Exit(3)


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


def _asker(yes: bool, io: Consoles, json_mode: bool, show_diff: bool, kind: str) -> Any:
    def confirm(plan: Any) -> bool:
        if not json_mode:
            from dsspulumi.display import console as show

            title = "Previewing update" if kind == "up" else "Previewing destroy"
            show.print_plan(io.out, plan, show_diff=show_diff, title=title)
        if yes:
            return True
        io.out.print()
        return typer.confirm(f"Do you want to perform this {kind}?", default=False, err=True)

    return confirm


def _apply(
    kind: str,
    stack: str,
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
    lock_timeout: float = 0.0,
    retries: int = 5,
) -> None:
    from dsspulumi.display import console as show
    from dsspulumi.display.jsonout import run_dict

    with (
        handle_errors(debug),
        Session(stack, env, backend, dss_url, json_out, f"dss {kind}", retries) as s,
    ):
        _confirm_or_refuse(yes or expect_no_changes, s.io, kind)
        graph = s.program() if kind == "up" else None
        title = "Previewing update" if kind == "up" else "Previewing destroy"
        s.ensure_secrets_provider(graph)
        live = (not json_out) and s.io.out.is_terminal
        with show.ProgressListener(s.io.out, s.io.err, live=live, quiet=json_out) as listener:
            run = s.run(listener)
            listener_confirm = _asker(yes, s.io, json_out, diff, kind)

            def confirm(plan: Any) -> bool:
                ok = listener_confirm(plan)
                if ok and not json_out and plan.has_changes:
                    s.io.out.print()
                    s.io.out.print(
                        "[bold]Applying[/bold]" if kind == "up" else "[bold]Destroying[/bold]"
                    )
                    listener.start()
                return ok

            try:
                result = run.apply(
                    graph,
                    targets=target,
                    refresh=refresh,
                    parallel=parallel,
                    confirm=confirm,
                    expect_no_changes=expect_no_changes,
                    kind=kind,
                    lock_timeout=lock_timeout,
                )
            except ProtectedError as exc:
                if kind != "destroy":
                    raise
                from dsspulumi.protection import explain_destroy_block

                raise explain_destroy_block(exc, s.program, stack=s.loc.name, env=s.env) from None
        if json_out:
            doc = run_dict(result, retries=listener.retries)
            if refresh:
                doc["drift"] = [d.to_json() for d in result.drift]
            _emit_json(doc)
        elif not result.applied:
            if not result.cancelled:
                show.print_plan(s.io.out, result.plan, show_diff=diff, title=title)
        elif not result.plan.has_changes:
            # Nothing was applied: the plan's summary is the result's; print it once.
            show.print_plan(s.io.out, result.plan, show_diff=diff, title=title)
            show.print_result(s.io.out, result, kind=kind, summary=False)
        else:
            show.print_result(s.io.out, result, kind=kind)
        if result.cancelled:
            s.io.err.print(f"{kind} cancelled: nothing was changed")
            raise typer.Exit(1)
        if expect_no_changes and result.plan.has_changes:
            s.io.err.print("changes pending (--expect-no-changes): nothing was applied")
            raise typer.Exit(3)
        if result.failed or not result.succeeded:
            if not json_out and result.outage is None:  # an outage is said in the summary
                s.io.err.print(
                    f"[bold red]error:[/bold red] {len(result.failed)} step(s) failed; the state "
                    "records every step that succeeded. Fix the cause and run again."
                )
            raise typer.Exit(1)


def up(
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
    debug: DebugOpt = False,
) -> None:
    """Preview, confirm (or --yes), apply, save state."""
    _apply(
        "up",
        stack,
        env,
        json_out,
        diff,
        target,
        refresh,
        parallel,
        yes,
        expect_no_changes,
        backend,
        dss_url,
        debug,
        lock_timeout,
        retries,
    )


def destroy(
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
    debug: DebugOpt = False,
) -> None:
    """Delete everything the stack's state holds, dependants first."""
    _apply(
        "destroy",
        stack,
        env,
        json_out,
        diff,
        target,
        refresh,
        parallel,
        yes,
        expect_no_changes,
        backend,
        dss_url,
        debug,
        lock_timeout,
        retries,
    )


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
    with (
        handle_errors(debug),
        Session(stack, env, backend, dss_url, json_out, "dss refresh", retries) as s,
    ):
        if expect_no_changes and not yes and not stdin_is_terminal():
            preview_only = True  # like `up --expect-no-changes`: drift found, nothing recorded
        if not preview_only:
            _confirm_or_refuse(
                yes,
                s.io,
                "record the drift",
                f"See it with `dss refresh {stack} --preview-only`",
            )
        run = s.run(_PlanPrinter(s.io))
        record = not preview_only
        if record and not yes and stdin_is_terminal():
            # On a terminal, show the drift first and ask before recording it.
            found = run.refresh_state(lock_timeout=lock_timeout, record=False)
            _print_refresh(s, found)
            if not found.lines:
                return
            if not typer.confirm("Record this drift in the state?", default=False, err=True):
                s.io.err.print("refresh cancelled: nothing was recorded")
                raise typer.Exit(1)
        result = run.refresh_state(lock_timeout=lock_timeout, record=record)
        if json_out:
            _emit_json(
                {
                    "stack": s.loc.name,
                    "env": s.env,
                    "drift": result.lines,
                    "resources": [d.to_json() for d in result.drift],
                    "recorded": result.recorded,
                }
            )
        else:
            _print_refresh(s, result)
        if expect_no_changes and result.lines:
            raise typer.Exit(3)


def _print_refresh(s: Session, result: Any) -> None:
    from dsspulumi.display.console import print_drift

    print_drift(s.io.out, result.notes, result.drift)
    n = len(result.lines)
    if not n:
        s.io.out.print("refresh done: DSS matches the state")
    elif result.recorded:
        s.io.out.print(f"refresh done: {n} drifted resource(s) recorded")
    else:
        s.io.out.print(f"refresh preview: {n} drifted resource(s), nothing recorded")
