"""``dss.StackReference``: read another stack's outputs from the same backend.

Values come back as they are, known at preview time; a secret output comes
back as a secret ``dss.Output`` so it stays hidden wherever it flows.
"""

from __future__ import annotations

from typing import Any

from dsspulumi import program_context
from dsspulumi.errors import ConfigError
from dsspulumi.output import Output, Secret


class StackReference:
    def __init__(self, name: str, *, env: str | None = None) -> None:
        ctx = program_context.current()
        if ctx is None:
            raise ConfigError(
                "dss.StackReference() can only be used while `dss` runs a stack program"
            )
        reader = ctx.services.get("read_outputs")
        if reader is None:
            raise ConfigError("this program run has no backend to read other stacks from")
        self.name = name
        self.env = env or ctx.env
        self._outputs: dict[str, Any] = reader(name, self.env)

    @property
    def output_names(self) -> list[str]:
        return sorted(self._outputs)

    def get_output(self, name: str, default: Any = None) -> Any:
        if name not in self._outputs:
            return default
        value = self._outputs[name]
        return Output.secret(value.reveal()) if isinstance(value, Secret) else value

    def require_output(self, name: str) -> Any:
        if name not in self._outputs:
            raise ConfigError(
                f"stack '{self.name}' (env '{self.env}') has no output {name!r}; it has: "
                f"{', '.join(self.output_names) or 'none'}"
            )
        return self.get_output(name)
