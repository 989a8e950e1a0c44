"""What ``dss selftest`` found, kind by kind: the lines it prints and its JSON document."""

from __future__ import annotations

from typing import Any

import attrs

from dsspulumi.output import mask_all
from dsspulumi.urn import kind_of

OK = "ok"
FAILED = "failed"
SKIPPED = "skipped"
ADMIN_SKIP = "skipped (needs an admin key)"


@attrs.define
class Problem:
    """One thing that went wrong for a kind: in which phase, on which object and field."""

    phase: str
    message: str
    object: str | None = None
    path: str | None = None
    declared: Any = None
    read: Any = None

    def describe(self) -> str:
        where = f"{self.object}: " if self.object else ""
        if self.path is not None:
            return (
                f"{self.phase}: {where}{self.path}: declared {mask_all(self.declared)!r}, "
                f"read {mask_all(self.read)!r}"
            )
        return f"{self.phase}: {where}{self.message}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"phase": self.phase, "message": self.describe()}
        if self.object is not None:
            out["object"] = self.object
        if self.path is not None:
            out.update(path=self.path, declared=mask_all(self.declared), read=mask_all(self.read))
        return out


@attrs.define
class KindResult:
    type: str
    status: str = OK
    note: str | None = None  # why it was skipped
    problems: list[Problem] = attrs.field(factory=list)

    @property
    def kind(self) -> str:
        return kind_of(self.type)

    def fail(self, problem: Problem) -> None:
        self.status = FAILED
        self.problems.append(problem)

    def line(self, width: int = 22) -> str:
        if self.status == SKIPPED:
            return f"{self.kind:<{width}}{self.note or SKIPPED}"
        if self.status == OK:
            return f"{self.kind:<{width}}{OK}"
        return f"{self.kind:<{width}}FAILED  " + "; ".join(p.describe() for p in self.problems)

    def to_json(self) -> dict[str, Any]:
        problems = [p.to_json() for p in self.problems]
        return {"kind": self.kind, **attrs.asdict(self, recurse=False), "problems": problems}


@attrs.define
class Report:
    dss_url: str
    project: str
    admin: bool
    kinds: list[KindResult] = attrs.field(factory=list)
    left_behind: list[str] = attrs.field(factory=list)  # objects the cleanup could not remove
    error: str | None = None  # what stopped the run before every phase ran
    interrupted: bool = False
    kept: str | None = None  # the command that removes what is left (its state is kept)

    @property
    def ok(self) -> bool:
        return (
            all(k.status != FAILED for k in self.kinds)
            and not self.left_behind
            and self.error is None
            and not self.interrupted
        )

    def lines(self) -> list[str]:
        out = [k.line() for k in self.kinds]
        if self.error:
            out.append(f"stopped: {self.error}")
        if self.interrupted:
            removed = "" if self.left_behind else ": what it had created has been removed"
            out.append(f"interrupted (Ctrl-C){removed}")
        if self.left_behind:
            out.append("NOT REMOVED (remove by hand): " + ", ".join(self.left_behind))
            if self.kept:
                out.append(
                    f"once DSS allows it, this removes them (its state is kept): {self.kept}"
                )
        return out

    def to_json(self) -> dict[str, Any]:
        kinds = [k.to_json() for k in self.kinds]
        return {"ok": self.ok, **attrs.asdict(self, recurse=False), "kinds": kinds}
