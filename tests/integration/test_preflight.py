"""Preflight: the connections, code envs, groups and users a stack names must exist before
``up`` changes anything; DSS's own refusals read as sentences, not Java exceptions.

Everything goes through the ``dss`` CLI, the real dataikuapi client and the sandbox over HTTP.
"""

from __future__ import annotations

import http.server
import threading

import pytest

from dsspulumi.errors import DssConnectionError, DssPulumiError, ProviderError, TransientError
from dsspulumi.provider import Mark
from dsspulumi.providers.dss import DssProviders
from dsspulumi.providers.dss.client import NotFound, dss_sentence
from dsspulumi.providers.dss.instance import admin_call
from dsspulumi.resources import ManagedDataset, Project

ADMIN_LISTS = ("GET /admin/code-envs/", "GET /admin/groups/", "GET /admin/users/")
NAMES = "GET /connections/get-names"


def _writes(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if not k.startswith("GET ")}


def _without_notes(stderr: str) -> list[str]:
    """stderr without the notes around the error (a first run says it has no state yet)."""
    return [line for line in stderr.strip().splitlines() if not line.startswith("note: ")]


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "does not exist in DSS" in line]


MISSING_CONN = """
p = dss.Project("PROJ", name="Proj")
raw = dss.ManagedDataset("RAW", project=p, connection="no_such_conn")
"""


def test_a_missing_connection_stops_up_before_anything_is_created(ws):
    ws.stack("x", MISSING_CONN)
    ws.sandbox.reset_counts()
    r = ws.dss("up", "x", "--yes")
    assert r.exit_code == 1
    assert _without_notes(r.stderr) == [
        "error: PROJ.RAW (stacks/x.py:4): connection 'no_such_conn' does not exist in DSS; "
        "declare it with dss.Connection or fix the name; nothing was changed"
    ]
    assert "unexpected error" not in r.stdout + r.stderr
    counts = ws.sandbox.request_counts
    assert _writes(counts) == {}  # nothing created, not even the project
    assert counts[NAMES] == 1
    assert ws.sandbox.client().list_project_keys() == []
    assert not ws.state("x").resources

    # preview --refresh checks too; plain preview makes no DSS call at all
    r = ws.dss("preview", "x", "--refresh")
    assert r.exit_code == 1 and "connection 'no_such_conn' does not exist in DSS" in r.stderr
    ws.sandbox.reset_counts()
    r = ws.dss("preview", "x")
    assert r.exit_code == 0, r.stderr
    assert ws.sandbox.total_requests == 0

    # fixed: it goes up
    ws.stack("x", MISSING_CONN.replace("no_such_conn", "filesystem_managed"))
    assert ws.dss("up", "x", "--yes").exit_code == 0


SEVERAL = """
p = dss.Project("MANY", name="Many")
raw = dss.ManagedDataset("RAW", project=p, connection="no_such_conn")
also = dss.ManagedDataset("ALSO", project=p, connection="no_such_conn")
out = dss.ManagedDataset("OUT", project=p, connection="filesystem_managed")
dss.PythonRecipe("score", project=p, inputs=[raw], outputs=[out], code="pass",
                 code_env="py-nope")
dss.ProjectPermissions(project=p, owner="nobody",
                       permissions=[dss.GroupPermission("ghosts"),
                                    dss.GroupPermission("data_team")])
dss.User("bob", groups=["data_team", "phantoms"])
"""


def test_every_missing_name_is_one_error_and_each_list_is_read_once(ws):
    ws.stack("many", SEVERAL)
    ws.sandbox.reset_counts()
    r = ws.dss("up", "many", "--yes")
    assert r.exit_code == 1
    assert "\n".join(_without_notes(r.stderr)).startswith(
        "error: 5 objects the stack names do not exist in DSS; nothing was changed:"
    )
    assert _error_lines(r.stderr) == [
        "  MANY.RAW (stacks/many.py:4), MANY.ALSO (stacks/many.py:5): connection "
        "'no_such_conn' does not exist in DSS; declare it with dss.Connection or fix the name",
        "  MANY.score (stacks/many.py:7): code env 'py-nope' does not exist in DSS; declare it "
        "with dss.CodeEnv or fix the name",
        "  bob (stacks/many.py:12): group 'phantoms' does not exist in DSS; declare it with "
        "dss.Group or fix the name",
        "  MANY.permissions (stacks/many.py:9): group 'ghosts' does not exist in DSS; declare "
        "it with dss.Group or fix the name",
        "  MANY.permissions (stacks/many.py:9): user 'nobody' does not exist in DSS; declare it "
        "with dss.User or fix the name",
    ]
    counts = ws.sandbox.request_counts
    assert {k: counts.get(k) for k in (NAMES, *ADMIN_LISTS)} == dict.fromkeys(
        (NAMES, *ADMIN_LISTS), 1
    )
    assert _writes(counts) == {}
    assert ws.sandbox.client().list_project_keys() == []

    # each fixed (or created by hand): the run goes up, and still reads each list once
    client = ws.sandbox.client()
    client.create_group("ghosts")
    client.create_group("phantoms")
    client.create_user("nobody", "pw")
    client.create_code_env("PYTHON", "py-nope", "DESIGN_MANAGED", wait=True)
    ws.stack("many", SEVERAL.replace("no_such_conn", "filesystem_managed"))
    ws.sandbox.reset_counts()
    r = ws.dss("up", "many", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    counts = ws.sandbox.request_counts
    assert [counts.get(k) for k in (NAMES, *ADMIN_LISTS)] == [1, 1, 1, 1]
    recipe = client.get_project("MANY").get_recipe("score").get_settings()
    assert recipe.get_recipe_raw_definition()["params"]["envSelection"] == {
        "envMode": "EXPLICIT_ENV",
        "envName": "py-nope",
    }
    assert ws.dss("preview", "many", "--refresh", "--expect-no-changes").exit_code == 0


def test_names_the_stack_declares_are_not_looked_up(ws):
    ws.stack(
        "decl",
        """
conn = dss.Connection("team_files", type="Filesystem", params={"root": "/data/team"})
team = dss.Group("team")
env = dss.CodeEnv("team-py")
p = dss.Project("DECL", name="Decl")
raw = dss.ManagedDataset("RAW", project=p, connection="team_files")  # by name
out = dss.ManagedDataset("OUT", project=p, connection=conn)  # by object
dss.PythonRecipe("r", project=p, inputs=[raw], outputs=[out], code="pass", code_env=env)
dss.ProjectPermissions(project=p, permissions=[dss.GroupPermission(team)])
""",
    )
    ws.sandbox.reset_counts()
    r = ws.dss("up", "decl", "--yes", "--debug")
    assert r.exit_code == 0, r.stdout + r.stderr
    counts = ws.sandbox.request_counts
    # nothing to look up (the code env provider lists code envs for its own create)
    assert not [k for k in (NAMES, "GET /admin/groups/", "GET /admin/users/") if k in counts]
    assert "preflight" not in r.stderr


def test_only_the_kinds_named_are_listed(ws):
    ws.stack("few", MISSING_CONN.replace("no_such_conn", "filesystem_managed"))
    ws.sandbox.reset_counts()
    assert ws.dss("up", "few", "--yes").exit_code == 0
    counts = ws.sandbox.request_counts
    assert counts[NAMES] == 1
    assert not [k for k in ADMIN_LISTS if k in counts]
    # nothing changes: nothing to check, no list read
    ws.sandbox.reset_counts()
    assert ws.dss("up", "few", "--yes").exit_code == 0
    assert NAMES not in ws.sandbox.request_counts


def test_a_non_admin_key_checks_connections_and_skips_what_it_cannot_list(ws):
    user_key = {"DKU_API_KEY": ws.sandbox.user_api_key}
    ws.stack("x", MISSING_CONN)
    ws.sandbox.reset_counts()
    r = ws.dss("up", "x", "--yes", env=user_key)
    assert r.exit_code == 1
    assert "PROJ.RAW (stacks/x.py:4): connection 'no_such_conn' does not exist" in r.stderr
    assert ws.sandbox.request_counts[NAMES] == 1
    assert ws.sandbox.client().list_project_keys() == []

    # groups cannot be listed with this key: not checked (said with --debug), DSS decides
    ws.stack(
        "g",
        """
p = dss.Project("GRP", name="Grp")
dss.ProjectPermissions(project=p, permissions=[dss.GroupPermission("data_team")])
""",
    )
    ws.sandbox.reset_counts()
    r = ws.dss("up", "g", "--yes", "--debug", env=user_key)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "this API key may not list the groups of DSS" in r.stderr
    assert "(data_team)" in r.stderr
    assert ws.sandbox.request_counts["GET /admin/groups/"] == 1  # tried once, refused


def test_an_unchanged_resource_is_not_checked_a_changed_one_is(ws):
    """Terraform's rule: only what the run sends to DSS is validated against it."""
    client = ws.sandbox.client()
    client.create_group("auditors")
    stack = """
p = dss.Project("KEEP", name="Keep")
dss.ProjectPermissions(project=p, permissions=[dss.GroupPermission("auditors"{flag})])
dss.ManagedDataset("A", project=p, connection="filesystem_managed"){more}
"""
    ws.stack("keep", stack.format(flag="", more=""))
    assert ws.dss("up", "keep", "--yes").exit_code == 0
    client.get_group("auditors").delete()  # by hand, under the unchanged grant

    more = '\ndss.ManagedDataset("B", project=p, connection="filesystem_managed")'
    ws.stack("keep", stack.format(flag="", more=more))
    ws.sandbox.reset_counts()
    r = ws.dss("up", "keep", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr  # the grant is left alone
    assert "GET /admin/groups/" not in ws.sandbox.request_counts

    ws.stack("keep", stack.format(flag=", run_scenarios=True", more=more))
    r = ws.dss("up", "keep", "--yes")
    assert r.exit_code == 1
    assert "KEEP.permissions (stacks/keep.py:4): group 'auditors' does not exist" in r.stderr


# --- DSS's refusals, translated once at the provider boundary -----------------------------


def _no_java(text: str) -> None:
    assert "java." not in text and "com.dataiku" not in text, text
    assert "Exception:" not in text and "unexpected error" not in text, text


def test_a_refusal_dss_sends_during_up_reads_as_a_sentence(ws):
    ws.stack("x", MISSING_CONN.replace("no_such_conn", "filesystem_managed"))
    # DSS refuses the create after the preflight passed (the connection went in between).
    ws.sandbox.inject_failure(
        "POST",
        "/projects/{projectKey}/datasets/managed",
        status=400,
        error_type="java.lang.IllegalArgumentException",
        message="Connection 'filesystem_managed' does not exist",
    )
    r = ws.dss("up", "x", "--yes")
    assert r.exit_code == 1
    out = r.stdout + r.stderr
    assert (
        "DSS refused to create dataset PROJ.RAW: Connection 'filesystem_managed' does not exist"
        in out
    )
    _no_java(out)


class _Html(http.server.BaseHTTPRequestHandler):
    status = 404

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        body = b"<!DOCTYPE html><html><body>nope</body></html>"
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class _Html500(_Html):
    status = 502


@pytest.fixture
def html_servers():
    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), h) for h in (_Html, _Html500)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    yield [f"http://127.0.0.1:{s.server_address[1]}" for s in servers]
    for s in servers:
        s.shutdown()
        s.server_close()


def test_every_dss_error_path_becomes_one_sentence(dss_sandbox, html_servers):
    """Each way a DSS call can fail, through the real client and the sandbox: a
    DssPulumiError whose text is DSS's message without Java class names."""
    reg = DssProviders(dss_sandbox.url, dss_sandbox.api_key, retries=1)
    datasets = reg.provider("dss:Dataset")
    project = Project("ERR", name="Err")
    dss_sandbox.client().create_project("ERR", "Err", "admin")
    mark = Mark("m1", "urn:x")
    caught: dict[str, DssPulumiError] = {}

    def expect(label: str, kind: type[DssPulumiError], call) -> DssPulumiError:
        with pytest.raises(kind) as info:
            call()
        caught[label] = info.value
        _no_java(str(info.value))
        return info.value

    # 4xx, JSON, "does not exist" (IllegalArgumentException): NotFound, a ProviderError
    bad = ManagedDataset("RAW", project=project, connection="no_such_conn").inputs()
    err = expect("illegal-argument", NotFound, lambda: datasets.create(bad, mark))
    assert (
        str(err)
        == "DSS refused to create dataset ERR.RAW: Connection 'no_such_conn' does not exist"
    )
    assert isinstance(err, ProviderError)
    assert err.dss_message.startswith("java.lang.IllegalArgumentException")  # kept for code

    # 4xx, JSON, CodedException: already exists
    good = ManagedDataset("RAW", project=project, connection="filesystem_managed").inputs()
    datasets.create(good, mark)
    session = reg.session
    err = expect(
        "coded",
        ProviderError,
        lambda: _raise_from(
            session,
            "create dataset ERR.RAW",
            lambda: session.client.get_project("ERR").create_dataset(
                "RAW", "Filesystem", params={"connection": "filesystem_root", "path": "/r"}
            ),
        ),
    )
    assert str(err) == "DSS refused to create dataset ERR.RAW: Dataset ERR.RAW already exists"

    # 404 NotFoundException
    err = expect(
        "not-found",
        NotFound,
        lambda: _raise_from(
            session, "read project NOPE", lambda: session.client.get_project("NOPE").get_metadata()
        ),
    )
    assert str(err).startswith("DSS refused to read project NOPE: ") and "NOPE" in str(err)

    # 403 on an /admin/ endpoint for a non-admin key
    user = DssProviders(dss_sandbox.url, dss_sandbox.user_api_key, retries=1).session
    err = expect(
        "forbidden",
        ProviderError,
        lambda: _raise_from(user, "list the groups", user.client.list_groups, admin=True),
    )
    assert "needs an admin API key" in str(err)
    assert "(DSS said: Action forbidden, you are not admin)" in str(err)

    # 5xx, JSON, after the retries: TransientError
    dss_sandbox.inject_failure("GET", "/projects/{projectKey}/metadata", times=2, status=500)
    err = expect(
        "5xx",
        TransientError,
        lambda: _raise_from(
            session, "read project ERR", lambda: session.client.get_project("ERR").get_metadata()
        ),
    )
    assert (
        str(err) == "DSS failed to read project ERR: Injected failure (HTTP 500 after 2 attempts)"
    )

    # a dropped connection, after the retries
    dss_sandbox.inject_failure("GET", "/projects/{projectKey}/metadata", times=5, mode="drop")
    err = expect(
        "drop",
        TransientError,
        lambda: _raise_from(
            session, "read project ERR", lambda: session.client.get_project("ERR").get_metadata()
        ),
    )
    assert str(err).startswith("lost the connection to DSS at ") and "outcome is unknown" in str(
        err
    )

    # 4xx and 5xx that are not DSS's (an HTML page)
    html404, html502 = html_servers
    other = DssProviders(html404, "k", retries=0).session
    err = expect(
        "html-4xx",
        ProviderError,
        lambda: _raise_from(other, "list projects", other.client.list_project_keys),
    )
    assert str(err).startswith(f"{html404} does not look like a DSS API (HTTP 404")
    other = DssProviders(html502, "k", retries=0).session
    err = expect(
        "html-5xx",
        TransientError,
        lambda: _raise_from(other, "list projects", other.client.list_project_keys),
    )
    assert str(err) == "DSS failed to list projects: HTTP 502, not a DSS answer"

    # nobody listening
    gone = DssProviders("http://127.0.0.1:9", "k", retries=0).session
    expect(
        "refused",
        DssConnectionError,
        lambda: _raise_from(gone, "list projects", gone.client.list_project_keys),
    )
    assert len(caught) == 9


def _raise_from(session, what, call, *, admin: bool = False):
    with admin_call(session, what) if admin else session.call(what):
        call()


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        (
            "java.lang.IllegalArgumentException: Connection 'x' does not exist",
            "Connection 'x' does not exist",
        ),
        (
            "com.dataiku.dip.exceptions.CodedException: Dataset P.D already exists",
            "Dataset P.D already exists",
        ),
        (
            "java.lang.RuntimeException: java.io.IOException: disk full on /data",
            "disk full on /data",
        ),
        ("Unknown error: Not Found", "Not Found"),
        ("java.lang.NullPointerException: ", "an internal error in DSS (NullPointerException)"),
        ("Dataset PROJ.RAW_Exception is fine", "Dataset PROJ.RAW_Exception is fine"),
    ],
)
def test_dss_sentence(text, sentence):
    assert dss_sentence(text) == sentence
