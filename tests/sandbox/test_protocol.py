"""Transport-level fidelity: auth, routing, error shape, JSON bodies, the control endpoints."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import dataikuapi
import pytest
import requests
from sandbox_asserts import NOT_AUTHENTICATED, dss_error

from dsspulumi.sandbox import Sandbox

API = "/dip/publicapi"


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_wrong_key_is_refused_with_not_authenticated(dss_sandbox: Sandbox) -> None:
    client = dataikuapi.DSSClient(dss_sandbox.url, "not-the-key")
    with dss_error(NOT_AUTHENTICATED) as info:
        client.list_project_keys()
    assert "Unknown API Key" in str(info.value)


def test_missing_key_is_refused(dss_sandbox: Sandbox) -> None:
    resp = requests.get(dss_sandbox.url + API + "/projects/")
    assert resp.status_code == 401
    body = resp.json()
    assert body["errorType"] == NOT_AUTHENTICATED
    assert body["detailedMessage"] == body["message"] == "Unknown API Key"


@pytest.mark.parametrize("style", ["basic-user", "basic-password", "bearer"])
def test_key_accepted_in_every_documented_form(dss_sandbox: Sandbox, style: str) -> None:
    key = dss_sandbox.api_key
    headers = {
        "basic-user": _basic(key, ""),
        "basic-password": _basic("", key),
        "bearer": {"Authorization": f"Bearer {key}"},
    }[style]
    resp = requests.get(dss_sandbox.url + API + "/projects/", headers=headers)
    assert resp.status_code == 200
    assert resp.json() == []


def test_jwt_bearer_client_works(dss_sandbox: Sandbox) -> None:
    client = dataikuapi.DSSClient(dss_sandbox.url, jwt_bearer_token=dss_sandbox.api_key)
    assert client.list_project_keys() == []


def test_generated_key_looks_secret_and_explicit_key_is_used() -> None:
    with Sandbox() as a, Sandbox(api_key="my-key") as b:
        assert a.api_key.startswith("dkuaps-") and len(a.api_key) > 30
        assert Sandbox().api_key != a.api_key
        assert b.api_key == "my-key"
        assert b.client().list_project_keys() == []


def test_instance_and_auth_info(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    info = client.get_instance_info()
    assert info.node_type == "DESIGN"
    assert info.node_id
    auth = client.get_auth_info()
    assert auth["authIdentifier"] == "admin"
    assert auth["associatedDSSUser"] == "admin"
    assert "administrators" in auth["groups"]


def test_unknown_route_is_404_in_dss_shape(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    with dss_error("Unknown error: Not Found: /dip/publicapi/projects/P/no-such-route"):
        client._perform_json("GET", "/projects/P/no-such-route/")
    resp = requests.get(dss_sandbox.url + API + "/nope", auth=(dss_sandbox.api_key, ""))
    assert resp.status_code == 404
    assert set(resp.json()) == {"errorType", "message", "detailedMessage"}


def test_trailing_slash_alias_root_and_url_decoding(dss_sandbox: Sandbox) -> None:
    auth = (dss_sandbox.api_key, "")
    base = dss_sandbox.url
    dss_sandbox.client().create_connection("my conn", "Filesystem", {"root": "/tmp"})
    for path in (API + "/projects", API + "/projects/", "/public/api/projects/"):
        assert requests.get(base + path, auth=auth).json() == []
    resp = requests.get(base + API + "/admin/connections/my%20conn/", auth=auth)
    assert resp.status_code == 200
    assert resp.json()["name"] == "my conn"


def test_body_without_content_type_and_bad_json(dss_sandbox: Sandbox) -> None:
    auth = (dss_sandbox.api_key, "")
    url = dss_sandbox.url + API + "/projects/"
    body = json.dumps({"projectKey": "RAW", "name": "Raw", "owner": "admin"})
    resp = requests.post(url, data=body, auth=auth)
    assert "Content-Type" not in resp.request.headers
    assert resp.status_code == 200 and isinstance(resp.json(), dict)
    bad = requests.post(url, data="{not json", auth=auth)
    assert bad.status_code == 400
    assert bad.json()["errorType"] == "com.google.gson.JsonSyntaxException"


def test_every_success_has_a_json_body(dss_sandbox: Sandbox) -> None:
    """The client parses many PUT/DELETE answers as JSON: an empty 2xx body would crash it."""
    auth = (dss_sandbox.api_key, "")
    base = dss_sandbox.url + API
    calls = [
        ("POST", "/projects/", {"projectKey": "J", "name": "J", "owner": "admin"}),
        ("PUT", "/projects/J/metadata", {"label": "J", "tags": []}),
        ("PUT", "/projects/J/variables/", {"standard": {}, "local": {}}),
        ("POST", "/projects/J/datasets/", {"name": "d", "type": "Filesystem", "params": {}}),
        ("PUT", "/projects/J/datasets/d/schema", {"columns": []}),
        ("DELETE", "/projects/J/datasets/d?dropData=True", None),
        ("DELETE", "/projects/J", None),
    ]
    for method, path, body in calls:
        resp = requests.request(
            method, base + path, auth=auth, data=None if body is None else json.dumps(body)
        )
        assert resp.status_code == 200, (method, path, resp.text)
        resp.json()


def test_request_counts_by_template(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    client.create_project("CNT", "Counting", "admin")
    project = client.get_project("CNT")
    for name in ("a", "b", "c"):
        project.create_dataset(name, "Filesystem", {"connection": "filesystem_root"})
    project.get_dataset("a").get_settings()
    assert dss_sandbox.request_counts == {
        "POST /projects/": 1,
        "POST /projects/{projectKey}/datasets/": 3,
        "GET /projects/{projectKey}/datasets/{datasetName}": 1,
    }
    assert dss_sandbox.total_requests == 5
    dss_sandbox.reset_counts()
    assert dss_sandbox.request_counts == {} and dss_sandbox.total_requests == 0


def test_stats_endpoint_needs_no_key_and_is_not_counted(dss_sandbox: Sandbox) -> None:
    dss_sandbox.client().list_project_keys()
    stats = requests.get(dss_sandbox.url + "/__sandbox__/stats").json()
    assert stats == {
        "total": 1,
        "counts": {"GET /projects/": 1},
        "unmatched": {},
        "injected": {},
    }
    assert requests.post(dss_sandbox.url + "/__sandbox__/reset").status_code == 200
    assert requests.get(dss_sandbox.url + "/__sandbox__/stats").json() == {
        "total": 0,
        "counts": {},
        "unmatched": {},
        "injected": {},
    }
    assert dss_sandbox.total_requests == 0


def test_inject_failure_fails_next_matching_calls_then_recovers(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    client.create_project("INJ", "Inject", "admin")
    project = client.get_project("INJ")
    dss_sandbox.inject_failure(
        method="POST",
        route="/projects/{projectKey}/datasets/",
        times=2,
        status=500,
        message="Injected failure",
    )
    project.list_datasets()  # other routes are unaffected
    for _ in range(2):
        with dss_error("java.lang.RuntimeException: Injected failure"):
            project.create_dataset("d", "Filesystem", {"connection": "filesystem_root"})
    assert not project.get_dataset("d").exists()  # a failed call changed nothing
    project.create_dataset("d", "Filesystem", {"connection": "filesystem_root"})
    assert project.get_dataset("d").exists()


def test_inject_failure_after_n_calls_and_wildcards(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    dss_sandbox.inject_failure(after=2, error_type="java.io.IOException", message="boom")
    client.list_project_keys()
    client.get_auth_info()
    with dss_error("java.io.IOException: boom"):
        client.list_connections()
    client.list_connections()


def test_fail_rate_fails_every_call_at_rate_one() -> None:
    with Sandbox(fail_rate=1.0, seed=1, fail_mix=["before"]) as sb:
        with dss_error("java.lang.RuntimeException"):
            sb.client().list_project_keys()
        sb.fail_rate = 0.0
        assert sb.client().list_project_keys() == []


def test_public_surface() -> None:
    import dsspulumi.sandbox as sandbox

    assert sorted(sandbox.__all__) == ["DssApiError", "Sandbox", "Store"]


def test_store_from_newer_version_says_upgrade(tmp_path: Path) -> None:
    (tmp_path / "dss-sandbox.json").write_text('{"version": 99}')
    with pytest.raises(ValueError, match="upgrade dsspulumi"):
        Sandbox(data_dir=tmp_path)
