"""pytest plugin (entry point ``pytest11: dsspulumi_sandbox``): the ``dss_sandbox`` fixture.

Each test gets its own started, memory-only :class:`~dsspulumi.sandbox.Sandbox`, so no state
leaks between tests; ``dss_sandbox.client()`` is a real ``dataikuapi.DSSClient``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import Sandbox


@pytest.fixture
def dss_sandbox() -> Iterator[Sandbox]:
    """A running DSS sandbox for one test, stopped afterwards."""
    with Sandbox() as sandbox:
        yield sandbox
