"""Where a stack is: its file, its environment's name, and the backend that keeps its state.

Precedence follows ARCHITECTURE.md §2. The library (``dsspulumi.session``) and the CLI
resolve them the same way, here.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Any

from dsspulumi.errors import ConfigError

ENV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
DEFAULT_BACKEND = "file://.dss/state"


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
