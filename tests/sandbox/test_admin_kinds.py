"""Instance administration in the sandbox through the real client: the non-admin key,
groups, users, code envs (creation as a running future) and connection deletion rules.

One sandbox for the module (objects get distinct names), so the file stays fast.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
from sandbox_asserts import CODED, NOT_FOUND, dss_error

from dsspulumi.sandbox import Sandbox
from dsspulumi.sandbox.kinds import user as sandbox_users
from dsspulumi.sandbox.routes import table

UNAUTHORIZED = "com.dataiku.dip.exceptions.UnauthorizedException"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(code_env_seconds=0.3) as sandbox:
        yield sandbox


def test_every_admin_route_refuses_the_non_admin_key(sb: Sandbox) -> None:
    admin_routes = [r for r in table() if r.segments[0] == "admin"]
    assert len(admin_routes) >= 20
    for route in admin_routes:
        path = "/".join(s if not s.startswith("{") else "x" for s in route.segments)
        resp = requests.request(
            route.method,
            f"{sb.url}/dip/publicapi/{path}",
            auth=(sb.user_api_key, ""),
            data=b"{}",
            timeout=5,
        )
        assert resp.status_code == 403, (route.key, resp.text)
        assert resp.json() == {
            "errorType": UNAUTHORIZED,
            "message": "Action forbidden, you are not admin",
            "detailedMessage": "Action forbidden, you are not admin",
        }
    # the same key works on the project API, and is who it says
    user = sb.client(admin=False)
    assert user.get_auth_info()["associatedDSSUser"] == "sandbox_user"
    user.list_project_keys()
    with dss_error(UNAUTHORIZED + ": Action forbidden, you are not admin"):
        user.create_group("intruders")
    assert "intruders" not in {g["name"] for g in sb.client().list_groups()}


def test_keys_are_distinct_and_persist(tmp_path) -> None:
    with Sandbox(data_dir=tmp_path) as first:
        keys = (first.api_key, first.user_api_key)
    assert keys[0] != keys[1]
    with Sandbox(data_dir=tmp_path) as again:
        assert (again.api_key, again.user_api_key) == keys
    with pytest.raises(ValueError, match="must differ"):
        Sandbox(api_key="same-key", user_api_key="same-key")


def test_groups(sb: Sandbox) -> None:
    client = sb.client()
    group = client.create_group("g_team", description="Team", source_type="LOCAL")
    raw = group.get_definition()
    assert raw["description"] == "Team" and raw["sourceType"] == "LOCAL"
    assert raw["admin"] is False and raw["mayCreateProjects"] is False
    raw["mayCreateProjects"] = True
    assert group.set_definition(raw)["mayCreateProjects"] is True
    with dss_error(CODED + ": Group g_team already exists"):
        client.create_group("g_team")
    with dss_error(CODED + ": Invalid group g_team: 'admin' must be true or false"):
        group.set_definition({**raw, "admin": "yes"})
    with dss_error(CODED + ": Invalid group sourceType"):
        client.create_group("g_bad", source_type="NIS")
    group.delete()
    with dss_error(NOT_FOUND + ": group does not exist: g_team"):
        group.get_definition()


def test_users(sb: Sandbox) -> None:
    client = sb.client()
    with dss_error(CODED + ": Group u_missing does not exist"):
        client.create_user("u_nobody", "pw", groups=["u_missing"])
    client.create_group("u_team")
    user = client.create_user("u_bob", "pw-1", display_name="Bob", groups=["u_team"])
    settings = user.get_settings()
    raw = settings.get_raw()
    assert raw["groups"] == ["u_team"] and "password" not in raw and "_pwd" not in raw
    raw["adminProperties"]["k"] = "v"
    raw["password"] = "pw-2"
    settings.save()
    again = user.get_settings().get_raw()
    assert again["adminProperties"] == {"k": "v"} and "password" not in again
    with sb.store.transaction(write=False) as tx:
        assert sandbox_users.password_matches(tx.get("user", "", "u_bob"), "pw-2")
    client.get_group("u_team").delete()  # a deleted group's members lose it
    assert user.get_settings().get_raw()["groups"] == []
    with dss_error(CODED + ": Cannot delete user admin"):
        client.get_user("admin").delete()
    user.delete()
    with dss_error(NOT_FOUND + ": user does not exist: u_bob"):
        user.get_settings()


def test_code_env_creation_is_a_running_future(sb: Sandbox) -> None:
    client = sb.client()
    future = client.create_code_env(
        "PYTHON", "env-a", "DESIGN_MANAGED", {"pythonInterpreter": "PYTHON311"}, wait=False
    )
    assert future.state["hasResult"] is False and future.state["alive"] is True
    assert future.peek_state()["hasResult"] is False
    started = time.monotonic()
    result = future.wait_for_result()
    assert 0.1 < time.monotonic() - started < 5
    assert result["messages"]["error"] is False
    env = client.get_code_env("python", "env-a")  # the language is case-insensitive
    definition = env.get_definition()
    assert definition["desc"]["pythonInterpreter"] == "PYTHON311"
    definition["specPackageList"] = "no-such-package\npandas"
    env.set_definition(definition)
    failed = env.update_packages(wait=False).wait_for_result()
    assert failed["messages"]["error"] is True
    assert "no-such-package" in failed["messages"]["messages"][0]["message"]
    with dss_error("com.dataiku.dip.exceptions.CodedIOException: R env env-a doesn't exist"):
        client.get_code_env("R", "env-a").get_definition()
    with dss_error(CODED + ": Code env env-a already exists"):
        client.create_code_env("R", "env-a", "DESIGN_MANAGED")
    with dss_error(CODED + ": Invalid code env name 'env_b'"):
        client.create_code_env("PYTHON", "env_b", "DESIGN_MANAGED")
    # with wait=True the answer is the finished result at once
    assert client.create_code_env("R", "env-r", "DESIGN_MANAGED").env_lang == "R"
    env.delete()
    assert {e["envName"] for e in client.list_code_envs()} == {"env-r"}


def test_a_running_future_can_be_aborted(sb: Sandbox) -> None:
    client = sb.client()
    future = client.create_code_env("PYTHON", "env-abort", "DESIGN_MANAGED", wait=False)
    future.abort()
    state = future.get_state()
    assert state["hasResult"] is True and state.get("aborted") is True


def test_connection_in_use_cannot_be_deleted(sb: Sandbox) -> None:
    client = sb.client()
    conn = client.create_connection("c_used", "Filesystem", {"root": "/tmp"})
    project = client.create_project("C_USERS", "Users of c_used", "admin")
    project.create_dataset("d", "Filesystem", params={"connection": "c_used", "path": "/d"})
    with dss_error(CODED + ": Connection c_used is still used by datasets C_USERS.d"):
        conn.delete()
    project.get_dataset("d").delete()
    conn.delete()
    assert "c_used" not in client.list_connections()
