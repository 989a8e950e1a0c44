"""``dss.WikiArticle`` through the real ``dss`` CLI and dataikuapi against the sandbox: create
with a parent, rename and move in place, drift, import round trip, ownership, delete."""

from __future__ import annotations


def stack(home: str = "Home", body: str = "# Welcome", guide_parent: str = "home") -> str:
    return f"""
p = dss.Project("WK", name="Wiki")
moved = dss.ResourceOptions(aliases=["WK.Home"])
home = dss.WikiArticle({home!r}, project=p, body={body!r}, opts=moved)
other = dss.WikiArticle("Other", project=p, body="other")
dss.WikiArticle("Guide", project=p, body=dss.File("guide.md"), parent={guide_parent})
"""


def articles(client, key: str) -> dict[str, dict]:
    wiki = client.get_project(key).get_wiki()
    out = {}
    for article in wiki.list_articles():
        data = article.get_data().article_data
        out[data["article"]["name"]] = {"id": article.article_id, "body": data["payload"]}
    return out


def taxonomy(client, key: str) -> list:
    return client.get_project(key).get_wiki().get_settings().get_taxonomy()


def test_wiki_articles_lifecycle_parent_and_drift(ws):
    (ws.root / "stacks").mkdir(exist_ok=True)
    (ws.root / "stacks" / "guide.md").write_text("How to\n")
    ws.stack("w", stack())
    r = ws.dss("up", "w", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    client = ws.sandbox.client()
    held = articles(client, "WK")
    assert held["Guide"]["body"] == "How to\n" and held["Home"]["body"] == "# Welcome"
    home_id, guide_id = held["Home"]["id"], held["Guide"]["id"]
    (home_node,) = [n for n in taxonomy(client, "WK") if n["id"] == home_id]
    assert [c["id"] for c in home_node["children"]] == [guide_id]
    state = {x.name: x for x in ws.state("w").resources}
    assert state["Guide"].inputs["parent"] == home_id and state["Home"].outputs["id"] == home_id
    assert ws.dss("preview", "w", "--refresh", "--expect-no-changes").exit_code == 0

    # Changed by hand (body, and moved to the root): drift, put back by up --refresh.
    article = client.get_project("WK").get_wiki().get_article(guide_id)
    data = article.get_data()
    data.set_body("edited by hand")
    data.save()
    settings = client.get_project("WK").get_wiki().get_settings()
    settings.move_article_in_taxonomy(guide_id, None)
    settings.save()
    r = ws.dss("preview", "w", "--refresh", "--json")
    (step,) = [s for s in r.json["steps"] if s["op"] != "same"]
    assert step["op"] == "update" and {d["path"] for d in step["diff"]} == {"body", "parent"}
    assert ws.dss("up", "w", "--yes", "--refresh").exit_code == 0
    assert articles(client, "WK")["Guide"]["body"] == "How to\n"
    assert ws.dss("preview", "w", "--refresh", "--expect-no-changes").exit_code == 0

    # Renamed (alias) and moved under another article in code: updates in place, same ids.
    ws.stack("w", stack(home="Start", body="# Hi", guide_parent="other"))
    r = ws.dss("preview", "w", "--json")
    ops = {s["name"]: s["op"] for s in r.json["steps"] if s["op"] != "same"}
    assert ops == {"Start": "update", "Guide": "update"}
    assert ws.dss("up", "w", "--yes").exit_code == 0
    held = articles(client, "WK")
    assert held["Start"]["id"] == home_id and held["Start"]["body"] == "# Hi"
    (other_node,) = [n for n in taxonomy(client, "WK") if n["id"] == held["Other"]["id"]]
    assert [c["id"] for c in other_node["children"]] == [guide_id]
    assert ws.dss("preview", "w", "--refresh", "--expect-no-changes").exit_code == 0

    assert ws.dss("destroy", "w", "--yes").exit_code == 0
    assert "WK" not in client.list_project_keys()


def test_an_article_made_by_hand_is_a_conflict_and_left_alone(ws):
    client = ws.sandbox.client()
    client.create_project("WKT", "Taken", "admin")
    client.get_project("WKT").get_wiki().create_article("Home", content="theirs")
    ws.stack(
        "t",
        """
p = dss.Project.get("WKT")
dss.WikiArticle("Home", project=p, body="ours")
""",
    )
    r = ws.dss("up", "t", "--yes")
    assert r.exit_code == 1
    assert "already exists in DSS and was not created by this stack" in r.stdout + r.stderr
    assert articles(client, "WKT") == {
        "Home": {"id": articles(client, "WKT")["Home"]["id"], "body": "theirs"}
    }


def test_wiki_import_project_round_trip(ws):
    client = ws.sandbox.client()
    p = client.create_project("WKI", "Imported", "admin")
    wiki = p.get_wiki()
    home = wiki.create_article("Home", content="# Home\n")
    wiki.create_article("Child", parent_id=home.article_id, content="child text")
    r = ws.dss("import", "project", "WKI", "--out", "stacks/wki.py", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert sorted(r.json["imported"]) == ["WKI", "WKI.Child", "WKI.Home"]
    assert r.json["unmodelled"] == []
    code = (ws.root / "stacks" / "wki.py").read_text()
    assert "parent=home" in code and 'dss.File("wki_code/' in code
    r = ws.dss("preview", "wki", "--refresh", "--expect-no-changes")
    assert r.exit_code == 0, r.stdout + r.stderr
    # Managed from now on: a change of its file is an update of the same article.
    (md,) = [f for f in (ws.root / "stacks" / "wki_code").iterdir() if "child" in f.name.lower()]
    md.write_text("new child text")
    r = ws.dss("preview", "wki", "--json")
    assert [(s["name"], s["op"]) for s in r.json["steps"] if s["op"] != "same"] == [
        ("Child", "update")
    ]
    assert ws.dss("up", "wki", "--yes").exit_code == 0
    assert articles(client, "WKI")["Child"]["body"] == "new child text"
