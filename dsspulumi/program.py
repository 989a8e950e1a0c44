"""Running a stack file: ``runpy`` inside a registration context -> ResourceGraph.

Any failure of the user's program is reported at *their* file and line,
never ours: the traceback is searched for the innermost frame outside the
dsspulumi package and the Python machinery.
"""

from __future__ import annotations

import runpy
import sys
import traceback
from pathlib import Path
from typing import Any

from dsspulumi import program_context
from dsspulumi.errors import DssPulumiError, GraphError, StackProgramError
from dsspulumi.graph import ResourceGraph

_INTERNAL = (program_context._PACKAGE_DIR, "<frozen ", "<attrs generated", sys.prefix + "/lib")


def _user_frame(tb: Any) -> tuple[str, int] | None:
    found = None
    for frame in traceback.extract_tb(tb):
        if frame.filename.startswith(_INTERNAL) or frame.filename.endswith("runpy.py"):
            continue
        found = (frame.filename, frame.lineno or 0)
    return found


def _rel(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def run_program(
    stack_file: Path,
    *,
    stack: str,
    env: str,
    config: dict[str, Any] | None = None,
    services: dict[str, Any] | None = None,
) -> ResourceGraph:
    ctx = program_context.ProgramContext(
        stack=stack,
        env=env,
        stack_file=stack_file.resolve(),
        config=config or {},
        services=dict(services or {}),
    )
    stack_dir = str(stack_file.resolve().parent)
    sys.path.insert(0, stack_dir)
    try:
        with program_context.activate(ctx):
            runpy.run_path(str(stack_file), run_name="__main__")
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
    finally:
        try:
            sys.path.remove(stack_dir)
        except ValueError:
            pass
    return ResourceGraph.from_resources(stack, env, ctx.resources.values(), ctx.exports)
