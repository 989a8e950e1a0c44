"""The listener of commands that show no progress (preview, refresh, import): notices and
retries on stderr, nothing else. rich is imported only when there is something to say."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dsspulumi.display.failures import RetryDigest

if TYPE_CHECKING:
    from rich.console import Console

    from dsspulumi.provider import RetryEvent


class NoticePrinter:
    def __init__(self, err: Console) -> None:
        self.err = err
        self._digest = RetryDigest()

    def notice(self, message: str) -> None:
        from rich.markup import escape

        self.err.print(f"[yellow]note:[/yellow] {escape(message)}")

    def plan_ready(self, plan: Any) -> None:
        pass

    def step(self, *args: Any) -> None:
        pass

    def retry(self, event: RetryEvent) -> None:
        from rich.markup import escape

        text = self._digest.line(event)  # failed connections: once in a while, not each
        if text is not None:
            self.err.print(f"[yellow]retry:[/yellow] {escape(text)}")
