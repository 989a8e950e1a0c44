"""The README is the landing page: short, the set-up first, and every link lands somewhere.

Everything else lives in docs/ (checked by mkdocs --strict); these checks keep the README from
growing back into a manual, and keep its links into docs/ from going stale when a page moves.
"""

from __future__ import annotations

import re

from tests.docs.commands import REPO

README = REPO / "README.md"
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def sections(text: str) -> list[str]:
    return re.findall(r"^## (.+)$", text, re.M)


def test_the_readme_is_a_landing_page():
    text = README.read_text()
    assert len(text.splitlines()) <= 250
    assert sections(text)[0] == "Set-up on a fresh machine"
    setup = text.split("## Set-up on a fresh machine\n", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^```bash\n(.*?)\n```", setup, re.M | re.S)
    assert commands == [
        "pip install -e . && dss up customer_analytics --yes",
        "pip install -e '.[test]' && python -m pytest -n auto",
    ]


def test_every_link_of_the_readme_resolves():
    links = LINK.findall(README.read_text())
    local = [link.split("#", 1)[0] for link in links if "://" not in link]
    assert len([link for link in local if link.startswith("docs/")]) >= 15
    missing = [link for link in local if link and not (REPO / link).exists()]
    assert not missing, f"README links to files that do not exist: {missing}"


def test_every_guide_page_is_linked_from_the_readme():
    """A page added to docs/ is announced on the landing page too."""
    linked = set(LINK.findall(README.read_text()))
    pages = {f"docs/{p.name}" for p in (REPO / "docs").glob("*.md") if p.name != "index.md"}
    assert not pages - linked, f"pages the README does not link: {sorted(pages - linked)}"


def test_what_changed_points_to_the_history():
    text = README.read_text()
    assert "What changed" in sections(text)
    part = text.split("## What changed\n", 1)[1]
    assert "(docs/changes.md)" in part
    changes = (REPO / "docs" / "changes.md").read_text()
    assert sections(changes)[0] == "This release"
