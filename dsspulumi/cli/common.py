"""What every command resolves the same way: the stack file, the backend, the DSS target.

Precedence follows ARCHITECTURE.md §2. Errors are turned into one clean line
and exit code 1 by ``handle_errors``; only ``--debug`` shows a traceback.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from dsspulumi.errors import ConfigError, DssPulumiError

ENV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
DEFAULT_BACKEND = "file://.dss/state"

if TYPE_CHECKING:
    from rich.console import Console  # imported when used: `dss --help` does not need rich


class Consoles:
    """The command's stdout and stderr consoles, each made on first use.

    rich is imported only then: `dss preview --json` that has nothing to say on
    stderr never imports it.
    """

    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode

    @functools.cached_property
    def out(self) -> Console:
        return make_console() if not self.json_mode else make_console(stderr=True)

    @functools.cached_property
    def err(self) -> Console:
        return make_console(stderr=True)


# Off a terminal (CI logs, pipes) nothing is wrapped: one message, one line, grep-able.
UNWRAPPED_WIDTH = 10_000


def make_console(*, stderr: bool = False) -> Console:
    """A console that wraps to the terminal on a terminal, and never wraps anywhere else."""
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        console.soft_wrap = True
        console.width = UNWRAPPED_WIDTH
    return console


def consoles(json_mode: bool) -> Consoles:
    return Consoles(json_mode)


@dataclasses.dataclass
class StackLocation:
    name: str
    file: Path


def resolve_stack(arg: str) -> StackLocation:
    """STACK is a path to a stack file, or a name resolved as ``stacks/<name>.py``."""
    path = Path(arg)
    if path.suffix == ".py" or os.sep in arg or "/" in arg:
        if not path.is_file():
            raise ConfigError(f"stack file {arg} does not exist")
        return StackLocation(name=path.stem, file=path)
    candidate = Path("stacks") / f"{arg}.py"
    if candidate.is_file():
        return StackLocation(name=arg, file=candidate)
    if path.is_file():
        return StackLocation(name=path.stem, file=path)
    raise ConfigError(
        f"unknown stack '{arg}': no file {candidate} (STACK is a stack file path or a name "
        "under stacks/)"
    )


def check_env(env: str) -> str:
    if not ENV_NAME.match(env):
        raise ConfigError(f"invalid environment name {env!r}: letters, digits, '-' and '_' only")
    return env


def find_project_settings(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest ``pyproject.toml`` with a ``[tool.dsspulumi]`` table, walking up from
    ``start`` (a stack file's folder): the repository the stack belongs to, and that table.

    A ``pyproject.toml`` without the table (a sub-package's) is passed over.
    """
    import tomllib

    start = start.absolute()
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{candidate} is not valid TOML: {exc}") from None
        table = data.get("tool", {}).get("dsspulumi")
        if isinstance(table, dict):
            return candidate, table
    return None


def resolve_backend(cli_value: str | None, start: Path | None = None) -> tuple[str, str]:
    """The backend URL and where it came from.

    ``--backend`` > ``DSS_BACKEND`` > ``[tool.dsspulumi] backend`` > ``.dss/state``. The
    ``pyproject.toml`` is looked for from ``start``, the stack file's folder (else the
    current one), so a stack run from anywhere uses its own repository's backend. A relative
    ``file://`` path there is relative to that ``pyproject.toml``'s folder, and so is the
    default ``.dss/state`` of a repository that names no backend; with no such repository,
    the default is ``file://.dss/state`` in the current folder.
    """
    if cli_value:
        return cli_value, "--backend"
    if os.environ.get("DSS_BACKEND"):
        return os.environ["DSS_BACKEND"], "DSS_BACKEND"
    found = find_project_settings(start if start is not None else Path.cwd())
    if found is None:
        return DEFAULT_BACKEND, "default"
    pyproject, table = found
    url = table.get("backend")
    if not url:
        default = pyproject.parent / ".dss" / "state"
        return f"file://{default.as_posix()}", f"default beside {pyproject}"
    if not isinstance(url, str):
        raise ConfigError(f"{pyproject}: [tool.dsspulumi] backend must be a string")
    if url.startswith("file://") and not Path(url[7:]).is_absolute():
        url = f"file://{(pyproject.parent / url[7:]).as_posix()}"
    return url, f"{pyproject} [tool.dsspulumi]"


def resolve_backend_url(cli_value: str | None, start: Path | None = None) -> str:
    """``--backend`` > ``DSS_BACKEND`` > ``[tool.dsspulumi] backend`` > ``file://.dss/state``.

    ``start`` is the stack file's folder: its repository decides the backend, wherever the
    command runs from."""
    return resolve_backend(cli_value, start)[0]


def stack_folder(arg: str | None) -> Path | None:
    """The folder of the stack file ``arg`` names, if it names one (for the backend)."""
    if not arg:
        return None
    try:
        return resolve_stack(arg).file.parent
    except ConfigError:
        return None


def fail(err: Console, message: str, hint: str | None = None) -> None:
    err.print(
        f"[bold red]error:[/bold red] {message}", highlight=False, markup=True, soft_wrap=True
    )
    if hint:
        err.print(hint)


class _DebugHandler(logging.Handler):
    """``--debug``: what dsspulumi logs (``logging`` under ``dsspulumi``) goes to stderr, e.g.
    which names the preflight could not check; libraries' own loggers stay quiet. The stream
    is looked up at each record: the CLI's stderr is swapped under tests."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(f"debug: {self.format(record)}\n")


@contextlib.contextmanager
def debug_log(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    logger = logging.getLogger("dsspulumi")
    handler, level = _DebugHandler(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@contextlib.contextmanager
def handle_errors(debug: bool) -> Iterator[None]:
    """Every error a user can cause: one clean message on stderr, exit 1."""
    try:
        with debug_log(debug):
            yield
    except (typer.Exit, typer.BadParameter):
        raise
    except DssPulumiError as exc:
        if debug:
            traceback.print_exc()
        from rich.markup import escape

        fail(make_console(stderr=True), escape(str(exc)), getattr(exc, "hint", None))
        raise typer.Exit(1) from None
    except (KeyboardInterrupt, typer.Abort):
        # 128 + SIGINT, as shells expect of a command stopped by Ctrl-C.
        fail(make_console(stderr=True), "interrupted; state records every step that completed")
        raise typer.Exit(130) from None
    except Exception as exc:  # a bug in dsspulumi
        if debug:
            traceback.print_exc()
        from rich.markup import escape

        fail(
            make_console(stderr=True),
            escape(f"internal error in dsspulumi: {type(exc).__name__}: {exc}"),
            None if debug else "Run again with --debug for the traceback, and please report it.",
        )
        raise typer.Exit(1) from None


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


Confirm = Callable[[Any], bool]
