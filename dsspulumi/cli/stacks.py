"""What the run commands share: the automation ``Stack`` a STACK argument names, and the
feed of its events to the display (the live progress, or the notice printer).

Imported by the commands when they run: ``dss --help`` never loads the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dsspulumi.automation import Diagnostic, Event, Stack, StepFinished, StepRetried, StepStarted
from dsspulumi.automation.events import PROGRESS
from dsspulumi.locate import resolve_stack


def open_stack(
    arg: str,
    *,
    env: str,
    backend: str | None,
    dss_url: str | None,
    retries: int,
    document: bool,
    policy_packs: list[str] | None = None,
    policy_advisory_only: bool = False,
) -> Stack:
    """The stack STACK names (a stack file, or ``stacks/STACK.py``). ``document``: stdout
    carries a document, so what the program prints goes to stderr. ``policy_packs``: the
    ``--policy-pack`` options (None: no policy, as for ``destroy``)."""
    loc = resolve_stack(arg)
    return Stack(
        loc.name,
        program=loc.file,
        env=env,
        backend=backend,
        dss_url=dss_url,
        retries=retries,
        command="dss",
        quiet_stdout=document,
        policy_packs=policy_packs,
        policy_advisory_only=policy_advisory_only,
    )


def feed(listener: Any) -> Callable[[Event], None]:
    """``on_event`` for a display listener (``ProgressListener``, ``NoticePrinter``): each
    event handed to the method that shows it."""

    def on_event(event: Event) -> None:
        if isinstance(event, StepStarted):
            listener.step("start", event.step, None)
        elif isinstance(event, StepFinished):
            listener.step("finish", event.step, event.outcome)
        elif isinstance(event, StepRetried):
            listener.retry(event.retry)
        elif isinstance(event, Diagnostic):
            if event.status == PROGRESS:
                progress = getattr(listener, "progress", None)
                if progress is not None:
                    progress(event.urn, event.message)
            else:
                listener.notice(event.message)

    return on_event
