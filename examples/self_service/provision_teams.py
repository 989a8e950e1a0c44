"""Self-service projects: one DSS project per team of a CSV, through the Automation API.

Each row of the CSV (``key,name,owner_group``) is a team. Each team is its own stack,
``team_<key>``, whose program is an inline function parameterised by the row: a project with
a standard skeleton (a raw and a curated dataset, the recipe between them, the owner group's
grant). Up to four teams are updated at once. A team no longer in the CSV is destroyed (its
stack still has resources); a team whose name changed gets its project's label updated::

    python examples/self_service/provision_teams.py examples/self_service/teams.csv \\
        --work-dir teams --dss-url https://dss.example.com   # API key: DKU_API_KEY

State and config live under ``--work-dir`` (``.dss/state`` there unless ``DSS_BACKEND`` or a
``pyproject.toml`` names a backend). A summary table is printed at the end; the exit code is
1 if any team failed.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import dsspulumi as dss
from dsspulumi import automation as auto

PREFIX = "team_"
CURATE = """\
import dataiku

raw = dataiku.Dataset("raw").get_dataframe()
dataiku.Dataset("curated").write_with_schema(raw.drop_duplicates())
"""


@dataclass(frozen=True)
class Team:
    key: str
    name: str
    owner_group: str

    @property
    def stack(self) -> str:
        return PREFIX + self.key.lower()


@dataclass
class Outcome:
    stack: str
    action: str  # "up" or "destroy"
    summary: dict[str, int]
    result: str
    error: str = ""


def read_teams(path: Path) -> list[Team]:
    with path.open(newline="", encoding="utf-8") as f:
        return [
            Team(row["key"].strip(), row["name"].strip(), row["owner_group"].strip())
            for row in csv.DictReader(f)
        ]


def team_program(team: Team) -> Callable[[], None]:
    """The stack program of one team: the standard skeleton of a team project."""

    def program() -> None:
        project = dss.Project(
            team.key,
            name=team.name,
            tags=["self-service"],
            description=f"Owned by {team.owner_group}",
        )
        raw = dss.ManagedDataset("raw", project=project, connection="filesystem_managed")
        curated = dss.ManagedDataset("curated", project=project, connection="filesystem_managed")
        dss.PythonRecipe("curate", project=project, inputs=[raw], outputs=[curated], code=CURATE)
        dss.ProjectPermissions(
            project=project,
            permissions=[dss.GroupPermission(team.owner_group, admin=True)],
        )
        dss.export("project", project.key)
        dss.export("label", team.name)

    return program


def provision(
    teams: Iterable[Team],
    *,
    work_dir: Path,
    env: str = "dev",
    dss_url: str | None = None,
    api_key: str | None = None,
    backend: str | None = None,
    parallel: int = 4,
) -> list[Outcome]:
    """Bring DSS in line with ``teams``: update every team's stack, destroy the stacks of
    teams that are gone. Up to ``parallel`` stacks at once."""
    work_dir.mkdir(parents=True, exist_ok=True)

    def stack(name: str, program: Callable[[], None] | None = None) -> auto.Stack:
        return auto.Stack(
            name,
            program=program,
            env=env,
            backend=backend,
            dss_url=dss_url,
            api_key=api_key,
            work_dir=work_dir,
        )

    wanted = {t.stack: t for t in teams}
    known = auto.list_stacks(backend, work_dir=work_dir)
    gone = sorted(
        r.stack
        for r in known
        if r.env == env and r.stack.startswith(PREFIX) and r.resources and r.stack not in wanted
    )

    def up(team: Team) -> Outcome:
        st = stack(team.stack, team_program(team))
        return _run(team.stack, "up", lambda: st.up(parallel=4))

    def destroy(name: str) -> Outcome:
        return _run(name, "destroy", stack(name).destroy)

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        jobs = [pool.submit(up, t) for t in wanted.values()]
        jobs += [pool.submit(destroy, name) for name in gone]
        return [job.result() for job in jobs]


def _run(stack: str, action: str, call: Callable[[], auto.UpResult]) -> Outcome:
    try:
        result = call()
    except auto.UpdateFailedError as exc:
        return Outcome(stack, action, exc.result.summary, "failed", str(exc))
    except auto.AutomationError as exc:
        return Outcome(stack, action, {}, "error", str(exc))
    return Outcome(stack, action, result.summary, "succeeded")


def summary_table(outcomes: list[Outcome]) -> str:
    rows = [("STACK", "ACTION", "RESULT", "CHANGES")]
    for o in sorted(outcomes, key=lambda o: o.stack):
        changes = ", ".join(f"{k} {v}" for k, v in o.summary.items() if k != "same") or "-"
        rows.append((o.stack, o.action, o.result, changes))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    errors = [f"{o.stack}: {o.error}" for o in outcomes if o.error]
    return "\n".join(lines + errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path, help="key,name,owner_group per team")
    parser.add_argument("--work-dir", type=Path, default=Path("teams"))
    parser.add_argument("--env", default="dev")
    parser.add_argument("--dss-url", default=None)
    parser.add_argument("--backend", default=None)
    parser.add_argument("--parallel", type=int, default=4)
    args = parser.parse_args(argv)
    outcomes = provision(
        read_teams(args.csv),
        work_dir=args.work_dir,
        env=args.env,
        dss_url=args.dss_url,
        backend=args.backend,
        parallel=args.parallel,
    )
    print(summary_table(outcomes))
    return 0 if all(o.result == "succeeded" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
