"""``dss selftest``: the tool checked against the user's own DSS, kind by kind.

The sandbox imitates DSS from public sources, and some shapes it answers are marked
UNVERIFIED (docs/sandbox.md). The self-test is how a team checks them on its DSS version:
for every kind the tool supports, it declares one small sample (``SELFTEST`` of its provider
module) in a throwaway project and runs the same engine as ``dss up`` on it, with its state in a
temporary local backend, then:

1. create: ``up`` of the samples;
2. read back: what ``--refresh`` reads (batched and one object at a time) compared field by
   field with what was declared;
3. update: one field per kind changed in the program, ``up``, and read back again;
4. drift: one field per kind changed through ``dataikuapi`` by hand; ``--refresh`` must
   report it;
5. delete: ``destroy``, and every object must be gone.

Whatever happens (a failure, Ctrl-C), everything it created is destroyed at the end, by the
engine's own destroy: only objects carrying this run's ownership mark are deleted, and only
names under the throwaway prefix are ever declared. Instance-level kinds are tried only with
an admin API key.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import signal
import string
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dsspulumi.drift import CHANGED, DELETED, Drift, compare, read_all
from dsspulumi.errors import DssPulumiError
from dsspulumi.selftest_report import (
    ADMIN_SKIP,
    OK,
    SKIPPED,
    KindResult,
    Problem,
    Report,
)
from dsspulumi.selftest_samples import Sample, samples
from dsspulumi.urn import logical_name

STACK = "selftest"
ENV = "selftest"
DEFAULT_PREFIX = "ZZ_SELFTEST_"


def supported_kinds() -> list[str]:
    """Every resource type token the tool supports, in registration order.

    The one place the self-test learns the kinds: repoint it when the registry moves.
    """
    from dsspulumi.providers.dss import _TYPES

    return list(_TYPES)


def _suffix() -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(6))


def _short(logical: str) -> str:
    return logical.rsplit(".", 1)[-1]


def _paths_match(found: str, wanted: str) -> bool:
    """``standard.selftest`` reports a change of ``standard``, ``permissions[0]`` of
    ``permissions``."""
    return found == wanted or found.startswith((f"{wanted}.", f"{wanted}["))


class SelfTest:
    """One self-test run (``run``); ``report`` holds what was found, kind by kind."""

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        verify_tls: bool = True,
        retries: int = 3,
        on_progress: Callable[[str], None] | None = None,
        workdir: Path | None = None,
    ) -> None:
        if not prefix or not all(c.isupper() or c.isdigit() or c == "_" for c in prefix):
            raise DssPulumiError(
                f"--project-prefix must be upper-case letters, digits and '_' (got {prefix!r}), "
                "since it starts a DSS project key"
            )
        self.url = url
        self.api_key = api_key
        self.prefix = prefix
        self.key = prefix + _suffix()
        self.verify_tls = verify_tls
        self.retries = retries
        self.progress = on_progress or (lambda _m: None)
        self._workdir = workdir
        self.report = Report(dss_url=url, project=self.key, admin=False)
        self._results: dict[str, KindResult] = {}
        self._samples: dict[str, Sample] = {}
        self._run: Any = None
        self._file: Path | None = None
        self._group = ""
        self._registry: Any = None
        self._phase: str | None = None

    # --- names and ownership ---------------------------------------------------------------
    def _values(self, version: int) -> dict[str, str]:
        return {
            "key": self.key,
            "name": self.key,
            "dashed": self.key.replace("_", "-"),
            "v": str(version),
            "group": self._group,
        }

    def _ours(self, rec: Any) -> bool:
        """Whether a state record names an object under this run's throwaway names."""
        dashed = self.key.replace("_", "-")
        if rec.type == "dss:GlobalVariables":
            return all(str(k).startswith(self.key) for k in rec.inputs.get("variables", {}))
        return str(rec.name).startswith((self.key, dashed)) or str(
            rec.inputs.get("project", "")
        ).startswith(self.key)

    # --- the engine --------------------------------------------------------------------------
    def _providers(self) -> Any:
        from dsspulumi.providers.dss import DssProviders

        return DssProviders(
            self.url, self.api_key, verify_tls=self.verify_tls, retries=self.retries
        )

    def _graph(self, version: int) -> Any:
        from dsspulumi.program import run_program

        assert self._file is not None
        lines = ["import dsspulumi as dss", ""]
        lines += [s.render(**self._values(version)) for s in self._samples.values()]
        self._file.write_text("\n".join(lines) + "\n")
        graph = run_program(self._file, stack=STACK, env=ENV, config={}, services={})
        dashed = self.key.replace("_", "-")
        for node in graph.nodes.values():
            if node.type == "dss:GlobalVariables":
                names = [str(k) for k in node.inputs.get("variables", {})]
            else:
                names = [node.logical_name]
            if not all(n.startswith((self.key, dashed)) for n in names):
                raise DssPulumiError(f"selftest sample {names} is not under {self.key}")
        return graph

    def _records(self) -> list[Any]:
        return list(self._run.load_state().resources)

    def _kind_of(self, type_token: str) -> KindResult | None:
        return self._results.get(type_token)

    def _live(self, type_token: str) -> bool:
        res = self._results.get(type_token)
        return res is not None and res.status == OK

    # --- the run -------------------------------------------------------------------------------
    def run(self) -> Report:
        """Run every phase, then remove what was created (always)."""
        with contextlib.ExitStack() as stack:
            if self._workdir is None:
                tmp = Path(tempfile.mkdtemp(prefix="dss-selftest-"))
                # Kept when something could not be removed: its state lets `dss destroy`
                # finish the job later (``Report.kept``).
                stack.callback(self._remove_workdir, tmp)
            else:
                tmp = self._workdir
            self._setup(tmp)
            try:
                self._phases()
            except KeyboardInterrupt:
                self.report.interrupted = True
                self._not_checked("interrupted (Ctrl-C)")
            except DssPulumiError as exc:
                self.report.error = str(exc)
                self._not_checked("the run stopped (see below)")
            finally:
                with _shielded_from_ctrl_c(self.progress):
                    self._cleanup()
        return self.report

    def _remove_workdir(self, tmp: Path) -> None:
        if self.report.kept is None:
            shutil.rmtree(tmp, ignore_errors=True)

    def _setup(self, tmp: Path) -> None:
        from dsspulumi.backends.local import LocalBackend
        from dsspulumi.engine import StackRun

        self._file = tmp / f"{STACK}.py"
        self._run = StackRun(
            stack=STACK,
            env=ENV,
            stack_file=self._file,
            backend=LocalBackend(tmp / "state"),
            providers=self._providers,
            command="dss selftest",
            retries=self.retries,
        )
        registry = self._registry = self._providers()
        info = registry.check_connection()
        groups = info.get("groups") or []
        self._group = str(groups[0]) if groups else "administrators"
        self.report.admin = _is_admin(registry)
        known = samples()
        for type_token in supported_kinds():
            res = KindResult(type_token)
            self.report.kinds.append(res)
            self._results[type_token] = res
            sample = known.get(type_token)
            if sample is None:
                res.fail(
                    Problem("setup", "no sample for this kind (SELFTEST in its provider module)")
                )
            elif sample.admin and not self.report.admin:
                res.status, res.note = SKIPPED, ADMIN_SKIP
        # Declared in the table's (dependency) order; skipped kinds are not declared.
        self._samples = {
            t: s for t, s in known.items() if t in self._results and self._results[t].status == OK
        }

    def _phases(self) -> None:
        steps: list[tuple[str, str, Callable[[], Any]]] = [
            (
                "create",
                f"creating the samples in project {self.key}",
                lambda: self._apply(1, "create"),
            ),
            ("read", "reading them back", lambda: self._read_back("read")),
            ("update", "updating one field per kind", self._update),
            (
                "read after update",
                "reading them back",
                lambda: self._read_back("read after update"),
            ),
            ("drift", "changing one field per kind by hand", self._drift),
            ("delete", "deleting", self._delete),
        ]
        for phase, message, step in steps:
            self._phase = phase
            self.progress(message)
            step()
        self._phase = None

    def _not_checked(self, why: str) -> None:
        """Kinds still ok when the run stopped were not checked to the end: not ok."""
        for res in self._results.values():
            if res.status == OK:
                res.fail(Problem(self._phase or "setup", f"not checked to the end: {why}"))

    def _apply(self, version: int, phase: str) -> Any:
        graph = self._graph(version)
        result = self._run.apply(graph)
        by_urn = {s.urn: s for s in result.plan.steps}
        for urn, outcome in result.outcomes.items():
            if outcome.status == "succeeded":
                continue
            step = by_urn[urn]
            res = self._kind_of(step.type)
            if res is None:
                continue
            message = str(outcome.error or f"{outcome.status} (an object it needs failed)")
            message = message.removeprefix(f"{step.logical_name}: ")
            res.fail(Problem(phase, message, object=_short(step.logical_name)))
        return result

    def _refresh(self, phase: str, *, batch: bool = True) -> list[Drift]:
        """What ``--refresh`` finds (``drift.read_all`` and ``drift.compare``), kind by kind:
        a kind whose reads DSS refuses fails alone, the others are still read."""
        by_type: dict[str, list[Any]] = {}
        for rec in self._run.load_state().resources:
            by_type.setdefault(rec.type, []).append(rec)
        drifts = []
        for type_token, recs in by_type.items():
            if not self._live(type_token):
                continue
            try:
                found = read_all(self._registry, recs, batch=batch)
            except DssPulumiError as exc:
                res = self._results[type_token]
                res.fail(Problem(phase, f"reading it back failed: {exc}"))
                continue
            drifts += [d for rec in recs if (d := compare(rec, found[rec.urn])) is not None]
        return drifts

    def _read_back(self, phase: str) -> None:
        for batch in (True, False):
            how = "" if batch else " (one object at a time)"
            for drift in self._refresh(f"{phase}{how}", batch=batch):
                self._drift_problems(f"{phase}{how}", drift)

    def _drift_problems(self, phase: str, drift: Drift) -> None:
        res = self._kind_of(drift.type)
        if res is None or not self._live(drift.type):
            return
        obj = _short(drift.logical_name)
        if drift.status == CHANGED:
            for d in drift.diff:
                res.fail(Problem(phase, "", object=obj, path=d.path, declared=d.old, read=d.new))
        elif drift.status == DELETED:
            res.fail(Problem(phase, "not found in DSS", object=obj))
        else:
            res.fail(Problem(phase, "found carrying another ownership mark", object=obj))

    def _update(self) -> None:
        result = self._apply(2, "update")
        steps = {s.logical_name: s for s in result.plan.steps}
        for type_token, sample in self._samples.items():
            if not self._live(type_token):
                continue
            logical = sample.logical_name(**self._values(2))
            step = steps.get(logical)
            paths = [d.path for d in step.diff] if step is not None else []
            if step is None or step.op.value != "update":
                op = step.op.value if step is not None else "nothing"
                self._results[type_token].fail(
                    Problem(
                        "update",
                        f"planned {op} instead of an update of {sample.path}",
                        object=_short(logical),
                    )
                )
            elif not any(_paths_match(p, sample.path) for p in paths):
                self._results[type_token].fail(
                    Problem(
                        "update",
                        f"planned changes of {paths}, not of {sample.path}",
                        object=_short(logical),
                    )
                )

    def _drift(self) -> None:
        # The providers' own client (same URL, key and TLS settings), used here by hand.
        client = self._registry.session.client
        records = {logical_name(r.urn): r for r in self._records()}
        changed: dict[str, str] = {}  # logical name -> kind
        for type_token, sample in self._samples.items():
            if not self._live(type_token):
                continue
            logical = sample.logical_name(**self._values(2))
            rec = records.get(logical)
            if rec is None:
                self._results[type_token].fail(Problem("drift", "not in the state", object=logical))
                continue
            try:
                sample.drift(client, rec)
            except Exception as exc:  # noqa: BLE001 - any client error is this kind's failure
                self._results[type_token].fail(
                    Problem("drift", f"the change by hand failed: {exc}", object=_short(logical))
                )
                continue
            changed[logical] = type_token
        found = {d.logical_name: d for d in self._refresh("drift")}
        for logical, type_token in changed.items():
            sample = self._samples[type_token]
            drift = found.get(logical)
            paths = [d.path for d in drift.diff] if drift is not None else []
            if not any(_paths_match(p, sample.path) for p in paths):
                self._results[type_token].fail(
                    Problem(
                        "drift",
                        f"{sample.path} was changed by hand, but refresh reported "
                        + (f"changes of {paths}" if paths else "no drift"),
                        object=_short(logical),
                    )
                )

    def _delete(self) -> None:
        records = self._records()
        result = self._run.apply(None, kind="destroy")
        by_urn = {s.urn: s for s in result.plan.steps}
        for urn, outcome in result.outcomes.items():
            step = by_urn[urn]
            res = self._kind_of(step.type)
            if outcome.status != "succeeded" and res is not None and res.status == OK:
                res.fail(
                    Problem(
                        "delete",
                        str(outcome.error or outcome.status),
                        object=_short(step.logical_name),
                    )
                )
        registry = self._registry
        for rec in records:
            res = self._kind_of(rec.type)
            if res is None or res.status != OK:
                continue
            obj = _short(logical_name(rec.urn))
            try:
                found = registry.provider(rec.type).inspect(rec.inputs, rec.outputs)
            except DssPulumiError as exc:
                res.fail(Problem("delete", f"reading it after destroy failed: {exc}", object=obj))
                continue
            if found is not None:
                res.fail(Problem("delete", "still in DSS after destroy", object=obj))

    # --- cleanup ---------------------------------------------------------------------------------
    def _cleanup(self) -> None:
        """Destroy whatever the state still holds: the engine deletes only marked objects."""
        if self._run is None:
            return
        last: Exception | None = None
        for _attempt in range(3):
            try:
                state = self._run.load_state()
                if not state.resources and not state.pending:
                    return
                foreign = [r.name for r in state.resources if not self._ours(r)]
                if foreign:  # never happens: every declared name is checked in ``_graph``
                    raise DssPulumiError(f"refusing to delete unprefixed objects {foreign}")
                self.progress("removing what the self-test created")
                self._run.apply(None, kind="destroy")
            except DssPulumiError as exc:
                last = exc
        try:
            left = [logical_name(r.urn) for r in self._run.load_state().resources]
        except DssPulumiError as exc:
            left = [f"(state unreadable: {exc})"]
        self.report.left_behind = left
        if left and self._file is not None:
            folder = self._file.parent
            self.report.kept = (
                f"dss destroy {self._file} --env {ENV} --backend file://{folder / 'state'} "
                f"--dss-url {self.url} --yes"
            )
        if left and last is not None and self.report.error is None:
            self.report.error = str(last)


def _is_admin(registry: Any) -> bool:
    """Whether the key may use /admin/ endpoints: asked by a harmless read (list groups)."""
    from dsspulumi.errors import ProviderError
    from dsspulumi.providers.dss.instance import UNAUTHORIZED

    try:
        with registry.session.call("list groups (is the API key an admin's?)"):
            registry.session.client.list_groups()
    except ProviderError as exc:
        if exc.dss_message.startswith(UNAUTHORIZED) or "403" in str(exc):
            return False
        raise
    return True


@contextlib.contextmanager
def _shielded_from_ctrl_c(say: Callable[[str], None]) -> Iterator[None]:
    """The cleanup runs to its end: a Ctrl-C during it is answered, not obeyed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_sig: int, _frame: Any) -> None:
        say("removing what the self-test created; please wait (it stops by itself)")

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_selftest(url: str, api_key: str, **options: Any) -> Report:
    """The self-test of ``dss selftest`` (see the module docstring)."""
    return SelfTest(url, api_key, **options).run()
