"""What ``dss selftest`` declares for each kind: one small sample, one update, one hand change.

Each sample is a few lines of a stack program (``string.Template``: ``$key`` is the
throwaway project's key, ``$name`` the kind's prefixed instance name, ``$v`` the version:
``1`` when created, ``2`` after the update, ``$group`` a group the API key belongs to).
The samples are laid out in dependency order, so a later one may use an earlier one's
variable (the recipe reads the dataset). ``drift`` changes one field of the object through
``dataikuapi`` by hand, as a colleague would in the DSS UI. ``path`` is the one property both
change: the update must plan a change of it, and ``--refresh`` must then report it as changed.

A kind the tool supports without a sample here is reported by ``dss selftest`` as not
covered (exit 1): adding a kind means adding its sample.
"""

from __future__ import annotations

from collections.abc import Callable
from string import Template
from typing import Any

import attrs

from dsspulumi.state import ResourceState

HAND = "changed by hand (dss selftest)"

Drifter = Callable[[Any, ResourceState], None]


@attrs.frozen
class Sample:
    """One kind's sample (see the module docstring)."""

    type: str
    source: str  # stack program lines (string.Template)
    logical: str  # the logical name of the object checked through update and drift
    path: str  # the property the update (v1 -> v2) and the hand change (``drift``) both change
    drift: Drifter  # a change made through dataikuapi by hand
    admin: bool = False  # an instance-level kind: needs an admin API key

    def render(self, **values: str) -> str:
        return Template(self.source).substitute(values)

    def logical_name(self, **values: str) -> str:
        return Template(self.logical).substitute(values)


def _out(rec: ResourceState, key: str) -> Any:
    return rec.outputs.get(key)


def _project_drift(client: Any, rec: ResourceState) -> None:
    project = client.get_project(rec.inputs["key"])
    md = project.get_metadata()
    md["description"] = HAND
    project.set_metadata(md)


def _raw_settings_drift(getter: Callable[[Any, ResourceState], Any]) -> Drifter:
    """A change of ``description`` in an object's settings document (get, edit, save)."""

    def drift(client: Any, rec: ResourceState) -> None:
        settings = getter(client.get_project(rec.inputs["project"]), rec)
        settings.get_raw()["description"] = HAND
        settings.save()

    return drift


def _recipe_drift(client: Any, rec: ResourceState) -> None:
    settings = client.get_project(rec.inputs["project"]).get_recipe(rec.inputs["name"])
    settings = settings.get_settings()
    settings.set_code("print('changed by hand')\n")
    settings.save()


def _scenario_drift(client: Any, rec: ResourceState) -> None:
    project = client.get_project(rec.inputs["project"])
    settings = project.get_scenario(_out(rec, "id")).get_settings()
    settings.active = not rec.inputs.get("active")
    settings.save()


def _zone_drift(client: Any, rec: ResourceState) -> None:
    flow = client.get_project(rec.inputs["project"]).get_flow()
    settings = flow.get_zone(_out(rec, "id")).get_settings()
    settings.color = "#123456"
    settings.save()


def _variables_drift(client: Any, rec: ResourceState) -> None:
    project = client.get_project(rec.inputs["project"])
    doc = project.get_variables()
    doc["standard"]["version"] = HAND  # a declared key (undeclared keys are not managed)
    project.set_variables(doc)


def _permissions_drift(client: Any, rec: ResourceState) -> None:
    project = client.get_project(rec.inputs["project"])
    doc = project.get_permissions()
    for grant in doc.get("permissions", []):
        grant["writeProjectContent"] = not grant.get("writeProjectContent")
    project.set_permissions(doc)


def _definition_drift(getter: Callable[[Any, ResourceState], Any], field: str) -> Drifter:
    """A change of ``field`` in an instance object's definition (get, edit, set)."""

    def drift(client: Any, rec: ResourceState) -> None:
        handle = getter(client, rec)
        doc = handle.get_definition()
        doc[field] = HAND
        handle.set_definition(doc)

    return drift


def _user_drift(client: Any, rec: ResourceState) -> None:
    settings = client.get_user(rec.inputs["login"]).get_settings()
    settings.get_raw()["displayName"] = HAND
    settings.save()


def _code_env_drift(client: Any, rec: ResourceState) -> None:
    env = client.get_code_env(rec.inputs["lang"], rec.inputs["name"])
    doc = env.get_definition()
    doc["specPackageList"] = "\n".join([*rec.inputs.get("packages", []), "six"])
    env.set_definition(doc)


def _global_variables_drift(client: Any, rec: ResourceState) -> None:
    doc = client.get_global_variables()  # a dict that saves itself
    for name in rec.inputs["variables"]:
        doc[name] = HAND
    doc.save()


def _notebook_drift(client: Any, rec: ResourceState) -> None:
    held = client.get_project(rec.inputs["project"]).get_jupyter_notebook(rec.inputs["name"])
    content = held.get_content()
    content.get_raw()["cells"][0]["source"] = "print('changed by hand')"
    content.save()


def _wiki_drift(client: Any, rec: ResourceState) -> None:
    article = client.get_project(rec.inputs["project"]).get_wiki().get_article(_out(rec, "id"))
    data = article.get_data()
    data.set_body(HAND)
    data.save()


def _library_drift(client: Any, rec: ResourceState) -> None:
    library = client.get_project(rec.inputs["project"]).get_library()
    library.get_file(rec.inputs["path"]).write(HAND)


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "dss:Project",
        'project = dss.Project("$key", name="dsspulumi selftest $key",\n'
        '                      description="selftest v$v", tags=["selftest"])',
        logical="$key",
        path="description",
        drift=_project_drift,
    ),
    Sample(
        "dss:Group",
        'group = dss.Group("${name}_group", description="selftest v$v",\n'
        "                  may_create_projects=False)",
        logical="${name}_group",
        path="description",
        drift=_definition_drift(lambda c, r: c.get_group(r.inputs["name"]), "description"),
        admin=True,
    ),
    Sample(
        "dss:User",
        'dss.User("${name}_user", display_name="selftest v$v", email="selftest@example.com",\n'
        "         groups=[group])",
        logical="${name}_user",
        path="display_name",
        drift=_user_drift,
        admin=True,
    ),
    Sample(
        "dss:Connection",
        'dss.Connection("${name}_conn", type="Filesystem", params={"root": "/tmp/$key"},\n'
        '               allowed_groups=[group], description="selftest v$v")',
        logical="${name}_conn",
        path="description",
        drift=_definition_drift(lambda c, r: c.get_connection(r.inputs["name"]), "description"),
        admin=True,
    ),
    Sample(
        "dss:CodeEnv",
        'dss.CodeEnv("${dashed}-env", lang="python",\n'
        '            packages=[] if "$v" == "1" else ["six"])',
        logical="${dashed}-env",
        path="packages",
        drift=_code_env_drift,
        admin=True,
    ),
    Sample(
        "dss:GlobalVariables",
        'dss.GlobalVariables({"${name}_var": "selftest v$v"})',
        logical="instance-variables",
        path="variables",
        drift=_global_variables_drift,
        admin=True,
    ),
    Sample(
        "dss:Dataset",
        'dataset = dss.ManagedDataset("selftest_in", project=project,\n'
        '                             connection="filesystem_managed",\n'
        '                             description="selftest v$v", tags=["selftest", "v$v"],\n'
        '                             schema=[dss.Column("id", "bigint"), dss.Column("name")])',
        logical="$key.selftest_in",
        path="description",
        drift=_raw_settings_drift(lambda p, r: p.get_dataset(r.inputs["name"]).get_settings()),
    ),
    Sample(
        "dss:ManagedFolder",
        'folder = dss.ManagedFolder("selftest_folder", project=project,\n'
        '                           description="selftest v$v")',
        logical="$key.selftest_folder",
        path="description",
        drift=_raw_settings_drift(
            lambda p, r: p.get_managed_folder(r.outputs["id"]).get_settings()
        ),
    ),
    Sample(
        "dss:Recipe",
        'output = dss.ManagedDataset("selftest_out", project=project,\n'
        '                            connection="filesystem_managed")\n'
        'recipe = dss.PythonRecipe("selftest_recipe", project=project, inputs=[dataset],\n'
        "                          outputs=[output], code=\"print('selftest v$v')\\n\",\n"
        '                          description="selftest recipe")',
        logical="$key.selftest_recipe",
        path="code",
        drift=_recipe_drift,
    ),
    Sample(
        "dss:Scenario",
        'dss.Scenario("selftest_scenario", project=project, active="$v" == "2",\n'
        "             steps=[dss.BuildStep([output])],\n"
        '             triggers=[dss.TemporalTrigger("Daily", hour=2, minute=30)])',
        logical="$key.selftest_scenario",
        path="active",
        drift=_scenario_drift,
    ),
    Sample(
        "dss:ProjectVariables",
        'dss.ProjectVariables(project=project, standard={"version": "v$v"},\n'
        '                     local={"debug": False})',
        logical="$key.variables",
        path="standard",
        drift=_variables_drift,
    ),
    Sample(
        "dss:ProjectPermissions",
        "dss.ProjectPermissions(project=project, permissions=[\n"
        '    dss.GroupPermission("$group", write_project_content="$v" == "2")])',
        logical="$key.permissions",
        path="permissions",
        drift=_permissions_drift,
    ),
    Sample(
        "dss:FlowZone",
        'dss.FlowZone("selftest_zone", project=project,\n'
        '             color="#ff9900" if "$v" == "1" else "#0099ff", items=[dataset])',
        logical="$key.selftest_zone",
        path="color",
        drift=_zone_drift,
    ),
    Sample(
        "dss:Notebook",
        'dss.Notebook("selftest_notebook", project=project, content={\n'
        '    "metadata": {}, "nbformat": 4, "nbformat_minor": 4,\n'
        '    "cells": [{"cell_type": "code", "metadata": {}, "source": "print(\'v$v\')"}]})',
        logical="$key.selftest_notebook",
        path="content",
        drift=_notebook_drift,
    ),
    Sample(
        "dss:WikiArticle",
        'dss.WikiArticle("selftest_article", project=project, body="selftest v$v")',
        logical="$key.selftest_article",
        path="body",
        drift=_wiki_drift,
    ),
    Sample(
        "dss:LibraryFile",
        'dss.LibraryFile("python/selftest_helpers.py", project=project,\n'
        '                content="VERSION = $v\\n")',
        logical="$key.python/selftest_helpers.py",
        path="content",
        drift=_library_drift,
    ),
)


def samples() -> dict[str, Sample]:
    """The samples by type token, in the order a program declares them."""
    return {s.type: s for s in SAMPLES}
