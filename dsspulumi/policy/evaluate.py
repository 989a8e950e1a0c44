"""Running the rules of the enabled packs over typed resources: ``PolicyCheck``.

The engine calls ``PolicyCheck.check`` once the plan is made (after ``--refresh``'s reads
and the lookups) and before any call that changes DSS; ``dss policy check`` calls
``evaluate`` on resources rebuilt from live projects. Either way the rules see the typed
objects a stack program declares (``resource.description`` works).
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from dsspulumi.errors import PolicyError
from dsspulumi.policy.packs import Pack
from dsspulumi.policy.rules import ADVISORY, Rule
from dsspulumi.policy.violation import Context, Violation, blocking

if TYPE_CHECKING:
    from dsspulumi.graph import ResourceGraph
    from dsspulumi.plan import Plan, Step


@attrs.define
class Declared:
    """A resource as the rules get it: the typed object, its URN and where it was declared."""

    resource: Any
    urn: str | None = None
    file: str | None = None
    line: int | None = None


@attrs.define
class PolicyStack:
    """What a stack rule receives: every resource of the run, and the plan (None when
    ``dss policy check`` reads live projects)."""

    resources: list[Any]
    plan: Plan | None = None
    env: str = "dev"
    name: str | None = None
    _steps: dict[str, Step] = attrs.field(factory=dict, alias="_steps")
    _urns: dict[int, str] = attrs.field(factory=dict, alias="_urns")

    def of_kind(self, *kinds: type) -> list[Any]:
        return [r for r in self.resources if isinstance(r, kinds)]

    def step(self, resource: Any) -> Step | None:
        """The plan's step for ``resource`` (its op, diff and recorded state), if any."""
        urn = self._urns.get(id(resource))
        return self._steps.get(urn) if urn is not None else None


@attrs.define
class PolicyCheck:
    """The enabled packs of one run, with what their rules may read (``Context``)."""

    packs: list[Pack]
    env: str = "dev"
    stack: str | None = None
    stack_config: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    advisory_only: bool = False
    last: list[Violation] = attrs.field(factory=list)  # what the latest check found

    @property
    def rules(self) -> list[tuple[Pack, Rule]]:
        return [(p, r) for p in self.packs for r in p.rules]

    def blocks(self, violations: list[Violation]) -> bool:
        return bool(blocking(violations))

    def check(
        self, graph: ResourceGraph | None, plan: Plan | None, *, mode: str
    ) -> list[Violation]:
        """The engine's hook: the rules over what ``graph`` declares (lookups excepted)."""
        if graph is None:  # destroy: nothing declared to judge
            self.last = []
            return []
        declared = []
        for urn, node in graph.nodes.items():
            resource = graph.declared.get(urn)
            if resource is None or node.read:
                continue
            file, _, line = node.source.rpartition(":")
            declared.append(
                Declared(resource, urn, file or None, int(line) if line.isdigit() else None)
            )
        self.last = self.evaluate(declared, plan, mode=mode)
        return self.last

    def evaluate(
        self, declared: Sequence[Declared], plan: Plan | None = None, *, mode: str = "check"
    ) -> list[Violation]:
        found: list[Violation] = []
        steps = {s.urn: s for s in plan.steps} if plan is not None else {}
        stack = PolicyStack(
            [d.resource for d in declared],
            plan,
            self.env,
            self.stack,
            _steps=steps,
            _urns={id(d.resource): d.urn for d in declared if d.urn is not None},
        )
        by_id = {id(d.resource): d for d in declared}
        for pack in self.packs:
            context = Context(
                env=self.env,
                pack=pack.name,
                mode=mode,
                stack=self.stack,
                config=pack.config,
                stack_config=self.stack_config,
            )
            for rule in pack.rules:
                if rule.stack:
                    self._run(rule, pack, context, stack, None, by_id, found)
                    continue
                for d in declared:
                    if rule.applies_to(d.resource):
                        self._run(rule, pack, context, d.resource, d, by_id, found)
        return found

    def _run(
        self,
        rule: Rule,
        pack: Pack,
        context: Context,
        subject: Any,
        target: Declared | None,
        by_id: Mapping[int, Declared],
        found: list[Violation],
    ) -> None:
        def report(message: str, resource: Any = None) -> None:
            if not isinstance(message, str) or not message.strip():
                raise PolicyError(
                    f"policy rule {pack.name}.{rule.name}: report() takes a message "
                    f"(a non-empty string), got {message!r}"
                )
            at = target
            if resource is not None:
                at = by_id.get(id(resource)) or Declared(resource)
            found.append(self._violation(pack, rule, message, at))

        args = (subject, report, context) if rule.takes_context else (subject, report)
        try:
            rule.func(*args)
        except PolicyError:
            raise
        except Exception as exc:
            frames = [f for f in traceback.extract_tb(exc.__traceback__)][1:]
            where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
            what = f" on {_name(subject)}" if target is not None else ""
            raise PolicyError(
                f"policy rule {pack.name}.{rule.name} failed{what}{where}: "
                f"{type(exc).__name__}: {exc}",
                hint="Fix the rule (or disable it in [tool.dsspulumi.policy."
                f'{pack.name}] disabled = ["{rule.name}"]); nothing was changed',
            ) from exc

    def _violation(self, pack: Pack, rule: Rule, message: str, at: Declared | None) -> Violation:
        severity = rule.severity
        downgraded = self.advisory_only and severity != ADVISORY
        resource = at.resource if at is not None else None
        return Violation(
            pack=pack.name,
            rule=rule.name,
            severity=ADVISORY if downgraded else severity,
            message=message.strip(),
            urn=at.urn if at is not None else None,
            file=at.file if at is not None else None,
            line=at.line if at is not None else None,
            object=_name(resource) if resource is not None else None,
            kind=type(resource).__name__ if resource is not None else None,
            project=project_key(resource) if resource is not None else None,
            downgraded=downgraded,
        )


def _name(resource: Any) -> str:
    try:
        return str(resource.logical_name)
    except Exception:  # noqa: BLE001 - a half-built object still gets a name in the message
        return repr(resource)


def project_key(resource: Any) -> str | None:
    """The key of the project a resource is (a project) or lives in."""
    key = getattr(resource, "key", None)
    if isinstance(key, str) and getattr(resource, "type_token", "") == "dss:Project":
        return key
    project = getattr(resource, "project", None)
    key = getattr(project, "key", None)
    return key if isinstance(key, str) else None


def declared_of(resources: Iterable[Any]) -> list[Declared]:
    """Resources built outside a program (tests, ``dss policy check``), for ``evaluate``."""
    return [Declared(r) for r in resources]
