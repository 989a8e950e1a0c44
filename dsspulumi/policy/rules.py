"""The two decorators a policy pack is written with, and the ``Rule`` each one records.

A decorated function stays the plain function the author wrote (a pack's own tests call it
directly); the decorator only attaches its ``Rule``, which ``packs`` collects from the pack's
namespace in definition order.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import attrs

from dsspulumi.errors import PolicyError

MANDATORY = "mandatory"
ADVISORY = "advisory"
SEVERITIES = (MANDATORY, ADVISORY)
ATTRIBUTE = "__dsspulumi_rule__"

F = TypeVar("F", bound=Callable[..., Any])


@attrs.frozen
class Rule:
    """One rule of a pack: what it checks (``kinds``, or the whole stack) and how bad a miss is.

    ``takes_context``: the function has a third parameter and receives the run's ``Context``.
    """

    name: str
    func: Callable[..., Any]
    severity: str
    kinds: tuple[type, ...] = ()
    stack: bool = False
    takes_context: bool = False

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.func.__doc__) if self.func.__doc__ else ""

    @property
    def description(self) -> str:
        """The docstring's first sentence or paragraph, on one line: what ``dss policy ls``
        shows."""
        return " ".join(self.doc.split("\n\n", 1)[0].split())

    @property
    def location(self) -> str:
        code = getattr(self.func, "__code__", None)
        return f"{code.co_filename}:{code.co_firstlineno}" if code is not None else "?"

    def applies_to(self, resource: Any) -> bool:
        return not self.kinds or isinstance(resource, self.kinds)


def _check_severity(where: str, severity: Any) -> str:
    if severity not in SEVERITIES:
        raise PolicyError(
            f"{where}: severity must be 'mandatory' (blocks the run) or 'advisory' (warns), "
            f"got {severity!r}"
        )
    return str(severity)


def _takes_context(func: Callable[..., Any], where: str, first: str) -> bool:
    """``(first, report)`` or ``(first, report, context)``: anything else is refused now,
    when the pack is loaded, rather than when the rule first runs."""
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [
        p
        for p in params
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    if len(positional) not in (2, 3):
        raise PolicyError(
            f"{where}: a rule takes ({first}, report) or ({first}, report, context), "
            f"not {len(positional)} argument(s)"
        )
    return len(positional) == 3


def rule(
    *, severity: str, kinds: Iterable[type] | type | None = None, name: str | None = None
) -> Callable[[F], F]:
    """A rule run on every resource of the given ``kinds`` (classes such as
    ``dss.ManagedDataset``; subclasses count; none: every resource)::

        @policy.rule(severity="mandatory", kinds=[dss.ManagedDataset])
        def datasets_have_a_description(resource, report):
            if not resource.description:
                report("every managed dataset needs a description")
    """
    if isinstance(kinds, type):
        kinds = [kinds]
    found = tuple(kinds or ())
    bad = [k for k in found if not isinstance(k, type)]

    def wrap(func: F) -> F:
        where = f"policy rule {getattr(func, '__name__', func)!r}"
        if bad:
            raise PolicyError(
                f"{where}: kinds must list resource classes such as dss.ManagedDataset "
                f"(got {bad[0]!r})"
            )
        return _attach(func, where, "resource", name=name, severity=severity, kinds=found)

    return wrap


def _attach(func: F, where: str, subject: str, *, name: str | None, severity: str, **kw: Any) -> F:
    """The decorated function, unchanged but for the ``Rule`` it now carries."""
    rule_ = Rule(
        name=name or func.__name__,
        func=func,
        severity=_check_severity(where, severity),
        takes_context=_takes_context(func, where, subject),
        **kw,
    )
    setattr(func, ATTRIBUTE, rule_)
    return func


def stack_rule(*, severity: str, name: str | None = None) -> Callable[[F], F]:
    """A rule run once on the whole run: ``stack.resources`` (every declared resource),
    ``stack.plan`` (the plan, None in ``dss policy check``). ``report(message,
    resource=None)`` records a violation against that resource, or the stack."""

    def wrap(func: F) -> F:
        where = f"policy stack rule {getattr(func, '__name__', func)!r}"
        return _attach(func, where, "stack", name=name, severity=severity, stack=True)

    return wrap


def rules_of(namespace: Mapping[str, Any]) -> list[Rule]:
    """The rules a module defines, in definition order (each function once)."""
    seen: set[int] = set()
    out = []
    for value in namespace.values():
        found = getattr(value, ATTRIBUTE, None) if callable(value) else None
        if isinstance(found, Rule) and id(value) not in seen:
            seen.add(id(value))
            out.append(found)
    return out
