"""Creates that carry the mark and the settings in the creation call, on a DSS that keeps them
and on one that drops them (``Sandbox(creation_keeps_fields=...)``); refresh by project export
(recipes, scenarios).

Both paths must end the same: every object carries its ownership mark and its declared
settings, and a refresh finds no drift. What differs is the cost: one call per object where
DSS keeps the fields (plus one read-back per kind and run), a write after each create where
it does not (said once per kind under ``--debug``). Two sandboxes for the whole module.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dsspulumi.kinds.marks import fields_mark, read_mark
from dsspulumi.sandbox import Sandbox
from tests.conftest import Workspace

FLOW = """
project = dss.Project("{key}", name="Creation")
outs = []
for i in range(3):
    src = dss.ManagedDataset(f"in_{{i}}", project=project, connection="filesystem_managed",
                             description=f"input {{i}}", tags=["t"],
                             schema=[dss.Column("id", "bigint")])
    out = dss.ManagedDataset(f"out_{{i}}", project=project, connection="filesystem_managed")
    dss.PythonRecipe(f"compute_{{i}}", project=project, inputs=[src], outputs=[out],
                     code=f"print({{i}})")
    outs.append(out)
dss.Dataset("ext", project=project, type="Filesystem", connection="filesystem_root",
            params={{"path": "/ext"}}, description="external")
for i in range(2):
    dss.ManagedFolder(f"folder_{{i}}", project=project, description=f"folder {{i}}")
    dss.Scenario(f"Build {{i}}", project=project, active=True,
                 steps=[dss.BuildStep([outs[i]])],
                 triggers=[dss.TemporalTrigger("Daily", hour=2, starting_from="2025-01-01")])
"""

WRITES = (
    "PUT /projects/{projectKey}/datasets/{datasetName}",
    "PUT /projects/{projectKey}/recipes/{recipeName}",
    "PUT /projects/{projectKey}/managedfolders/{folderId}",
    "PUT /projects/{projectKey}/scenarios/{scenarioId}",
)


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[dict[bool, Sandbox]]:
    with Sandbox(creation_keeps_fields=True) as keeps, Sandbox() as drops:
        yield {True: keeps, False: drops}


@pytest.fixture(params=[True, False], ids=["kept", "dropped"])
def cws(
    request: Any, sandboxes: dict[bool, Sandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Workspace:
    monkeypatch.chdir(tmp_path)
    for var in ("DKU_DSS_URL", "DKU_API_KEY", "DSS_BACKEND"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "stacks").mkdir()
    return Workspace(tmp_path, sandboxes[request.param])


def _keeps(ws: Workspace) -> bool:
    return bool(ws.sandbox.creation_keeps_fields)


def _key(ws: Workspace, name: str) -> str:
    return f"{name}{'K' if _keeps(ws) else 'D'}"


def test_both_creation_paths_end_with_marks_settings_and_no_drift(cws: Workspace) -> None:
    key = _key(cws, "CREATE")
    cws.stack("flow", FLOW.format(key=key))
    cws.sandbox.reset_counts()
    r = cws.dss("up", "flow", "--yes", "--json", "--debug")
    assert r.exit_code == 0, r.stderr
    counts = cws.sandbox.request_counts
    writes = {route: counts.get(route, 0) for route in WRITES}
    said = r.stderr.count("did not keep the fields sent in the creation call")
    if _keeps(cws):
        # One call per object; one read-back per kind (managed dataset, dataset, python
        # recipe, folder, step-based scenario); the first scenario's tag taken off once.
        assert [writes[w] for w in WRITES[:3]] == [0, 0, 0], counts
        assert 1 <= writes[WRITES[3]] <= 2, counts  # the tag of those sent before the verdict
        assert counts["GET /projects/{projectKey}/datasets/{datasetName}"] == 2
        assert counts["GET /projects/{projectKey}/recipes/{recipeName}"] == 1
        assert said == 0
    else:
        # Each object is written after its creation call, said once per kind (a code
        # recipe's prototype keeps its customFields and script on both sandboxes).
        assert writes == {WRITES[0]: 7, WRITES[1]: 0, WRITES[2]: 2, WRITES[3]: 2}, counts
        assert said == 4, r.stderr
    # The names were found free with no read per object: the project was created by this
    # run, empty, so not even a listing (a project that exists: one, see the next test).
    assert "GET /projects/{projectKey}/datasets/" not in counts
    assert "GET /projects/{projectKey}/recipes/" not in counts

    state = cws.state("flow")
    project = cws.sandbox.client().get_project(key)
    for rec in state.resources:
        if rec.type == "dss:Dataset":
            raw = project.get_dataset(rec.inputs["name"]).get_settings().get_raw()
        elif rec.type == "dss:Recipe":
            raw = project.get_recipe(rec.inputs["name"]).get_settings().get_recipe_raw_definition()
        elif rec.type == "dss:ManagedFolder":
            raw = project.get_managed_folder(rec.outputs["id"]).get_settings().get_raw()
        elif rec.type == "dss:Scenario":
            raw = project.get_scenario(rec.outputs["id"]).get_settings().get_raw()
            assert not any(t.startswith("dsspulumi-mark") for t in raw.get("tags", []))
        else:
            continue
        assert read_mark(raw) == rec.mark is not None, rec.urn
    ds = project.get_dataset("in_0").get_settings().get_raw()
    assert ds["managed"] and ds["description"] == "input 0" and ds["tags"] == ["t"]
    assert ds["schema"]["columns"] == [{"name": "id", "type": "bigint"}]

    r = cws.dss("refresh", "flow", "--json", "--yes")
    assert r.exit_code == 0 and r.json["resources"] == [], r.stdout
    r = cws.dss("preview", "flow", "--json")
    assert r.exit_code == 0 and not [s for s in r.json["steps"] if s["op"] != "same"], r.stdout


def test_scenarios_created_after_the_verdict_carry_their_mark_on_both_paths(
    cws: Workspace,
) -> None:
    """A scenario sent before DSS is seen keeping customFields carries its mark twice, in
    customFields and in a tag. A DSS that keeps the tag but drops customFields must not read
    as keeping them: the scenarios sent after that verdict carry no tag, and were left
    unmarked (then dropped from the state by the next refresh as someone else's)."""
    key = _key(cws, "SCEN")
    scenarios = "\n".join(
        f'dss.Scenario("Build {i}", project=project, steps=[dss.BuildStep([out])])'
        for i in range(3)
    )
    cws.stack(
        "scen",
        f"""
project = dss.Project("{key}", name="Scenarios")
out = dss.ManagedDataset("out", project=project, connection="filesystem_managed")
{scenarios}
""",
    )
    r = cws.dss("up", "scen", "--yes", "--parallel", "1")  # one after the other
    assert r.exit_code == 0, r.stderr
    project = cws.sandbox.client().get_project(key)
    marked = []
    for rec in cws.state("scen").resources:
        if rec.type == "dss:Scenario":
            raw = project.get_scenario(rec.outputs["id"]).get_settings().get_raw()
            assert not any(t.startswith("dsspulumi-mark") for t in raw.get("tags", []))
            marked.append(fields_mark(raw) == rec.mark is not None)
    assert marked == [True] * 3
    r = cws.dss("refresh", "scen", "--json", "--yes")
    assert r.exit_code == 0 and r.json["resources"] == [], r.stdout


def test_a_name_taken_by_hand_is_a_conflict_on_both_paths(cws: Workspace) -> None:
    key = _key(cws, "TAKEN")
    cws.stack(
        "taken",
        f"""
project = dss.Project("{key}", name="Taken")
first = [dss.ManagedDataset(f"ds_{{i}}", project=project, connection="filesystem_managed",
                            description="ours") for i in range(3)]
# Created after the others, once the run knows what DSS keeps: the name is still found taken
# by the listing, before any create call.
dss.ManagedDataset("ds_3", project=project, connection="filesystem_managed",
                   description="ours", opts=dss.ResourceOptions(depends_on=first))
""",
    )
    r = cws.dss("up", "taken", "--yes", "--target", key)
    assert r.exit_code == 0, r.stderr
    project = cws.sandbox.client().get_project(key)
    project.create_dataset("ds_3", "Filesystem", params={"connection": "filesystem_root"})
    cws.sandbox.reset_counts()
    r = cws.dss("up", "taken", "--yes", "--json")
    assert r.exit_code == 1
    posts = cws.sandbox.request_counts["POST /projects/{projectKey}/datasets/managed"]
    assert posts == 3  # ds_3's name was found taken in the listing: never sent
    failed = [s for s in r.json["steps"] if s["status"] == "failed"]
    assert [s["name"] for s in failed] == ["ds_3"]
    assert "already exists in DSS and was not created by this stack" in failed[0]["error"]
    raw = project.get_dataset("ds_3").get_settings().get_raw()
    assert read_mark(raw) is None and raw.get("description", "") == ""  # left untouched
    assert {rec.name for rec in cws.state("taken").resources} == {key, "ds_0", "ds_1", "ds_2"}


def test_refresh_reads_a_project_in_one_export_and_finds_each_change(cws: Workspace) -> None:
    key = _key(cws, "REFRESH")
    cws.stack("flow", FLOW.format(key=key))
    assert cws.dss("up", "flow", "--yes").exit_code == 0
    state = cws.state("flow")
    folder_id = next(r.outputs["id"] for r in state.resources if r.name == "folder_1")
    scenario_id = next(r.outputs["id"] for r in state.resources if r.name == "Build 0")
    project = cws.sandbox.client().get_project(key)
    recipe = project.get_recipe("compute_2").get_settings()
    recipe.set_code("print('by hand')")
    recipe.save()
    folder = project.get_managed_folder(folder_id).get_settings()
    folder.get_raw()["description"] = "by hand"
    folder.save()
    scenario = project.get_scenario(scenario_id).get_settings()
    scenario.active = False
    scenario.save()
    expected = [f"{key}.Build 0", f"{key}.compute_2", f"{key}.folder_1"]

    cws.sandbox.reset_counts()
    r = cws.dss("preview", "flow", "--refresh", "--json")
    assert r.exit_code == 0, r.stderr
    assert sorted(d["logical_name"] for d in r.json["drift"]) == expected
    counts = cws.sandbox.request_counts
    assert counts["POST /projects/{projectKey}/export"] == 1
    # Recipes and scenarios from the export; folders are still read one by one.
    reads = [route for route in counts if route.startswith("GET") and route.endswith("}")]
    assert reads == ["GET /projects/{projectKey}/managedfolders/{folderId}"], counts

    # A DSS that refuses the export: the same drift, one read per object.
    cws.sandbox.inject_failure("POST", "/projects/{projectKey}/export", status=403)
    cws.sandbox.reset_counts()
    r = cws.dss("preview", "flow", "--refresh", "--json")
    assert r.exit_code == 0, r.stderr
    assert sorted(d["logical_name"] for d in r.json["drift"]) == expected
    assert cws.sandbox.request_counts["GET /projects/{projectKey}/recipes/{recipeName}"] == 3


def test_a_half_made_object_keeps_its_mark_through_an_update_and_is_destroyed(
    cws: Workspace,
) -> None:
    """The write after a create is refused: the mark may then be only in the tag the creation
    body carried. A later update that does not carry the mark must keep that tag, or the
    object reads as made by hand and destroy leaves it (and its project) behind."""
    key = _key(cws, "HALF")
    program = """
project = dss.Project("{key}", name="Half", description="{v}")
out = dss.ManagedDataset("out", project=project, connection="filesystem_managed")
dss.Scenario("Half", project=project, active={active}, steps=[dss.BuildStep([out])])
"""
    # 1. The project's metadata write is refused: its mark is only in its creation tag. What
    # goes into it was started once the project was created, and the scenario's write after
    # its create is refused too.
    cws.stack("half", program.format(key=key, v="v1", active=False))
    cws.sandbox.inject_failure("PUT", "/projects/{projectKey}/metadata", status=400, message="no")
    cws.sandbox.inject_failure("PUT", "/projects/{projectKey}/scenarios/{scenarioId}", status=400)
    r = cws.dss("up", "half", "--yes", "--json")
    assert r.exit_code == 1
    steps = {s["urn"].rsplit("::", 1)[-1]: s["status"] for s in r.json["steps"]}
    assert steps == {key: "failed", f"{key}.out": "succeeded", f"{key}.Half": "failed"}, steps
    # 2. The project is updated (its tag kept); the scenario's settings are written.
    cws.stack("half", program.format(key=key, v="v2", active=False))
    r = cws.dss("up", "half", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    # 3. Both are updated by runs that do not carry their marks.
    cws.stack("half", program.format(key=key, v="v3", active=True))
    r = cws.dss("up", "half", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    project = cws.sandbox.client().get_project(key)
    assert project.get_metadata()["description"] == "v3"
    assert read_mark(project.get_metadata()) is not None
    (scenario,) = project.list_scenarios()
    settings = project.get_scenario(scenario["id"]).get_settings()
    assert settings.active and read_mark(settings.get_raw()) is not None
    r = cws.dss("destroy", "half", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert key not in cws.sandbox.client().list_project_keys()
