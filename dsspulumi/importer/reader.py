"""Reading a live project as the objects a stack could declare: ``dss import project`` and
``dss policy check`` read it the same way, through every provider that lists what exists."""

from __future__ import annotations

from typing import Any

from dsspulumi.provider import Existing


def read_project(registry: Any, key: str) -> list[Existing]:
    """Every object of project ``key`` some resource kind can list (read-only calls)."""
    objects: list[Existing] = []
    for token in registry.types():
        provider = registry.provider(token)
        if hasattr(provider, "list_existing"):
            objects += provider.list_existing(key)
    return objects
