"""The sandbox's scenarios and flow zones, through the real client (dss-rest-api.md §6, §7)."""

from __future__ import annotations

import pytest
from sandbox_asserts import CODED, NOT_FOUND, dss_error

from dsspulumi.sandbox import Sandbox


@pytest.fixture
def project(dss_sandbox: Sandbox):
    client = dss_sandbox.client()
    client.create_project("SB", "Sandbox", "admin")
    project = client.get_project("SB")
    project.create_dataset("DS", "Filesystem", params={"connection": "filesystem_root"})
    return project


def test_scenario_ids_are_generated_and_names_need_not_be_unique(project) -> None:
    first = project.create_scenario("Daily build", "step_based")
    second = project.create_scenario("Daily build", "step_based")
    assert (first.id, second.id) == ("DAILYBUILD", "DAILYBUILD_1")
    listed = project.list_scenarios()
    assert [(s["id"], s["name"]) for s in listed] == [
        ("DAILYBUILD", "Daily build"),
        ("DAILYBUILD_1", "Daily build"),
    ]
    settings = first.get_settings()
    raw = settings.get_raw()
    assert raw["type"] == "step_based" and raw["params"] == {"steps": []}
    assert raw["active"] is False and raw["triggers"] == [] and raw["customFields"] == {}
    settings.raw_steps.append({"type": "build_flowitem", "name": "b", "params": {}})
    settings.add_daily_trigger(hour=3, year=2025, month=1, day=1)
    settings.get_raw()["customFields"] = {"k": "v"}
    settings.save()
    raw = first.get_settings().get_raw()
    assert raw["params"]["steps"][0]["type"] == "build_flowitem"
    assert raw["triggers"][0]["params"]["frequency"] == "Daily"
    assert len(raw["triggers"][0]["id"]) == 6  # DSS gives triggers ids
    assert raw["customFields"] == {"k": "v"} and raw["versionTag"]["versionNumber"] == 1
    first.delete()
    with dss_error(f"{NOT_FOUND}: scenario does not exist: SB.DAILYBUILD"):
        first.get_settings()


def test_python_scenario_payload_and_refusals(project) -> None:
    scenario = project.create_scenario("Py", "custom_python")
    settings = scenario.get_settings()
    assert settings.code == ""
    settings.code = "print('hi')"
    settings.save()
    assert scenario.get_settings().code == "print('hi')"
    step_based = project.create_scenario("Steps", "step_based")
    with dss_error(f"{CODED}: Scenario SB.STEPS is not a custom python scenario"):
        project.client._perform_json(
            "PUT", "/projects/SB/scenarios/STEPS/payload", body={"script": "x"}
        )
    with dss_error(f"{CODED}: Invalid scenario type 'other'"):
        project.create_scenario("X", "other")
    settings = step_based.get_settings()
    settings.get_raw()["type"] = "custom_python"
    with dss_error(f"{CODED}: Cannot change the type of scenario SB.STEPS"):
        settings.save()
    with dss_error(f"{NOT_FOUND}: project does not exist: NOPE"):
        project.client.get_project("NOPE").create_scenario("X", "step_based")


def test_light_update_applies_only_its_fields(project) -> None:
    scenario = project.create_scenario("Light", "step_based")
    light = project.client._perform_json("GET", "/projects/SB/scenarios/LIGHT/light")
    assert light["active"] is False and light["running"] is False
    project.client._perform_json(
        "PUT",
        "/projects/SB/scenarios/LIGHT/light",
        body={"active": True, "tags": ["t"], "name": "ignored", "triggers": [{"type": "x"}]},
    )
    raw = scenario.get_settings().get_raw()
    assert raw["active"] is True and raw["tags"] == ["t"]
    assert raw["name"] == "Light" and raw["triggers"] == []


def test_zones_create_move_and_delete(project) -> None:
    flow = project.get_flow()
    assert [z.id for z in flow.list_zones()] == ["default"]
    zone = flow.create_zone("Prep", color="#123456")
    assert len(zone.id) == 7 and zone.name == "Prep" and zone.color == "#123456"
    dataset = project.get_dataset("DS")
    zone.add_item(dataset)
    assert zone._raw["items"] == [{"objectId": "DS", "objectType": "DATASET"}]
    assert flow.get_zone_of_object(dataset).id == zone.id
    assert flow.get_default_zone()._raw["items"] == []
    settings = zone.get_settings()
    settings.name = "Preparation"
    settings.get_raw()["items"] = []  # not edited this way
    settings.get_raw()["position"] = {"x": 1}
    settings.save()
    saved = flow.get_zone(zone.id)._raw
    assert saved["name"] == "Preparation" and saved["position"] == {"x": 1}
    assert saved["items"] == [{"objectId": "DS", "objectType": "DATASET"}]
    other = flow.create_zone("Other")
    other.add_items([dataset])  # moving takes it out of the first zone
    assert flow.get_zone(zone.id)._raw["items"] == []
    other.delete()  # its items go back to the default zone
    assert flow.get_zone_of_object(dataset).id == "default"
    with dss_error(f"{NOT_FOUND}: dataset does not exist: SB.MISSING"):
        zone.add_item(project.get_dataset("MISSING"))
    with dss_error(f"{CODED}: The default flow zone cannot be deleted"):
        flow.get_default_zone().delete()
    with dss_error(f"{CODED}: Invalid flow zone color"):
        flow.create_zone("Bad", color="red")
    with dss_error(f"{NOT_FOUND}: zone does not exist: SB.{other.id}"):
        flow.get_zone(other.id)


def test_a_deleted_object_leaves_its_zone(project) -> None:
    flow = project.get_flow()
    zone = flow.create_zone("Z")
    zone.add_item(project.get_dataset("DS"))
    project.get_dataset("DS").delete()
    assert flow.get_zone(zone.id)._raw["items"] == []


def test_run_as_needs_an_admin_and_an_existing_user(dss_sandbox: Sandbox, project) -> None:
    scenario = project.create_scenario("RunAs", "step_based")
    settings = scenario.get_settings()
    settings.run_as = "nobody"
    with dss_error(f"{CODED}: Invalid runAsUser: user 'nobody' does not exist"):
        settings.save()
    settings.run_as = "admin"
    settings.save()
    assert scenario.get_settings().run_as == "admin"
    as_user = dss_sandbox.client(admin=False).get_project("SB").get_scenario(scenario.id)
    mine = as_user.get_settings()
    mine.get_raw()["description"] = "kept run_as"
    mine.save()  # not changing runAsUser: allowed
    mine.run_as = "user"
    with dss_error("com.dataiku.dip.exceptions.UnauthorizedException"):
        mine.save()
