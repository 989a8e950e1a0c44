"""``dss.LibraryFile`` through the real ``dss`` CLI and dataikuapi against the sandbox: create,
update, drift, import round trip, ownership (a file made by hand is a conflict), delete."""

from __future__ import annotations

HELPERS = "def double(x):\n    return 2 * x\n"


def stack(helpers: str = "helpers.py") -> str:
    return f"""
p = dss.Project("LIBS", name="Library")
dss.LibraryFile("python/{helpers}", project=p, content={HELPERS!r})
dss.LibraryFile("R/tools.R", project=p, content=dss.File("tools.R"))
"""


def read(client, key: str, path: str) -> str | None:
    item = client.get_project(key).get_library().get_file(path)
    return None if item is None else item.read()


def test_library_files_lifecycle_and_drift(ws):
    (ws.root / "stacks").mkdir(exist_ok=True)
    (ws.root / "stacks" / "tools.R").write_text("f <- function() 1\n")
    ws.stack("l", stack())
    r = ws.dss("up", "l", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    client = ws.sandbox.client()
    assert read(client, "LIBS", "python/helpers.py") == HELPERS
    assert read(client, "LIBS", "R/tools.R") == "f <- function() 1\n"
    assert ws.dss("preview", "l", "--refresh", "--expect-no-changes").exit_code == 0

    # Changed by hand: drift, put back by up --refresh.
    client.get_project("LIBS").get_library().get_file("python/helpers.py").write("hand")
    r = ws.dss("preview", "l", "--refresh", "--json")
    (step,) = [s for s in r.json["steps"] if s["op"] != "same"]
    assert step["op"] == "update" and step["diff"][0]["path"] == "content"
    assert ws.dss("up", "l", "--yes", "--refresh").exit_code == 0
    assert read(client, "LIBS", "python/helpers.py") == HELPERS

    # Its file changed: an update; a new path: a replacement (the old file deleted).
    (ws.root / "stacks" / "tools.R").write_text("f <- function() 2\n")
    ws.stack("l", stack(helpers="util.py"))
    r = ws.dss("preview", "l", "--json")
    ops = {s["name"]: s["op"] for s in r.json["steps"] if s["op"] != "same"}
    assert ops == {"R/tools.R": "update", "python/helpers.py": "delete", "python/util.py": "create"}
    assert ws.dss("up", "l", "--yes").exit_code == 0
    assert read(client, "LIBS", "python/helpers.py") is None
    assert read(client, "LIBS", "python/util.py") == HELPERS
    assert read(client, "LIBS", "R/tools.R") == "f <- function() 2\n"
    assert ws.dss("preview", "l", "--refresh", "--expect-no-changes").exit_code == 0

    # Removed from the stack: deleted.
    ws.stack("l", 'p = dss.Project("LIBS", name="Library")\n')
    assert ws.dss("up", "l", "--yes").exit_code == 0
    assert (
        read(client, "LIBS", "python/util.py") is None and read(client, "LIBS", "R/tools.R") is None
    )
    assert ws.dss("destroy", "l", "--yes").exit_code == 0


def test_a_library_file_made_by_hand_is_a_conflict(ws):
    client = ws.sandbox.client()
    client.create_project("LIBT", "Taken", "admin")
    client.get_project("LIBT").get_library().add_file("python/helpers.py").write("theirs")
    ws.stack(
        "t",
        """
p = dss.Project.get("LIBT")
dss.LibraryFile("python/helpers.py", project=p, content="ours")
""",
    )
    r = ws.dss("up", "t", "--yes")
    assert r.exit_code == 1
    assert "already exists in DSS and was not created by this stack" in r.stdout + r.stderr
    assert read(client, "LIBT", "python/helpers.py") == "theirs"


def test_a_bad_library_path_is_refused_before_anything(ws):
    ws.stack(
        "b",
        """
p = dss.Project("LIBB", name="Bad")
dss.LibraryFile("../etc/passwd", project=p, content="x")
""",
    )
    r = ws.dss("preview", "b")
    assert r.exit_code == 1 and "must be a relative path of the library" in r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr


def test_library_import_project_round_trip(ws):
    client = ws.sandbox.client()
    p = client.create_project("LIBI", "Imported", "admin")
    p.get_library().add_file("python/helpers.py").write(HELPERS)
    p.get_library().add_file("notes.txt").write("hello")
    r = ws.dss("import", "project", "LIBI", "--out", "stacks/libi.py", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert sorted(r.json["imported"]) == ["LIBI", "LIBI.notes.txt", "LIBI.python/helpers.py"]
    code = (ws.root / "stacks" / "libi.py").read_text()
    assert '    "python/helpers.py",\n    project=project,\n    content=dss.File(' in code
    r = ws.dss("preview", "libi", "--refresh", "--expect-no-changes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert ws.dss("destroy", "libi", "--yes").exit_code == 0
    assert "LIBI" not in client.list_project_keys()
