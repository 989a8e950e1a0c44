"""Where state lives. ``open_backend`` turns a backend URL into a Backend."""

from __future__ import annotations

from dsspulumi.backends.base import Backend, LockInfo
from dsspulumi.errors import ConfigError


def open_backend(url: str) -> Backend:
    if url.startswith("file://"):
        from dsspulumi.backends.local import LocalBackend

        path = url[len("file://") :]
        if not path:
            raise ConfigError(f"backend URL {url!r} names no folder (try file://.dss/state)")
        return LocalBackend(path, url=url)
    if url.startswith("s3://"):
        from dsspulumi.backends.s3 import S3Backend

        return S3Backend.from_url(url)
    raise ConfigError(
        f"unknown backend URL {url!r}: use file://PATH (default file://.dss/state) or "
        "s3://bucket/prefix"
    )


__all__ = ["Backend", "LockInfo", "open_backend"]
