"""A flaky DSS is not an error: transient failures are retried, refusals never are.

The sandbox fails calls on demand (``inject_failure``, ``fail_rate``); every count below
is read from the sandbox's own request counters, over real HTTP through dataikuapi.
"""

from __future__ import annotations

import http.server
import threading

import pytest

from dsspulumi.sandbox import Sandbox

FLOW = """
project = dss.Project("FLAKY", name="Flaky")
prev = None
for i in range(100):
    ds = dss.ManagedDataset(f"DS{i}", project=project, connection="filesystem_managed",
                            description=f"dataset {i}")
    if prev is not None:
        dss.PythonRecipe(f"step_{i}", project=project, inputs=[prev], outputs=[ds],
                         code=f"print({i})")
    prev = ds
"""

ONE = """
project = dss.Project("ONE", name="One")
dss.ManagedDataset("DS", project=project, connection="filesystem_managed", description="d")
"""


def _objects(sandbox: Sandbox, key: str) -> tuple[list[str], list[str]]:
    project = sandbox.client().get_project(key)
    datasets = [d["name"] for d in project.list_datasets(as_type="listitems")]
    recipes = [r["name"] for r in project.list_recipes(as_type="listitems")]
    return datasets, recipes


def test_up_of_200_objects_at_fail_rate_0_2_converges_without_duplicates(ws):
    """All three kinds of failure: a 500 before DSS acted, a 500 after it acted (the answer
    is lost), and a dropped connection after it acted."""
    ws.stack("flaky", FLOW)
    ws.sandbox.fail_rate = 0.2
    ws.sandbox.fail_mix = ("before", "after", "drop")
    try:
        r = ws.dss("up", "flaky", "--yes", "--json", "--retries", "10")
    finally:
        ws.sandbox.fail_rate = 0.0
    assert r.exit_code == 0, r.stderr
    doc = r.json
    assert doc["result"] == "succeeded"
    assert doc["summary"] == {"create": 200}
    assert len(doc["retries"]) > 20  # about one call in five failed
    # Every retry inside a step is counted on that step; the others are the API-key check
    # and the preflight's read of the connection names, before any step (either can fail a
    # few times in a row at this rate).
    named = [e for e in doc["retries"] if e.get("urn")]
    assert sum(s.get("retries", 0) for s in doc["steps"]) == len(named)
    before_steps = {e["path"] for e in doc["retries"] if not e.get("urn")}
    assert before_steps <= {"/auth/info", "/connections/get-names"}
    datasets, recipes = _objects(ws.sandbox, "FLAKY")
    assert sorted(datasets) == sorted(f"DS{i}" for i in range(100))
    assert sorted(recipes) == sorted(f"step_{i}" for i in range(1, 100))
    assert len(ws.state("flaky").resources) == 200
    check = ws.dss("preview", "flaky", "--refresh", "--expect-no-changes")
    assert check.exit_code == 0, check.stdout + check.stderr


def test_a_retry_shows_in_progress_and_in_json(ws):
    ws.stack("one", ONE)
    ws.sandbox.inject_failure("GET", "/projects/{projectKey}/datasets/{datasetName}", times=2)
    r = ws.dss("up", "one", "--yes")
    assert r.exit_code == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if "ONE.DS" in line and "retry" in line]
    assert len(lines) == 2, r.stderr
    assert "GET /projects/ONE/datasets/DS failed (HTTP 500); retry 1/5" in lines[0]
    ws.dss("destroy", "one", "--yes")
    ws.sandbox.inject_failure("GET", "/projects/{projectKey}/datasets/{datasetName}", times=1)
    r = ws.dss("up", "one", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    (event,) = r.json["retries"]
    assert event["urn"].endswith("::ONE.DS") and event["reason"] == "HTTP 500"
    assert event["method"] == "GET" and event["attempt"] == 1 and event["attempts"] == 6
    step = next(s for s in r.json["steps"] if s["name"] == "DS")
    assert step["retries"] == 1


def test_retries_are_bounded_by_the_option(ws):
    ws.stack("one", ONE)
    # The read that checks the name is free is the listing of the project's datasets (one per
    # project, providers.dss.claims), no longer a GET of the dataset; a project the run
    # creates needs none (it is empty), so the project is there first.
    assert ws.dss("up", "one", "--yes", "--target", "ONE").exit_code == 0
    ws.sandbox.inject_failure("GET", "/projects/{projectKey}/datasets/", times=50)
    ws.sandbox.reset_counts()
    r = ws.dss("up", "one", "--yes", "--json", "--retries", "2")
    assert r.exit_code == 1
    step = next(s for s in r.json["steps"] if s["name"] == "DS")
    assert "HTTP 500 after 3 attempts" in step["error"]
    # 3 attempts of the read that checks the name is free, in each of the step's 3 rounds
    # (dsspulumi.settling); then the step stops, before any create call: nothing to settle,
    # nothing created.
    assert ws.sandbox.request_counts["GET /projects/{projectKey}/datasets/"] == 9
    assert [e["method"] for e in r.json["retries"]].count("read") == 2
    assert "POST /projects/{projectKey}/datasets/managed" not in ws.sandbox.request_counts


def test_a_refusal_is_never_retried(ws):
    ws.stack("one", ONE)
    ws.sandbox.inject_failure(
        "POST", "/projects/{projectKey}/datasets/managed", status=400, message="No way"
    )
    ws.sandbox.reset_counts()
    r = ws.dss("up", "one", "--yes", "--json")
    assert r.exit_code == 1
    assert r.json["retries"] == []
    assert ws.sandbox.request_counts["POST /projects/{projectKey}/datasets/managed"] == 1
    step = next(s for s in r.json["steps"] if s["name"] == "DS")
    assert "No way" in step["error"]
    assert ws.dss("up", "one", "--yes").exit_code == 0  # nothing half-done is in the way


def test_a_transient_failure_of_a_create_is_retried_after_checking_dss(ws):
    """A 500 before DSS did anything: the create is looked up, found absent, tried again."""
    ws.stack("one", ONE)
    ws.sandbox.inject_failure("POST", "/projects/{projectKey}/datasets/managed", times=2)
    ws.sandbox.reset_counts()
    r = ws.dss("up", "one", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    creates = [e for e in r.json["retries"] if e["method"] == "create"]
    assert [e["attempt"] for e in creates] == [1, 2]
    assert ws.sandbox.request_counts["POST /projects/{projectKey}/datasets/managed"] == 3
    assert _objects(ws.sandbox, "ONE")[0] == ["DS"]


LOST = (
    ONE
    + """
out = dss.ManagedDataset("OUT", project=project, connection="filesystem_managed")
out2 = dss.ManagedDataset("OUT2", project=project, connection="filesystem_managed")
dss.SyncRecipe("copy", project=project, inputs=[out], outputs=[out2])
"""
)


def _marks(client) -> dict[str, str | None]:
    """The ownership mark (the URN half) of every object of project ONE."""
    project = client.get_project("ONE")
    found = {"ONE": project.get_metadata().get("customFields", {}).get("dsspulumi.urn")}
    for name in ("DS", "OUT", "OUT2"):
        raw = project.get_dataset(name).get_settings().get_raw()
        found[f"ONE.{name}"] = raw.get("customFields", {}).get("dsspulumi.urn")
    recipe = project.get_recipe("copy").get_settings().get_recipe_raw_definition()
    found["ONE.copy"] = recipe.get("customFields", {}).get("dsspulumi.urn")
    return found


@pytest.mark.parametrize("mode", ["status", "drop"])
@pytest.mark.parametrize(
    ("route", "creates"),
    [
        ("/projects/", 1),
        ("/projects/{projectKey}/datasets/managed", 3),
        ("/projects/{projectKey}/recipes/", 1),
    ],
)
def test_a_create_whose_answer_was_lost_is_verified_not_repeated(ws, route, creates, mode):
    """DSS created the object, then its answer was lost (a 500 or a dropped connection):
    the object is found carrying this run's mark (or, unmarked, created by DSS right after
    the run found the name free) and adopted; the create is never sent again."""
    ws.stack("lost", LOST)
    ws.sandbox.inject_failure("POST", route, when="after", mode=mode)
    ws.sandbox.reset_counts()
    r = ws.dss("up", "lost", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json["result"] == "succeeded"
    assert ws.sandbox.request_counts[f"POST {route}"] == creates  # none sent twice
    marks = _marks(ws.sandbox.client())
    assert all(urn and urn.endswith("::" + name) for name, urn in marks.items()), marks
    assert len(ws.state("lost").resources) == 5
    check = ws.dss("preview", "lost", "--refresh", "--expect-no-changes")
    assert check.exit_code == 0, check.stdout + check.stderr


def test_a_500_from_auth_info_is_retried_not_called_a_bad_key(ws):
    ws.stack("one", ONE)
    ws.sandbox.inject_failure("GET", "/auth/info", times=2)
    assert ws.dss("up", "one", "--yes").exit_code == 0
    ws.sandbox.inject_failure("GET", "/auth/info", times=50, message="overloaded")
    r = ws.dss("destroy", "one", "--yes", "--retries", "1")
    assert r.exit_code == 1
    assert "refused the API key" not in r.stderr
    assert "overloaded (HTTP 500 after 2 attempts)" in r.stderr
    assert "retry 1/1" in r.stderr  # the one retry shows, then one error line
    assert r.stderr.count("error:") == 1


def test_a_wrong_key_is_still_called_a_wrong_key(ws):
    ws.stack("one", ONE)
    r = ws.dss("up", "one", "--yes", env={"DKU_API_KEY": "not-the-key"})
    assert r.exit_code == 1
    assert "refused the API key" in r.stderr


class _HtmlNotFound(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        body = b"<!DOCTYPE html><html><body><h1>404 Not Found</h1>" + b"x" * 2000 + b"</html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def html_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HtmlNotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_url_that_is_not_dss_says_so(ws, html_server):
    ws.stack("one", ONE)
    r = ws.dss("up", "one", "--yes", env={"DKU_DSS_URL": html_server})
    assert r.exit_code == 1
    assert f"{html_server} does not look like a DSS API (HTTP 404 from {html_server}" in r.stderr
    assert "refused the API key" not in r.stderr
    assert "<html" not in r.stderr.lower() and "DOCTYPE" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
