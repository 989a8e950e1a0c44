"""Issue 17 part 3: the run session as a library object, and ``preview --parallel``.

Real HTTP to the sandbox through the real dataikuapi client; the sandbox's latency (a sleep
outside its locks, as DSS answers concurrent calls) makes concurrent reads visible in time.
"""

from __future__ import annotations

import time

from dsspulumi.session import Session

RECIPES = 10
STACK = f"""
project = dss.Project("PAR", name="Par")
src = dss.ManagedDataset("src", project=project, connection="filesystem_managed")
for i in range({RECIPES}):
    out = dss.ManagedDataset(f"out{{i}}", project=project, connection="filesystem_managed")
    dss.PythonRecipe(f"r{{i}}", project=project, inputs=[src], outputs=[out],
                     code=f"print({{i}})")
"""


def _edit_recipes_by_hand(client) -> None:
    project = client.get_project("PAR")
    for i in (2, 7):
        settings = project.get_recipe(f"r{i}").get_settings()
        settings.set_payload("print('by hand')")
        settings.save()


def test_preview_parallel_bounds_the_concurrent_reads_of_refresh(ws):
    """Where DSS gives no project export (refused here), recipes are read one object at a
    time: ``--parallel 1`` reads them one after the other, ``--parallel 10`` at once; both find
    the same drift."""
    ws.stack("par", STACK)
    assert ws.dss("up", "par", "--yes").exit_code == 0
    _edit_recipes_by_hand(ws.sandbox.client())
    ws.sandbox.inject_failure("POST", "/projects/{projectKey}/export", status=404, times=2)
    seconds, drift = {}, {}
    ws.sandbox.latency_ms = 200
    try:
        for parallel in ("1", "10"):
            start = time.perf_counter()
            r = ws.dss("preview", "par", "--refresh", "--parallel", parallel, "--json")
            seconds[parallel] = time.perf_counter() - start
            assert r.exit_code == 0, r.stderr
            drift[parallel] = sorted(d["logical_name"] for d in r.json["drift"])
    finally:
        ws.sandbox.latency_ms = 0
    assert drift["1"] == drift["10"] == ["PAR.r2", "PAR.r7"]
    # Ten recipe reads of >= 200 ms each, one after the other, against all ten at once.
    assert seconds["1"] - seconds["10"] > 1.0, seconds


def test_a_program_drives_a_stack_with_the_library_session(ws, monkeypatch):
    """No CLI: keyword arguments in, notices and the engine's results out."""
    path = ws.stack("lib", 'dss.Project("LIB", name="Lib", description="one")\n')
    monkeypatch.setenv("DKU_API_KEY", ws.sandbox.api_key)
    notes: list[str] = []
    options = {"env": "dev", "dss_url": ws.sandbox.url, "command": "automation"}
    with Session(str(path), notice=notes.append, **options) as s:
        graph = s.program()
        preview = s.run().preview(graph)
        assert [(st.op.value, st.logical_name) for st in preview.plan.steps] == [("create", "LIB")]
        applied = s.run().apply(graph)
        assert applied.applied and applied.succeeded
    assert "LIB" in ws.sandbox.client().list_project_keys()
    assert ws.state("lib").get("urn:dss:dev::lib::dss:Project::LIB") is not None
    with Session(str(path), notice=notes.append, **options) as s:
        assert not s.run().preview(s.program()).plan.has_changes
    assert notes == []  # nothing to say: no secret, no interrupted run
