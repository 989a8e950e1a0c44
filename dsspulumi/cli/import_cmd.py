"""``dss import``: bring existing DSS objects under code.

``dss import project KEY --out stacks/key.py`` reads a whole project, writes a stack file
(and the code of its code recipes next to it) and adopts every object it declares into the
new stack's state, so that the first ``dss preview`` of that file is empty.
``dss import resource TYPE NAME ID --stack STACK`` adopts one object into an existing stack
and prints the code to add to it.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from dsspulumi.cli._groups import HELP
from dsspulumi.cli.common import StackLocation, check_env, handle_errors, resolve_stack
from dsspulumi.errors import AdoptionError, ConfigError
from dsspulumi.status import FAILED, run_result

import_app = typer.Typer(help=HELP["import"], no_args_is_help=True, rich_markup_mode=None)

EnvOpt = Annotated[str, typer.Option("-e", "--env", help="Environment whose state to use")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout")]
BackendOpt = Annotated[str | None, typer.Option("--backend", help="State backend URL")]
DssUrlOpt = Annotated[
    str | None, typer.Option("--dss-url", help="DSS URL, or sandbox for the embedded sandbox")
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks")]
LockTimeoutOpt = Annotated[
    float, typer.Option("--lock-timeout", min=0, help="Seconds to wait for another run's lock")
]


def _emit(doc: dict[str, Any]) -> None:
    from dsspulumi.display.jsonout import dumps

    typer.echo(dumps(doc))


@import_app.command("project")
def import_project(
    key: Annotated[str, typer.Argument(help="Key of the DSS project to import")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Stack file to write (e.g. stacks/key.py)")
    ],
    env: EnvOpt = "dev",
    json_out: JsonOpt = False,
    backend: BackendOpt = None,
    dss_url: DssUrlOpt = None,
    lock_timeout: LockTimeoutOpt = 0.0,
    debug: DebugOpt = False,
) -> None:
    """Write a stack file declaring a DSS project, and adopt every object.

    The stack's state then holds them all: the first preview of the file is empty.
    """
    from dsspulumi.cli.session import CliSession
    from dsspulumi.importer import codegen

    with handle_errors(debug):
        if out.suffix != ".py":
            raise ConfigError(f"--out {out}: a stack file ends with .py")
        if out.exists():
            raise ConfigError(
                f"{out} already exists; it was left untouched. Choose another --out, or move "
                "it away first"
            )
        loc = StackLocation(name=out.stem, file=out)
        check_env(env)
        session = CliSession(
            loc,
            env=env,
            backend=backend,
            dss_url=dss_url,
            json_mode=json_out,
            command="dss import project",
        )
        with session as s:
            if s.backend.read_state(loc.name, s.env) is not None:
                state = s.run(s.printer).load_state()
                if state.resources:
                    raise AdoptionError(
                        f"stack '{loc.name}' (env '{s.env}') already manages "
                        f"{len(state.resources)} object(s); import into a new stack name"
                    )
            registry = s.providers()
            registry.check_connection()
            from dsspulumi.importer.reader import read_project

            objects = read_project(registry, key)
            if not any(o.type == "dss:Project" for o in objects):
                raise AdoptionError(f"project {key} does not exist in DSS at {registry.url}")
            _check_adoptable(objects, loc.name, s.env, _owner(s))
            from dsspulumi.providers.dss.inventory import unsupported_objects

            others = unsupported_objects(registry.session, key, registry.types())
            when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
            gen = codegen.generate(
                loc.name,
                f"Project {key}, imported from DSS by `dss import project {key}` on {when}.",
                objects,
                code_dir=f"{loc.name}_code",
                extra_unmodelled=others,
            )
            written = _write(out, gen)
            if gen.secrets:
                for name, value in gen.secrets.items():
                    s.config.set(f"{loc.name}:{name}", value, secret=True)
                s.config.save()
            graph = s.program()
            s.ensure_secrets_provider(graph)
            from dsspulumi.graph import make_urn

            outputs = {make_urn(loc.name, s.env, o.type, o.identity): o.outputs for o in objects}
            result = s.run(s.printer).import_program(graph, outputs, lock_timeout=lock_timeout)
            imported = [st.logical_name for st in result.plan.steps if st.op.value == "import"]
            failed = [o for o in result.outcomes.values() if o.status == FAILED]
            if json_out:
                _emit(
                    {
                        "stack": loc.name,
                        "env": s.env,
                        "file": str(out),
                        "files": written,
                        "imported": imported,
                        "unmodelled": gen.unmodelled,
                        "secrets": sorted(gen.secrets),
                        "result": run_result(not failed),
                    }
                )
            else:
                _report(s.io.out, out, written, imported, gen, s.config.path)
            if failed:
                for o in failed:
                    s.io.err.print(f"[bold red]error:[/bold red] {o.error}")
                raise typer.Exit(1)


def _owner(s: Any) -> Any:
    """The state the command adopts into, as ``ownership`` judges adoption (none yet: a
    state with no identity, which no mark names)."""
    from dsspulumi.ownership import StateOwner

    state = None
    if s.backend.read_state(s.loc.name, s.env) is not None:
        state = s.run(s.printer).load_state()
    return StateOwner.of(state, s.backend.url)


def _check_adoptable(objects: list[Any], stack: str, env: str, owner: Any) -> None:
    """Objects another dsspulumi state manages are refused before anything is written."""
    from dsspulumi.graph import make_urn
    from dsspulumi.ownership import adoption_refusal

    problems = []
    for o in objects:
        refusal = adoption_refusal(make_urn(stack, env, o.type, o.identity), o, owner)
        if refusal is not None and not o.unmodelled:
            problems.append(f"{o.type.split(':', 1)[-1].lower()} {o.identity}: {refusal}")
    if problems:
        raise AdoptionError(
            "cannot import: " + "; ".join(problems) + ". Nothing was written or changed"
        )


def _write(out: Path, gen: Any) -> list[str]:
    """The stack file and its code files; nothing is overwritten."""
    targets = {out.parent / rel: text for rel, text in gen.files.items()}
    clash = [str(p) for p in targets if p.exists()]
    if clash:
        raise ConfigError(f"{', '.join(clash)} already exist(s); nothing was written")
    out.parent.mkdir(parents=True, exist_ok=True)
    for path, text in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    out.write_text(gen.text, encoding="utf-8")
    return [str(out), *(str(p) for p in targets)]


def _report(
    console: Any, out: Path, written: list[str], imported: list[str], gen: Any, config: Path
) -> None:
    from rich.markup import escape

    console.print(f"wrote {escape(', '.join(written))}")
    console.print(f"adopted {len(imported)} object(s) into the state: {', '.join(imported)}")
    if gen.secrets:
        console.print(
            f"{len(gen.secrets)} secret value(s) stored encrypted in {config} "
            f"({', '.join(sorted(gen.secrets))}); the stack reads them with cfg.require_secret"
        )
    if gen.unmodelled:
        console.print("[yellow]not imported[/yellow] (no dsspulumi resource type; left untouched):")
        for line in gen.unmodelled:
            console.print(f"  - {escape(line)}")
    console.print(f"next: review {out}, then `dss preview {out}` shows no changes")


TYPES = {
    "project": "dss:Project",
    "dataset": "dss:Dataset",
    "recipe": "dss:Recipe",
}


def _type_token(arg: str, served: list[str]) -> str:
    token = arg if arg.startswith("dss:") else TYPES.get(arg.lower(), f"dss:{arg}")
    by_lower = {t.lower(): t for t in served}
    token = by_lower.get(token.lower(), token)
    if token not in served:
        raise ConfigError(f"unknown resource type {arg!r}; known: {', '.join(t for t in served)}")
    return token


@import_app.command("resource")
def import_resource(
    type_: Annotated[str, typer.Argument(metavar="TYPE", help="dss:Dataset, dataset, …")],
    name: Annotated[str, typer.Argument(help="Variable name for it in the stack code")],
    id_: Annotated[str, typer.Argument(metavar="ID", help="Its DSS id: KEY, or PROJECT.name")],
    stack: Annotated[str, typer.Option("--stack", "-s", help="Stack file or name to adopt into")],
    env: EnvOpt = "dev",
    json_out: JsonOpt = False,
    backend: BackendOpt = None,
    dss_url: DssUrlOpt = None,
    lock_timeout: LockTimeoutOpt = 0.0,
    debug: DebugOpt = False,
) -> None:
    """Adopt one existing DSS object into a stack's state and print the code to add."""
    from dsspulumi.cli.session import CliSession
    from dsspulumi.graph import Node, NodeOptions, make_urn
    from dsspulumi.importer import codegen
    from dsspulumi.output import to_engine

    with handle_errors(debug):
        loc = resolve_stack(stack)
        session = CliSession(
            loc,
            env=env,
            backend=backend,
            dss_url=dss_url,
            json_mode=json_out,
            command="dss import resource",
        )
        with session as s:
            registry = s.providers()
            token = _type_token(type_, registry.types())
            provider = registry.provider(token)
            if not hasattr(provider, "read_existing"):
                raise ConfigError(f"{token} objects cannot be imported")
            registry.check_connection()
            existing = provider.read_existing(id_)
            if existing is None:
                raise AdoptionError(f"{token} {id_} does not exist in DSS; nothing was changed")
            decl = codegen.declare(existing)
            if isinstance(decl, str):
                raise AdoptionError(f"{token} {id_} cannot be declared by dsspulumi: {decl}")
            snippet = codegen.snippet(name, decl, code_dir=f"{loc.name}_code")
            urn = make_urn(loc.name, s.env, token, existing.identity)
            run = s.run(s.printer)
            state = run.load_state()
            from dsspulumi.ownership import StateOwner

            _check_adoptable([existing], loc.name, s.env, StateOwner.of(state, s.backend.url))
            deps = [make_urn(loc.name, s.env, r.type, r.identity) for r in codegen.references(decl)]
            if snippet.secrets:  # stored first: declaring them needs the stack's secrets key
                for key, value in snippet.secrets.items():
                    s.config.set(f"{loc.name}:{key}", value, secret=True)
                s.config.save()
            declared = s.declare(lambda: codegen.instantiate(decl))
            node = Node(
                urn=urn,
                type=token,
                name=declared.dss_name,
                logical_name=declared.logical_name,
                inputs=to_engine(declared.inputs()),
                deps=tuple(d for d in deps if state.get(d) is not None),
                options=NodeOptions(
                    import_id=existing.identity, import_outputs=dict(existing.outputs)
                ),
            )
            _write_files(loc.file.parent, snippet.files)
            record = run.import_one(node, lock_timeout=lock_timeout)
            if json_out:
                _emit(
                    {
                        "stack": loc.name,
                        "env": s.env,
                        "urn": record.urn,
                        "code": snippet.text,
                        "files": sorted(snippet.files),
                    }
                )
                return
            s.io.out.print(f"adopted {existing.identity} into stack {loc.name} (env {s.env})")
            s.io.out.print(f"add this to {loc.file}:")
            s.io.out.print()
            s.io.out.print(snippet.text, markup=False, highlight=False)


def _write_files(base: Path, files: dict[str, str]) -> None:
    for rel in files:
        path = base / rel
        if path.exists():
            raise ConfigError(f"{path} already exists; nothing was changed")
    for rel, text in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
