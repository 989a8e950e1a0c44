"""``kill -9`` of ``dss up`` right after DSS created a notebook, a wiki article or a library
file (issue 17): the shared ownership layer settles each the way its kind declares.

A notebook carries this run's mark from its creation body on (in ``metadata.customFields``),
so the next run adopts it. A wiki article and a library file can carry none (their kinds
declare ``holds_mark = False``): the next run never adopts them, and creates nothing twice.
"""

from __future__ import annotations

import json
import signal

import pytest

from tests.crash.test_project_kinds_crash import _killed, _write


def test_killed_after_creating_a_notebook_the_next_run_adopts_it(ws):
    client = ws.sandbox.client()
    _write(ws, "")
    assert ws.dss("up", "own", "--yes").exit_code == 0
    _write(ws, 'dss.Notebook("explore", project=project, content={"cells": []})')
    r = _killed(ws, "after-create-call:CRASHK.explore")
    assert r.returncode == -signal.SIGKILL, r.stderr
    assert len(client.get_project("CRASHK").list_jupyter_notebooks()) == 1

    healed = ws.dss("up", "own", "--yes", "--json")
    assert healed.exit_code == 0, healed.stderr
    assert "CRASHK.explore: interrupted create; found in DSS with this run's mark" in (
        healed.stderr
    )
    assert len(client.get_project("CRASHK").list_jupyter_notebooks()) == 1
    check = ws.dss("preview", "own", "--refresh", "--expect-no-changes")
    assert check.exit_code == 0, check.stdout + check.stderr
    assert ws.dss("destroy", "own", "--yes").exit_code == 0
    assert "CRASHK" not in client.list_project_keys()


def _never_adopted(ws, declaration: str, name: str) -> None:
    _write(ws, "")
    assert ws.dss("up", "own", "--yes").exit_code == 0
    _write(ws, declaration)
    r = _killed(ws, f"after-create-call:CRASHK.{name}")
    assert r.returncode == -signal.SIGKILL, r.stderr
    again = ws.dss("up", "own", "--yes", "--json")
    assert again.exit_code == 1
    step = next(s for s in json.loads(again.stdout)["steps"] if s["name"] == name)
    assert "already exists in DSS and was not created by this stack" in step["error"]
    assert not [r for r in ws.state("own").resources if r.name == name]


def test_killed_after_creating_a_wiki_article_it_is_never_adopted_nor_duplicated(ws):
    _never_adopted(ws, 'dss.WikiArticle("Home", project=project, body="hi")', "Home")
    articles = ws.sandbox.client().get_project("CRASHK").get_wiki().list_articles()
    assert [a.get_data().get_name() for a in articles] == ["Home"]


def test_killed_after_creating_a_library_file_it_is_never_adopted_nor_overwritten(ws):
    decl = 'dss.LibraryFile("python/x.py", project=project, content="ours")'
    _never_adopted(ws, decl, "python/x.py")
    library = ws.sandbox.client().get_project("CRASHK").get_library()
    assert library.get_file("python/x.py").read() == "ours"


LOST = [
    (
        'dss.Notebook("explore", project=project, content={"cells": []})',
        "POST",
        "/projects/{projectKey}/jupyter-notebooks/{objectId}",
        lambda p: len(p.list_jupyter_notebooks()),
        1,
    ),
    (
        'dss.WikiArticle("Home", project=project, body="hi")',
        "POST",
        "/projects/{projectKey}/wiki/",
        lambda p: len(p.get_wiki().list_articles()),
        1,
    ),
    (
        'dss.LibraryFile("x.py", project=project, content="ours")',
        "POST",
        "/projects/{projectKey}/libraries/contents/{p0}",
        lambda p: len(p.get_library().list()),
        2,  # the client's add_file (whose answer is lost), then the write of the text
    ),
]


@pytest.mark.parametrize(("declaration", "method", "route", "count", "posts"), LOST)
def test_a_create_whose_answer_is_lost_is_settled_in_the_same_run(
    ws, declaration, method, route, count, posts
):
    """DSS did the create but its answer was lost: the same run finds the object (by its mark
    or by the generic fallback), records it, and sends the create once."""
    _write(ws, declaration)
    ws.sandbox.inject_failure(method, route, when="after")
    ws.sandbox.reset_counts()
    r = ws.dss("up", "own", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert ws.sandbox.request_counts[f"{method} {route}"] == posts
    assert count(ws.sandbox.client().get_project("CRASHK")) == 1
    check = ws.dss("preview", "own", "--refresh", "--expect-no-changes")
    assert check.exit_code == 0, check.stdout + check.stderr
    assert ws.dss("destroy", "own", "--yes").exit_code == 0
