"""Project variables and permissions: the stack manages the keys and groups it declares.

What someone else set by hand is kept on every write and on delete; a second declaration
for the same project is a program error. Checked in DSS with the real client.
"""

from __future__ import annotations

VARS = """
p = dss.Project("VARS", name="Vars")
{decl}
"""


def test_project_variables_manage_declared_keys_only(ws):
    client = ws.sandbox.client()
    ws.stack("v", VARS.format(decl=""))
    assert ws.dss("up", "v", "--yes").exit_code == 0
    project = client.get_project("VARS")
    project.set_variables(
        {"standard": {"theirs": 1, "env": "hand"}, "local": {"secret_path": "/x"}}
    )

    decl = 'dss.ProjectVariables(project=p, standard={"env": "dev", "limits": {"rows": 10}}, '
    ws.stack("v", VARS.format(decl=decl + 'local={"debug": True})'))
    r = ws.dss("up", "v", "--yes")
    assert r.exit_code == 0, r.stderr
    assert project.get_variables() == {
        "standard": {"theirs": 1, "env": "dev", "limits": {"rows": 10}},
        "local": {"secret_path": "/x", "debug": True},
    }
    again = ws.dss("preview", "v", "--refresh", "--expect-no-changes")
    assert again.exit_code == 0, again.stdout + again.stderr

    # drift on a declared key is seen; update writes it back, theirs stays
    project.update_variables({"env": "changed by hand"})
    r = ws.dss("preview", "v", "--refresh", "--json")
    step = next(s for s in r.json["steps"] if s["type"] == "dss:ProjectVariables")
    assert step["op"] == "update"
    assert step["diff"] == [{"path": "standard.env", "old": "changed by hand", "new": "dev"}]

    # a key no longer declared is removed; another one changes in place
    ws.stack("v", VARS.format(decl='dss.ProjectVariables(project=p, standard={"env": "prod"})'))
    r = ws.dss("up", "v", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert [s["op"] for s in r.json["steps"] if s["type"] == "dss:ProjectVariables"] == ["update"]
    assert project.get_variables() == {
        "standard": {"theirs": 1, "env": "prod"},
        "local": {"secret_path": "/x"},
    }

    # delete removes the declared keys only
    ws.stack("v", VARS.format(decl=""))
    assert ws.dss("up", "v", "--yes").exit_code == 0
    assert project.get_variables() == {"standard": {"theirs": 1}, "local": {"secret_path": "/x"}}


def test_a_second_declaration_for_a_project_is_a_program_error(ws):
    decl = (
        'dss.ProjectVariables(project=p, standard={"a": 1})\n'
        'dss.ProjectVariables(project=p, local={"b": 2})'
    )
    ws.stack("v", VARS.format(decl=decl))
    r = ws.dss("preview", "v")
    assert r.exit_code == 1
    assert "v.py:4" in r.stderr
    assert "ProjectVariables(project=VARS) is declared twice (first at " in r.stderr
    assert "declare all its entries in one" in r.stderr


PERMS = """
p = dss.Project("PERMS", name="Perms")
dss.ProjectPermissions(project=p, permissions=[{grants}]{owner})
"""


def test_project_permissions_manage_declared_groups_only(ws):
    client = ws.sandbox.client()
    ws.stack("p", 'p = dss.Project("PERMS", name="Perms")\n')
    assert ws.dss("up", "p", "--yes").exit_code == 0
    for group in ("auditors", "analysts", "engineers"):
        client.create_group(group)
    client.create_user("bob", "pw", groups=["analysts"])  # the owner declared below
    project = client.get_project("PERMS")
    by_hand = project.get_permissions()
    by_hand["permissions"] = [
        {"group": "auditors", "readProjectContent": True},
        {"user": "alice", "writeProjectContent": True},
    ]
    project.set_permissions(by_hand)

    grants = (
        'dss.GroupPermission("analysts"), '
        'dss.GroupPermission("engineers", write_project_content=True, run_scenarios=True)'
    )
    ws.stack("p", PERMS.format(grants=grants, owner=""))
    r = ws.dss("up", "p", "--yes")
    assert r.exit_code == 0, r.stderr
    perms = project.get_permissions()
    assert perms["owner"] == "admin"
    by_group = {p.get("group") or p.get("user"): p for p in perms["permissions"]}
    assert list(by_group) == ["auditors", "alice", "analysts", "engineers"]
    assert by_group["auditors"] == {"group": "auditors", "readProjectContent": True}
    engineers = by_group["engineers"]
    assert engineers["writeProjectContent"] is True and engineers["runScenarios"] is True
    assert engineers["admin"] is False and engineers["readProjectContent"] is True
    assert len(engineers) == 14  # the group and every DSS permission flag, written
    again = ws.dss("preview", "p", "--refresh", "--expect-no-changes")
    assert again.exit_code == 0, again.stdout + again.stderr

    # one flag changes in place; a group no longer declared loses its grant; owner declared
    ws.stack(
        "p",
        PERMS.format(
            grants='dss.GroupPermission("analysts", export_datasets_data=True)',
            owner=', owner="bob"',
        ),
    )
    r = ws.dss("up", "p", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    step = next(s for s in r.json["steps"] if s["type"] == "dss:ProjectPermissions")
    assert step["op"] == "update"
    perms = project.get_permissions()
    assert perms["owner"] == "bob"
    names = [p.get("group") or p.get("user") for p in perms["permissions"]]
    assert names == ["auditors", "alice", "analysts"]
    assert perms["permissions"][2]["exportDatasetsData"] is True

    # delete: the declared groups' grants go, the hand-made ones stay
    ws.stack("p", 'p = dss.Project("PERMS", name="Perms")\n')
    assert ws.dss("up", "p", "--yes").exit_code == 0
    names = [p.get("group") or p.get("user") for p in project.get_permissions()["permissions"]]
    assert names == ["auditors", "alice"]


def test_a_grant_to_a_missing_group_is_refused_with_dss_text(ws):
    ws.stack("p", PERMS.format(grants='dss.GroupPermission("ghosts")', owner=""))
    # An admin key lists the groups: the preflight names the missing one, nothing is created.
    r = ws.dss("up", "p", "--yes")
    assert r.exit_code == 1
    assert "PERMS.permissions (stacks/p.py:4): group 'ghosts' does not exist in DSS" in r.stderr
    assert "PERMS" not in ws.sandbox.client().list_project_keys()
    # A non-admin key may not list groups: not checked before, DSS's own refusal then says it.
    r = ws.dss("up", "p", "--yes", env={"DKU_API_KEY": ws.sandbox.user_api_key})
    assert r.exit_code == 1
    out = r.stdout + r.stderr
    assert "DSS refused to save the permissions of project PERMS" in out
    assert "Group 'ghosts' does not exist" in out
    perms = ws.sandbox.client().get_project("PERMS").get_permissions()
    assert perms["permissions"] == []  # nothing written
    assert not [r for r in ws.state("p").resources if r.type == "dss:ProjectPermissions"]


def test_group_permissions_are_typed(ws):
    ws.stack("p", PERMS.format(grants='dss.GroupPermission("g", admin="yes")', owner=""))
    r = ws.dss("preview", "p")
    assert r.exit_code == 1
    assert "GroupPermission 'g': 'admin' must be bool (got str 'yes')" in r.stderr
    ws.stack("p", PERMS.format(grants='dss.GroupPermission("g", run_scenario=True)', owner=""))
    r = ws.dss("preview", "p")
    assert r.exit_code == 1
    assert "unknown keyword argument 'run_scenario'; did you mean 'run_scenarios'?" in r.stderr


def test_a_project_the_stack_only_reads_cannot_have_its_settings_managed(ws):
    ws.stack(
        "ro",
        'other = dss.Project.get("OTHER")\n'
        'dss.ProjectPermissions(project=other, permissions=[dss.GroupPermission("g")])\n',
    )
    r = ws.dss("preview", "ro")
    assert r.exit_code == 1
    assert "ro.py:3" in r.stderr
    assert "the stack only reads project OTHER, so it cannot manage its permissions" in r.stderr
