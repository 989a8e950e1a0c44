"""The recommended pack: rules most DSS teams keep, each configurable.

Enable it with ``--policy-pack dsspulumi.policy.recommended`` or in ``pyproject.toml``::

    [tool.dsspulumi]
    policy_packs = ["dsspulumi.policy.recommended"]

    [tool.dsspulumi.policy.recommended]
    project_key_pattern = "^(SALES|HR)_[A-Z0-9_]+$"
    production_envs = ["prod", "production"]
    disabled = ["scenarios_have_reporters"]

Every setting below has a default (``CONFIG``); ``disabled`` and ``severity`` (rule name ->
``mandatory``/``advisory``) apply to any pack.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from typing import Any

import dsspulumi as dss
from dsspulumi import policy
from dsspulumi.output import Output

PACK_NAME = "recommended"

CONFIG: dict[str, Any] = {
    # project_key_naming: the regular expression every project key matches (by default:
    # words of capitals and digits joined by single underscores, at most 32 characters).
    "project_key_pattern": r"^(?=.{2,32}$)[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$",
    # projects_are_described / managed_datasets_are_documented: the shortest description.
    "min_description_length": 10,
    # projects_have_an_owner_group: the groups that may own a project (a regex; "" any).
    "owner_group_pattern": "",
    # The environments that are production (for the connection and code env rules).
    "production_envs": ["prod"],
    # no_filesystem_datasets_in_production: connection name patterns (fnmatch) refused there.
    "forbidden_production_connections": ["filesystem_*"],
    # no_filesystem_datasets_in_production: per env, the only connections managed datasets
    # may use there (an env not listed: any connection).
    "allowed_connections": {},
    # python_recipes_declare_a_code_env: the recipe types that must name a code env.
    "code_env_recipe_types": ["python"],
    # no_secrets_in_variables: variable names that hold secrets (a regex).
    "secret_name_pattern": r"(?i)(passw(or)?d|secret|token|api[_-]?key|private[_-]?key|credential)",
    # no_secrets_in_variables: values that look like a credential, whatever their name.
    "secret_value_patterns": [
        r"AKIA[0-9A-Z]{16}",  # an AWS access key id
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
        r"\bgh[pousr]_[A-Za-z0-9]{36}\b",  # a GitHub token
        r"\bxox[abpr]-[A-Za-z0-9-]{10,}",  # a Slack token
    ],
    # scenarios_have_reporters: whether an inactive scenario needs a reporter too.
    "reporters_for_inactive_scenarios": False,
    # recipes_write_in_their_project: projects any recipe may write into (fnmatch patterns).
    "shared_output_projects": [],
}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


@policy.rule(severity="mandatory", kinds=[dss.Project])
def project_key_naming(resource: Any, report: Any, context: Any) -> None:
    """Project keys follow the team's naming scheme (``project_key_pattern``)."""
    pattern = context.config["project_key_pattern"]
    if not re.search(pattern, resource.key):
        report(f"project key {resource.key} does not match {pattern}")


@policy.rule(severity="advisory", kinds=[dss.Project])
def projects_are_described(resource: Any, report: Any, context: Any) -> None:
    """Every project has a description (at least ``min_description_length`` characters)."""
    least = context.config["min_description_length"]
    if len(_text(resource.description)) < least:
        report(f"project {resource.key} needs a description of at least {least} characters")


def _owners(grants: Any, pattern: str) -> list[str]:
    return [
        p.name
        for p in grants.permissions
        if p.admin and (not pattern or re.search(pattern, p.name))
    ]


@policy.stack_rule(severity="mandatory")
def projects_have_an_owner_group(stack: Any, report: Any, context: Any) -> None:
    """Every project grants admin rights to a group (matching ``owner_group_pattern``)."""
    pattern = context.config["owner_group_pattern"]
    grants = {p.project.key: p for p in stack.of_kind(dss.ProjectPermissions)}
    for project in stack.of_kind(dss.Project):
        declared = grants.get(project.key)
        if declared is None or not _owners(declared, pattern):
            which = f" matching {pattern}" if pattern else ""
            report(
                f"project {project.key} grants admin to no group{which}: declare "
                "dss.ProjectPermissions with a dss.GroupPermission(admin=True)",
                resource=project,
            )


@policy.rule(severity="advisory", kinds=[dss.ManagedDataset])
def managed_datasets_are_documented(resource: Any, report: Any, context: Any) -> None:
    """Every managed dataset says what it holds (``min_description_length``)."""
    least = context.config["min_description_length"]
    if len(_text(resource.description)) < least:
        report(
            f"managed dataset {resource.name} needs a description of at least {least} characters"
        )


def _name(value: Any) -> str:
    return value if isinstance(value, str) else str(getattr(value, "name", value) or "")


@policy.rule(severity="mandatory", kinds=[dss.ManagedDataset])
def no_filesystem_datasets_in_production(resource: Any, report: Any, context: Any) -> None:
    """Managed datasets in production envs avoid local connections (and use allowed ones).

    In an env of ``production_envs``, a connection matching ``forbidden_production_connections``
    is refused; in any env listed in ``allowed_connections``, only those connections pass.
    """
    connection = _name(resource.connection)
    cfg = context.config
    if context.env in cfg["production_envs"]:
        for pattern in cfg["forbidden_production_connections"]:
            if fnmatch.fnmatchcase(connection, pattern):
                report(
                    f"managed dataset {resource.name} is on {connection} in env {context.env}: "
                    "production data lives on production connections"
                )
                return
    allowed = cfg["allowed_connections"].get(context.env)
    if allowed is not None and connection not in allowed:
        report(
            f"managed dataset {resource.name} is on {connection}; env {context.env} allows "
            f"{', '.join(allowed) or 'no connection'}"
        )


def _declared_env(recipe: Any) -> str | None:
    if recipe.code_env is not None:
        return _name(recipe.code_env)
    params = recipe.extra_settings.get("params")
    selection = params.get("envSelection") if isinstance(params, dict) else None
    if isinstance(selection, dict) and selection.get("envMode") == "EXPLICIT_ENV":
        return str(selection.get("envName") or "") or None
    return None


@policy.rule(severity="mandatory", kinds=[dss.PythonRecipe])
def python_recipes_declare_a_code_env(resource: Any, report: Any, context: Any) -> None:
    """In production envs, code recipes (``code_env_recipe_types``) name their code env."""
    cfg = context.config
    if context.env not in cfg["production_envs"]:
        return
    if resource.recipe_type in cfg["code_env_recipe_types"] and _declared_env(resource) is None:
        report(
            f"{resource.recipe_type} recipe {resource.name} runs in whatever env the project "
            f"inherits; declare code_env= in env {context.env}"
        )


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, value


def _secrets(variables: dict[str, Any], cfg: Any) -> list[str]:
    """Where a plaintext secret sits: a secret-named key with a plain value, or a value that
    looks like a credential. A ``dss.Output.secret`` value is the declared way: not flagged."""
    name = re.compile(cfg["secret_name_pattern"])
    values = [re.compile(p) for p in cfg["secret_value_patterns"]]
    found = []
    for path, value in _leaves(variables):
        if isinstance(value, Output) or not isinstance(value, str) or not value:
            continue
        key = path.rsplit(".", 1)[-1]
        if name.search(key) or any(p.search(value) for p in values):
            found.append(path)
    return found


@policy.rule(severity="mandatory", kinds=[dss.ProjectVariables, dss.GlobalVariables])
def no_secrets_in_variables(resource: Any, report: Any, context: Any) -> None:
    """No secret-looking value (``secret_name_pattern``, ``secret_value_patterns``) sits in
    project or instance variables in plaintext."""
    if isinstance(resource, dss.GlobalVariables):
        scopes = {"instance": resource.variables}
    else:
        scopes = {"standard": resource.standard, "local": resource.local}
    for scope, variables in scopes.items():
        for path in _secrets(variables, context.config):
            report(
                f"{scope} variable {path} looks like a secret in plaintext: keep secrets in a "
                "connection or the stack config (cfg.require_secret)"
            )


@policy.rule(severity="advisory", kinds=[dss.Scenario, dss.PythonScenario])
def scenarios_have_reporters(resource: Any, report: Any, context: Any) -> None:
    """Active scenarios have at least one reporter, or are explicitly inactive."""
    if resource.reporters:
        return
    if resource.active or context.config["reporters_for_inactive_scenarios"]:
        state = "active" if resource.active else "inactive"
        report(
            f"{state} scenario {resource.name} has no reporter: nobody hears when it fails "
            "(add one, or set active=False)"
        )


@policy.rule(
    severity="mandatory",
    kinds=[
        dss.PythonRecipe,
        dss.SqlQueryRecipe,
        dss.SyncRecipe,
        dss.PrepareRecipe,
        dss.JoinRecipe,
        dss.GroupRecipe,
    ],
)
def recipes_write_in_their_project(resource: Any, report: Any, context: Any) -> None:
    """Recipes write only into their own project (or ``shared_output_projects``)."""
    home = resource.project.key
    shared = context.config["shared_output_projects"]
    for output in resource.outputs:
        project = getattr(output, "project", None)
        key = getattr(project, "key", None)
        if key is None or key == home or any(fnmatch.fnmatchcase(key, p) for p in shared):
            continue
        report(
            f"recipe {resource.name} of project {home} writes {output.logical_name}, in "
            f"project {key}: a project writes its own outputs"
        )
