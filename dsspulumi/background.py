"""What every server this package runs in a background thread shares (the sandbox, the test
S3 server): ``with server:`` starts it and stops it, whatever happens inside."""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Self


class BackgroundServer(abc.ABC):
    @abc.abstractmethod
    def start(self) -> Self:
        """Serve in a background thread; returns the server, started."""

    @abc.abstractmethod
    def stop(self) -> None:
        """Stop serving and release what ``start`` took (idempotent)."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
