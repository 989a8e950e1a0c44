"""Reference hooks (``dsspulumi/sandbox/hooks.py``): how a kind follows another kind's renames
and deletes without importing it, through the real client.

Dataset renames carrying recipes, zones, scenarios and exposures are proved in
``test_rename_actions.py``; a deleted group leaving its users in ``test_admin_kinds.py``; a
deleted folder taking its recipes in ``test_managed_folders.py``; a project's side tables
emptied in ``test_storage.py``. Here: what those leave out, and that a hook runs inside the
request's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sandbox_asserts import CODED, dss_error

from dsspulumi.sandbox import Sandbox, hooks
from dsspulumi.sandbox.errors import invalid
from dsspulumi.sandbox.store import Tx


def test_a_deleted_dataset_is_no_longer_exposed(dss_sandbox: Sandbox) -> None:
    project = dss_sandbox.client().create_project("HK", "Hooks", "admin")
    for name in ("shared", "kept"):
        project.create_dataset(name, "Filesystem", {"connection": "filesystem_root"})
    settings = project.get_settings()
    settings.add_exposed_object("DATASET", "shared", "OTHER")
    settings.add_exposed_object("DATASET", "kept", "OTHER")
    settings.save()
    project.get_dataset("shared").delete()
    exposed = project.get_settings().get_raw()["exposedObjects"]["objects"]
    assert [o["localName"] for o in exposed] == ["kept"]


@pytest.fixture
def refusing_group_follower() -> Iterator[list[tuple[str, str]]]:
    """A follower of group deletions that records what it saw, then refuses."""
    seen: list[tuple[str, str]] = []

    def refuse(tx: Tx, project_key: str, name: str) -> None:
        seen.append((project_key, name))
        raise invalid(f"Group {name} is still needed")

    hooks.on_delete("group", refuse)
    try:
        yield seen
    finally:
        hooks._DELETE["group"].remove(refuse)


def test_a_refusing_hook_undoes_the_whole_request(
    dss_sandbox: Sandbox, refusing_group_follower: list[tuple[str, str]]
) -> None:
    """Hooks run in the request's transaction, after the object is gone and after the other
    followers ran (the users left the group): a refusal undoes all of it."""
    client = dss_sandbox.client()
    client.create_group("h_team")
    user = client.create_user("h_ann", "pw", groups=["h_team"])
    with dss_error(f"{CODED}: Group h_team is still needed"):
        client.get_group("h_team").delete()
    assert refusing_group_follower == [("", "h_team")]
    assert "h_team" in [g["name"] for g in client.list_groups()]
    assert user.get_settings().get_raw()["groups"] == ["h_team"]
