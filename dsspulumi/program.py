"""Running a stack file: run as ``__main__`` inside a registration context -> ResourceGraph.

Any failure of the user's program is reported at *their* file and line,
never ours: the traceback is searched for the innermost frame outside the
dsspulumi package and the Python machinery.

The file runs the way ``runpy.run_path(path, run_name="__main__")`` runs it (same
globals, ``sys.modules["__main__"]`` and ``sys.argv[0]`` while it runs), but is
compiled in blocks of top-level statements (``compile_stack``): compiling a module
holds its whole syntax tree and control-flow graph in memory at once, ~85 MB for a
generated 10,000-statement stack, more than everything else a preview holds.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import threading
import traceback
import types
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from dsspulumi import program_context
from dsspulumi.errors import DssPulumiError, GraphError, StackProgramError
from dsspulumi.graph import ResourceGraph

if TYPE_CHECKING:
    from dsspulumi.resource import ComponentResource, Resource

_INTERNAL = (program_context._PACKAGE_DIR, "<frozen ", "<attrs generated", sys.prefix + "/lib")


def _user_frame(tb: Any) -> tuple[str, int] | None:
    found = None
    for frame in traceback.extract_tb(tb):
        if frame.filename.startswith(_INTERNAL) or frame.filename.endswith("runpy.py"):
            continue
        found = (frame.filename, frame.lineno or 0)
    return found


# Lines per compiled block: big enough that a hand-written stack is one block, small
# enough that the compiler's peak memory does not grow with the stack file.
BLOCK_LINES = 500
_CONTINUATIONS = ("else", "elif", "except", "finally")


def _starts_statement(line: str, previous: str) -> bool:
    """Whether a block may start at ``line``: a new top-level statement, by its look.

    Only a guess (a line inside a string or brackets may look the same); a wrong guess
    makes a block fail to compile alone, and ``compile_stack`` then compiles the file
    whole, so a guess never changes what runs.
    """
    if not line or not (line[0].isalpha() or line[0] == "_"):
        return False
    if previous.rstrip().endswith("\\") or previous.startswith("@"):
        return False
    word = line.split(None, 1)[0].rstrip(":")
    return word not in _CONTINUATIONS


def compile_stack(
    source: str, filename: str, block_lines: int = BLOCK_LINES
) -> list[types.CodeType]:
    """The code of a stack file, as blocks of whole top-level statements run in order.

    Each block is compiled with the file's line numbers, so tracebacks, warnings and
    resource locations are those of the file. A file with a ``__future__`` import, or
    with a block that does not compile alone, is compiled whole (which also gives the
    SyntaxError of the file itself).
    """
    lines = source.splitlines(keepends=True)
    if len(lines) <= block_lines or "__future__" in source:
        return [compile(source, filename, "exec", dont_inherit=True)]
    starts = [0]
    previous = ""
    for i, line in enumerate(lines):
        if i - starts[-1] >= block_lines and _starts_statement(line, previous):
            starts.append(i)
        if line.strip():
            previous = line
    starts.append(len(lines))
    codes = []
    for start, end in zip(starts, starts[1:], strict=False):
        block = "\n" * start + "".join(lines[start:end])
        try:
            codes.append(compile(block, filename, "exec", dont_inherit=True))
        except SyntaxError:
            return [compile(source, filename, "exec", dont_inherit=True)]
    return codes


def _run_as_main(stack_file: Path) -> None:
    """``runpy.run_path(str(stack_file), run_name="__main__")``, block by block."""
    fname = str(stack_file)
    source = importlib.util.decode_source(stack_file.read_bytes())
    codes = compile_stack(source, fname)
    module = types.ModuleType("__main__")
    module.__dict__.update(
        __name__="__main__",
        __file__=fname,
        __cached__=None,
        __doc__=None,
        __loader__=None,
        __package__="",
        __spec__=None,
    )
    saved_main = sys.modules.get("__main__")
    saved_argv0 = sys.argv[0] if sys.argv else None
    sys.modules["__main__"] = module
    if sys.argv:
        sys.argv[0] = fname
    try:
        for code in codes:
            exec(code, module.__dict__)
    finally:
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
        else:
            del sys.modules["__main__"]
        if saved_argv0 is not None:
            sys.argv[0] = saved_argv0


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """What the program writes on stdout goes to stderr, for as long as it runs.

    For commands whose stdout carries a document (``--json``, ``--format markdown``, a
    graph): a ``print()`` in the stack file, or in a module it imports, must not end up in
    front of the ``{``. Both levels are moved: ``sys.stdout`` (Python's writes) and, when
    it is the process's real stdout, file descriptor 1 (what a subprocess or C code the
    program starts writes). The CLI runs the program on its main thread before any other
    thread writes to stdout, so swapping the process-wide stream is safe there.
    """
    with contextlib.suppress(ValueError, OSError):
        sys.stdout.flush()
    saved_fd = None
    try:
        if sys.stdout.fileno() == 1:
            err_fd = sys.stderr.fileno()
            saved_fd = os.dup(1)
            os.dup2(err_fd, 1)
    except (AttributeError, ValueError, OSError):
        saved_fd = None  # not the real stdout (a test runner's capture): Python level only
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        with contextlib.suppress(ValueError, OSError):
            sys.stderr.flush()
        if saved_fd is not None:
            os.dup2(saved_fd, 1)
            os.close(saved_fd)


def _rel(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def run_program(stack_file: Path, *, stack: str, env: str, **options: Any) -> ResourceGraph:
    """Run the stack file and return what it declared. ``options`` are
    ``run_declarations``'s: ``config``, ``services``, ``quiet_stdout`` (the command's stdout
    carries a document, so what the program prints goes to stderr) and ``keep`` (the typed
    objects too, for policy rules)."""
    stack_dir = str(stack_file.resolve().parent)
    sys.path.insert(0, stack_dir)
    try:
        # ``__main__`` and ``sys.argv[0]`` are the process's: one file program swaps them at
        # a time, so that runs in several threads each restore what was there.
        with _MAIN_SWAP:
            return run_declarations(
                lambda: _run_as_main(stack_file),
                stack_file=stack_file,
                stack=stack,
                env=env,
                **options,
            )
    finally:
        try:
            sys.path.remove(stack_dir)
        except ValueError:
            pass


_MAIN_SWAP = threading.RLock()


def run_declarations(
    body: Callable[[], Any],
    *,
    stack_file: Path,
    stack: str,
    env: str,
    config: dict[str, Any] | None = None,
    services: dict[str, Any] | None = None,
    quiet_stdout: bool = False,
    keep: bool = False,
) -> ResourceGraph:
    """Run ``body`` (a stack file, or an inline program) as the program of ``stack``: inside
    its own ``ProgramContext`` (a contextvar, so runs in other threads never see it), with
    ``stack_file``'s folder as the base of ``dss.File`` and of the config; any failure is
    a ``StackProgramError`` at the user's file and line."""
    ctx = program_context.ProgramContext(
        stack=stack,
        env=env,
        stack_file=stack_file.resolve(),
        config=config or {},
        services=dict(services or {}),
    )
    try:
        guard = stdout_to_stderr() if quiet_stdout else contextlib.nullcontext()
        with guard, program_context.activate(ctx):
            body()
    except GraphError:
        raise
    except SyntaxError as exc:
        raise StackProgramError(
            f"syntax error: {exc.msg}", file=_rel(exc.filename or str(stack_file)), line=exc.lineno
        ) from None
    except SystemExit as exc:
        raise StackProgramError(
            f"the stack program called exit({exc.code})", file=_rel(str(stack_file))
        ) from None
    except Exception as exc:
        where = _user_frame(exc.__traceback__)
        file, line = where if where else (str(stack_file), None)
        text = exc.message if isinstance(exc, DssPulumiError) else f"{type(exc).__name__}: {exc}"
        raise StackProgramError(text, file=_rel(file), line=line) from exc
    # The context holds what the resource model registered (it knows them by protocol only).
    resources = cast("Iterable[Resource]", ctx.resources.values())
    components = cast("Iterable[ComponentResource]", ctx.components)
    return ResourceGraph.from_resources(stack, env, resources, ctx.exports, components, keep=keep)
