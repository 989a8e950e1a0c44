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
    "policy": ("dsspulumi.cli.policy_cmd", "policy_app"),
}

# name -> (module, attribute holding the command's function): top-level commands built
# when named, like the groups (`dss preview` does not import the drawing or converter code).
COMMANDS = {
    "graph": ("dsspulumi.cli.graph_cmd", "graph"),
    "convert": ("dsspulumi.cli.convert_cmd", "convert"),
    "new": ("dsspulumi.cli.new_cmd", "new"),
    "about": ("dsspulumi.cli.about_cmd", "about"),
    "selftest": ("dsspulumi.cli.selftest_cmd", "selftest"),
}

HELP = {
    "stack": "Stack administration: states, history, locks.",
    "config": "Configuration of a stack, per environment (committed TOML).",
    "sandbox": "The DSS sandbox: a local server that speaks the DSS REST API.",
    "import": "Adopt existing DSS objects; generate stack code from a project.",
    "policy": "Policy as code: list the enabled rules, check live projects.",
    "graph": "Draw the flow: DOT, Mermaid, SVG or HTML, coloured with --plan.",
    "convert": "Turn a YAML config of the Dataiku IaC prototype into a stack.",
    "new": "Create a new repository with a stack, its config, a test and CI.",
    "about": "Versions, backend and DSS target, and whether the target answers.",
    "selftest": "Check dsspulumi against a DSS, kind by kind (throwaway objects).",
}
