"""``Stack``: one stack environment, driven from Python the way ``dss`` drives it.

Each operation opens its own ``dsspulumi.session.Session`` (config read afresh, backend,
DSS client, an embedded sandbox for ``dss_url="sandbox"``) and closes it before returning,
so a ``Stack`` holds no connection between calls, and two ``Stack`` objects share nothing:
the program runs in its own ``ProgramContext`` (a contextvar), the DSS client and its HTTP
session are the operation's, and every path is the stack file's or ``work_dir``'s, never
the process's current folder once the ``Stack`` is made. Stacks of different names can
therefore run in parallel threads of one process; two runs of the *same* stack take turns
through the backend's lock (``StackLockedError`` for the second one, unless it waits with
``lock_timeout``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dsspulumi import errors
from dsspulumi.automation.errors import (
    ConflictError,
    UpdateFailedError,
    automation_errors,
)
from dsspulumi.automation.events import EventListener, OnEvent
from dsspulumi.automation.results import HistoryEntry, PreviewResult, UpResult
from dsspulumi.locate import StackLocation, check_env, resolve_backend

if TYPE_CHECKING:
    from dsspulumi.backends.base import Backend
    from dsspulumi.config import StackConfig
    from dsspulumi.plan import Plan
    from dsspulumi.session import Session

Program = Callable[[], Any] | str | Path


class Stack:
    """A stack environment: its program, config, state backend and DSS target.

    ``program`` is a callable that declares resources (an *inline* program: it runs in this
    process, with the same semantics as a stack file: ``dss.Config()``, ``dss.export``,
    ``dss.File`` relative to ``work_dir``, components), or the path of a stack file, or None
    for a stack that is only read (``outputs()``, ``history()``) or destroyed.

    ``backend``, ``dss_url`` and ``api_key`` left None are resolved as ``dss`` resolves them
    (``DSS_BACKEND``, the ``pyproject.toml`` above the stack, the default ``.dss/state``;
    ``DKU_DSS_URL``/``DKU_API_KEY``, the config's ``dss:url``/``dss:api_key``). ``work_dir``
    is the folder of an inline program's config file (``<name>.<env>.toml``), of its
    ``dss.File`` paths and, when nothing else names a backend, of its ``.dss/state``;
    default: the current folder.

    ``retries``: retries of a DSS call that failed transiently. ``command`` names the runs
    in locks and history (``automation up``). ``quiet_stdout``: what the program prints goes
    to stderr (for callers whose stdout carries a document).
    """

    def __init__(
        self,
        name: str,
        program: Program | None = None,
        *,
        env: str = "dev",
        backend: str | None = None,
        dss_url: str | None = None,
        api_key: str | None = None,
        work_dir: str | Path | None = None,
        retries: int = 5,
        command: str = "automation",
        quiet_stdout: bool = False,
        policy_packs: Sequence[str] | None = (),
        policy_advisory_only: bool = False,
    ) -> None:
        from dsspulumi.backends import open_backend

        with automation_errors():
            if not name or "/" in name or name.startswith("."):
                raise errors.ConfigError(f"invalid stack name {name!r}")
            self.name = name
            self.env = check_env(env)
            self.work_dir = Path(work_dir) if work_dir is not None else None
            base = self.work_dir if self.work_dir is not None else Path()
            self.inline: Callable[[], Any] | None = None
            self.has_program = program is not None
            if program is None or callable(program):
                self.inline = program
                self.stack_file = base / f"{name}.py"
            elif isinstance(program, str | Path):
                path = Path(program)
                self.stack_file = path if path.is_absolute() else base / path
                if not self.stack_file.is_file():
                    raise errors.ConfigError(f"stack file {self.stack_file} does not exist")
            else:
                raise errors.ConfigError(
                    f"program must be a callable or a stack file path, not {type(program)!r}"
                )
            self.backend_url = self._resolve_backend(backend)
            self.backend: Backend = open_backend(self.backend_url)
            self.dss_url = dss_url
            self.api_key = api_key
            self.retries = retries
            self.command = command
            self.quiet_stdout = quiet_stdout
            # Policy packs checked on the plan of preview and up (besides pyproject's
            # ``policy_packs``); None: no policy at all. ``policy_check``: the last run's.
            self.policy_packs = None if policy_packs is None else list(policy_packs)
            self.policy_advisory_only = policy_advisory_only
            self.policy_check: Any = None
            if self.has_program:
                self._load_config()  # a wrong config file is said now, not at the first run

    def __repr__(self) -> str:
        return f"Stack({self.name!r}, env={self.env!r}, backend={self.backend_url!r})"

    def _resolve_backend(self, backend: str | None) -> str:
        return _backend_url(backend, self.stack_file.parent, self.work_dir)

    def _load_config(self) -> StackConfig:
        from dsspulumi.config import StackConfig

        return StackConfig.load(self.stack_file, self.name, self.env)

    # --- configuration ----------------------------------------------------------------------
    def set_config(self, key: str, value: Any, *, secret: bool = False) -> None:
        """Set ``key`` (``KEY`` in the stack's namespace, or ``NAMESPACE:KEY``) in the stack's
        config file; ``secret=True`` stores it encrypted (the passphrase provider is set up
        on first use, from ``DSS_CONFIG_PASSPHRASE``)."""
        with automation_errors():
            config = self._load_config()
            config.set(key, value, secret=secret)
            config.save()

    def get_config(self, key: str, *, secret: bool = False) -> Any:
        """The value of ``key``, None if unset. A secret value comes back as ``[secret]``
        unless ``secret=True``, which decrypts it."""
        from dsspulumi.output import MASK, Sealed

        with automation_errors():
            config = self._load_config()
            value = config.raw(key)
            if isinstance(value, Sealed):
                return config.reveal(value) if secret else MASK
            return value

    # --- operations -------------------------------------------------------------------------
    def _session(self, kind: str, listener: EventListener) -> Session:
        from dsspulumi.session import EMBEDDED_SANDBOX_DIR, Session

        if kind in ("preview", "up") and not self.has_program:
            raise errors.ConfigError(
                f"stack '{self.name}' has no program: pass program= (a callable or a stack "
                "file) to preview or update it"
            )
        sandbox = EMBEDDED_SANDBOX_DIR if self.work_dir is None else self.work_dir / ".dss/sandbox"
        judged = kind in ("preview", "up") and self.policy_packs is not None
        session = Session(
            StackLocation(self.name, self.stack_file),
            env=self.env,
            backend=self.backend,
            dss_url=self.dss_url,
            api_key=self.api_key,
            command=f"{self.command} {kind}",
            retries=self.retries,
            quiet_stdout=self.quiet_stdout,
            notice=listener.notice,
            sandbox_dir=sandbox,
            inline=self.inline,
            policy_packs=self.policy_packs if judged else None,
            policy_advisory_only=self.policy_advisory_only,
        )
        self.policy_check = session.policy
        return session

    @contextlib.contextmanager
    def _open(self, kind: str, on_event: OnEvent | None) -> Iterator[tuple[Session, Any]]:
        listener = EventListener(on_event)
        with automation_errors(), self._session(kind, listener) as session:
            yield session, listener

    def preview(
        self,
        refresh: bool = False,
        targets: Sequence[str] | None = None,
        *,
        parallel: int = 10,
        on_event: OnEvent | None = None,
    ) -> PreviewResult:
        """Run the program and plan against the state: what ``up`` would do. Changes nothing.

        ``refresh``: read DSS first (drift, and the names the program uses are checked);
        ``targets``: only these objects (URN or ``PROJECT.name``); ``parallel``: concurrent
        reads of DSS for ``refresh``.
        """
        with self._open("preview", on_event) as (s, listener):
            t0 = time.perf_counter()
            graph = s.program()
            t1 = time.perf_counter()
            result = s.run(listener).preview(
                graph, targets=_targets(targets), refresh=refresh, parallel=parallel
            )
        return PreviewResult(
            result, refreshed=refresh, program_seconds=t1 - t0, policy_check=s.policy
        )

    def up(
        self,
        refresh: bool = False,
        targets: Sequence[str] | None = None,
        parallel: int = 10,
        on_event: OnEvent | None = None,
        *,
        confirm: Callable[[Plan], bool] | None = None,
        expect_no_changes: bool = False,
        lock_timeout: float = 0.0,
    ) -> UpResult:
        """Run the program, plan, carry the plan out, record the state.

        ``parallel``: concurrent steps. ``confirm(plan)``, when given, is asked before a plan
        with changes runs (False cancels: ``result.cancelled``). ``expect_no_changes``: plan
        only, apply nothing. ``lock_timeout``: seconds to wait for another run's lock.
        Raises ``UpdateFailedError`` (``ConflictError`` for an object the stack does not own)
        when a step failed; its ``.result`` is the partial ``UpResult``.
        """
        return self._apply(
            "up",
            refresh=refresh,
            targets=targets,
            parallel=parallel,
            on_event=on_event,
            confirm=confirm,
            expect_no_changes=expect_no_changes,
            lock_timeout=lock_timeout,
        )

    def destroy(
        self,
        on_event: OnEvent | None = None,
        *,
        targets: Sequence[str] | None = None,
        refresh: bool = False,
        parallel: int = 10,
        confirm: Callable[[Plan], bool] | None = None,
        expect_no_changes: bool = False,
        lock_timeout: float = 0.0,
    ) -> UpResult:
        """Delete everything the stack's state holds, dependants first (the program is not
        needed). Same options and errors as ``up``."""
        return self._apply(
            "destroy",
            refresh=refresh,
            targets=targets,
            parallel=parallel,
            on_event=on_event,
            confirm=confirm,
            expect_no_changes=expect_no_changes,
            lock_timeout=lock_timeout,
        )

    def _apply(
        self,
        kind: str,
        *,
        refresh: bool,
        targets: Sequence[str] | None,
        parallel: int,
        on_event: OnEvent | None,
        confirm: Callable[[Plan], bool] | None,
        expect_no_changes: bool,
        lock_timeout: float,
    ) -> UpResult:
        from dsspulumi.protection import explain_destroy_block

        with self._open(kind, on_event) as (s, listener):
            graph = s.program() if kind == "up" else None
            s.ensure_secrets_provider(graph)
            try:
                result = s.run(listener).apply(
                    graph,
                    targets=_targets(targets),
                    refresh=refresh,
                    parallel=parallel,
                    confirm=confirm if confirm is not None else lambda _plan: True,
                    expect_no_changes=expect_no_changes,
                    kind=kind,
                    lock_timeout=lock_timeout,
                )
            except errors.ProtectedError as exc:
                if kind != "destroy":
                    raise
                raise explain_destroy_block(exc, s.program, stack=self.name, env=self.env) from None
        done = UpResult(
            kind,
            self.name,
            self.env,
            run=result,
            retries=listener.retries,
            refreshed=refresh,
            policy_check=s.policy,
        )
        if done.applied and not done.succeeded:
            raise _failure(done)
        return done

    def refresh(
        self, on_event: OnEvent | None = None, *, record: bool = True, lock_timeout: float = 0.0
    ) -> UpResult:
        """Read DSS, find what drifted from the state, and record it (unless ``record`` is
        False: look only). DSS itself is not changed; ``up(refresh=True)`` puts it back."""
        with self._open("refresh", on_event) as (s, listener):
            found = s.run(listener).refresh_state(lock_timeout=lock_timeout, record=record)
        return UpResult(
            "refresh", self.name, self.env, refresh_result=found, retries=listener.retries
        )

    # --- state ------------------------------------------------------------------------------
    def outputs(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """The values the stack exported (``dss.export``) at its last update; secret ones as
        ``[secret]`` unless ``show_secrets`` (which decrypts them with the state's key)."""
        from dsspulumi import admin
        from dsspulumi.automation.results import mask_sealed
        from dsspulumi.output import reveal_all

        with automation_errors():
            if show_secrets:
                if self.backend.read_state(self.name, self.env) is None:
                    raise errors.DssPulumiError(
                        f"stack '{self.name}' has no state in env '{self.env}'"
                    )
                return dict(reveal_all(admin.read_stack_outputs(self.backend, self.name, self.env)))
            doc = admin.export_state(self.backend, self.name, self.env)
            return dict(mask_sealed(doc.get("outputs") or {}))

    def history(self) -> list[HistoryEntry]:
        """The completed updates of the stack environment, oldest first."""
        with automation_errors():
            return [HistoryEntry.of(e) for e in self.backend.list_history(self.name, self.env)]

    def saved_state(self, version: int) -> bytes:
        """The state document saved by history entry ``version``, as stored."""
        with automation_errors():
            return self.backend.read_history(self.name, self.env, version)


def _backend_url(backend: str | None, start: Path, work_dir: Path | None) -> str:
    """As ``dss`` resolves it from ``start``; the default ``.dss/state`` is ``work_dir``'s
    when one is given (else the current folder's, as for ``dss``)."""
    url, source = resolve_backend(backend, start)
    if source == "default" and work_dir is not None:
        return f"file://{(work_dir / '.dss' / 'state').absolute().as_posix()}"
    return url


def _targets(targets: Sequence[str] | None) -> list[str] | None:
    return list(targets) if targets is not None else None


def _failure(result: UpResult) -> UpdateFailedError:
    """The error of a run that did not succeed: a conflict names its object."""
    for failed in result.failed:
        if isinstance(failed.exception, errors.ConflictError | errors.NotOwnedError):
            plan = result.plan
            step = next((s for s in plan.steps if s.urn == failed.urn), None) if plan else None
            name = step.logical_name if step is not None else failed.urn
            return ConflictError(failed.error, result=result, urn=failed.urn, name=name)
    return UpdateFailedError(result.describe_failure(), result=result)


def list_stacks(backend: str | None = None, *, work_dir: str | Path | None = None) -> list[Any]:
    """The stacks and environments a backend holds (``dss stack ls``): rows with ``stack``,
    ``env``, ``resources`` (None if unreadable), ``updated_at`` and ``last_result``.

    ``backend`` None: resolved as ``Stack`` resolves it for ``work_dir``.
    """
    from dsspulumi import admin
    from dsspulumi.backends import open_backend

    with automation_errors():
        folder = Path(work_dir) if work_dir is not None else None
        url = _backend_url(backend, folder or Path(), folder)
        return list(admin.list_stacks(open_backend(url)))
