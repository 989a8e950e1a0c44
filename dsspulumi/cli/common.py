"""What every command resolves the same way: the stack file, the backend, the DSS target.

Precedence follows ARCHITECTURE.md §2. Errors are turned into one clean line
and exit code 1 by ``handle_errors``; only ``--debug`` shows a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import typer

from dsspulumi.errors import DssPulumiError
from dsspulumi.locate import (  # noqa: F401 - the commands' names for them
    DEFAULT_BACKEND,
    ENV_NAME,
    StackLocation,
    check_env,
    find_project_settings,
    resolve_backend,
    resolve_backend_url,
    resolve_stack,
    stack_folder,
)

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
