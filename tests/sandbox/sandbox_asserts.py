"""Shared helpers for the sandbox tests (real client, real HTTP)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from dataikuapi.utils import DataikuException

NOT_FOUND = "com.dataiku.dip.server.controllers.NotFoundException"
CODED = "com.dataiku.dip.exceptions.CodedException"
ILLEGAL_ARGUMENT = "java.lang.IllegalArgumentException"
NOT_AUTHENTICATED = "com.dataiku.dip.exceptions.NotAuthenticatedException"


@contextlib.contextmanager
def dss_error(prefix: str) -> Iterator[pytest.ExceptionInfo[DataikuException]]:
    """Expect a DataikuException whose text starts with ``prefix`` (what providers match on)."""
    with pytest.raises(DataikuException) as info:
        yield info
    assert str(info.value).startswith(prefix), str(info.value)
