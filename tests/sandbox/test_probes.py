"""What clients probe first: licensing status (edition), instance variables, flow zones."""

from __future__ import annotations

import pytest
from sandbox_asserts import CODED, NOT_FOUND, dss_error

from dsspulumi.sandbox import Sandbox


@pytest.mark.parametrize(
    ("edition", "kind", "community"),
    [("enterprise", "ENTERPRISE", False), ("free", "COMMUNITY", True)],
)
def test_licensing_status_reports_the_edition(edition: str, kind: str, community: bool) -> None:
    with Sandbox(edition=edition) as sb:
        status = sb.client().get_licensing_status()
    assert status["base"]["licenseContent"]["licenseKind"] == kind
    assert status["communityEdition"] is community
    assert status["base"]["expired"] is False and isinstance(status["base"]["expiresOn"], int)


def test_default_edition_is_enterprise_and_allows_group_permissions(
    dss_sandbox: Sandbox,
) -> None:
    client = dss_sandbox.client()
    assert client.get_licensing_status()["communityEdition"] is False
    client.create_project("ENT", "Ent", "admin", permissions=[{"group": "data_team"}])
    project = client.get_project("ENT")
    perms = project.get_permissions()
    client.create_group("readers")  # a granted group must exist
    perms["permissions"].append({"group": "readers", "readProjectContent": True})
    project.set_permissions(perms)
    assert [p["group"] for p in project.get_permissions()["permissions"]] == [
        "data_team",
        "readers",
    ]


def test_free_edition_refuses_group_permissions_and_changes_nothing() -> None:
    with Sandbox(edition="free") as sb:
        client = sb.client()
        with dss_error(f"{CODED}: Project permissions granted to groups requires"):
            client.create_project("FREE", "Free", "admin", permissions=[{"group": "team"}])
        assert client.list_project_keys() == []
        client.create_project("FREE", "Free", "admin")
        project = client.get_project("FREE")
        perms = project.get_permissions()
        perms["permissions"] = [{"group": "team", "readProjectContent": True}]
        with dss_error(f"{CODED}: Project permissions granted to groups requires"):
            project.set_permissions(perms)
        assert project.get_permissions()["permissions"] == []
        perms["permissions"] = [{"user": "alice", "readProjectContent": True}]
        project.set_permissions(perms)  # per-user grants are not an Enterprise feature


def test_unknown_edition_is_refused() -> None:
    with pytest.raises(ValueError, match="edition"):
        Sandbox(edition="platinum")


def test_instance_variables_put_replaces_the_whole_dict(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    variables = client.get_global_variables()
    assert dict(variables) == {}
    variables["env"] = "ci"
    variables["limits"] = {"rows": 10}
    variables.save()
    assert dict(client.get_global_variables()) == {"env": "ci", "limits": {"rows": 10}}
    client._perform_empty("PUT", "/admin/variables/", body={"only": True})
    assert dict(client.get_global_variables()) == {"only": True}  # replaced, not merged
    with dss_error(f"{CODED}: Invalid instance variables"):
        client._perform_empty("PUT", "/admin/variables/", body=["not", "a", "dict"])


def test_instance_variables_survive_restart(tmp_path) -> None:
    with Sandbox(data_dir=tmp_path) as sb:
        variables = sb.client().get_global_variables()
        variables["kept"] = 1
        variables.save()
    with Sandbox(data_dir=tmp_path) as sb:
        assert dict(sb.client().get_global_variables()) == {"kept": 1}


def test_empty_project_has_only_the_default_zone(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    client.create_project("ZONES", "Zones", "admin")
    flow = client.get_project("ZONES").get_flow()
    zones = flow.list_zones()
    assert [(z.id, z.name) for z in zones] == [("default", "Default")]
    assert zones[0]._raw["items"] == [] and zones[0]._raw["shared"] == []
    assert flow.get_default_zone().id == "default"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # inside with_new_output_dataset
def test_objects_are_in_the_default_zone(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    client.create_project("ZONES", "Zones", "admin")
    project = client.get_project("ZONES")
    project.create_dataset("raw", "Filesystem", {"connection": "filesystem_root"})
    project.new_recipe("python", "py").with_input("raw").with_new_output_dataset(
        "out", "filesystem_managed"
    ).with_script("pass").create()
    flow = project.get_flow()
    (zone,) = flow.list_zones()
    assert zone._raw["items"] == [
        {"objectId": "raw", "objectType": "DATASET"},
        {"objectId": "out", "objectType": "DATASET"},
        {"objectId": "py", "objectType": "RECIPE"},
    ]
    assert flow.get_zone_of_object(project.get_dataset("out")).id == "default"


def test_zones_of_a_missing_project_or_zone_are_not_found(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    with dss_error(f"{NOT_FOUND}: project does not exist: NOPE"):
        client.get_project("NOPE").get_flow().list_zones()
    client.create_project("Z", "Z", "admin")
    with dss_error(f"{NOT_FOUND}: zone does not exist: Z.abc123"):
        client._perform_json("GET", "/projects/Z/flow/zones/abc123")
