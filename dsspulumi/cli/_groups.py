"""The command groups of ``dss``: where each lives, and its one-line help.

The help is kept here, once, so that ``dss --help`` can list a group without building
it (building a group builds all its commands' parameters, most of the root help's time).
"""

from __future__ import annotations

# name -> (module, attribute holding its typer app)
GROUPS = {
    "stack": ("dsspulumi.cli.stack_cmd", "stack_app"),
    "config": ("dsspulumi.cli.config_cmd", "config_app"),
    "sandbox": ("dsspulumi.cli.sandbox_cmd", "sandbox_app"),
    "import": ("dsspulumi.cli.import_cmd", "import_app"),
}

HELP = {
    "stack": "Stack administration: states, history, locks.",
    "config": "Configuration of a stack, per environment (committed TOML).",
    "sandbox": "The DSS sandbox: a local server that speaks the DSS REST API.",
    "import": "Adopt existing DSS objects; generate stack code from a project.",
}
