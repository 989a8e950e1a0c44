"""Whose an object is: the stack identity every mark carries, and who may adopt what.

A stack's name and environment do not identify its state: the same stack file run against a
second backend, a colleague's local state, or a run from another folder all share them. So
each state gets an identity when it is first written (``State.identity``, a random id moved
along by ``dss stack export`` / ``dss stack import``), and every ownership mark written
since records it (``dsspulumi.stack``), with the state's backend URL for messages.

Adoption (``import_id``, ``dss import resource``, ``dss import project``) then goes by that
identity, never by the name:

- an unmarked object (made by hand) may be adopted;
- an object whose mark names this state's identity may be adopted again (an import of it
  was interrupted, or an earlier dsspulumi left it marked when it was retained);
- an object whose mark names another identity is refused;
- an object marked before identities existed is refused unless this very state records
  that mark (its records or operations in flight): nothing else proves it is this state's.

An object changes hands by its owner letting it go: ``retain_on_delete``, then removing its
declaration (or ``destroy``), releases it (``dsspulumi.release``: its mark is removed), and
it is then adopted like an object made by hand. The refusals say so.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import attrs

from dsspulumi.provider import Existing, Found, Mark
from dsspulumi.state import State
from dsspulumi.urn import stack_env


def new_identity() -> str:
    return secrets.token_hex(16)


def ensure_identity(state: State) -> bool:
    """Give ``state`` an identity if it has none (a new state, or one written before
    identities existed); it keeps it forever after. True if one was minted."""
    if state.identity:
        return False
    state.identity = new_identity()
    return True


def public_url(url: str) -> str:
    """A backend URL as it is written into marks and messages: a ``file://`` path made
    absolute (it was relative to the current folder), and never any credentials."""
    if url.startswith("file://"):
        path = url[len("file://") :]
        return f"file://{Path(path).absolute().as_posix()}" if path else url
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port is not None else host
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


@attrs.frozen
class StateOwner:
    """The state a run works for, as adoption needs it."""

    stack: str
    env: str
    identity: str | None
    backend: str | None  # public_url of its backend
    known_marks: frozenset[str] = frozenset()

    @classmethod
    def of(cls, state: State | None, backend_url: str | None) -> StateOwner:
        if state is None:
            return cls("", "", None, public_url(backend_url) if backend_url else None)
        marks = {r.mark for r in state.resources if r.mark}
        marks |= {p.id for p in state.pending}
        return cls(
            state.stack,
            state.env,
            state.identity or None,
            public_url(backend_url) if backend_url else None,
            frozenset(m for m in marks if m),
        )


def mark_for(state: State, backend_url: str, op_id: str, urn: str) -> Mark:
    """The mark an operation of ``state`` writes into the object it creates or adopts."""
    return Mark(op_id, urn, stack=state.identity or None, backend=public_url(backend_url))


def adoption_refusal(
    urn: str, found: Found | Existing, owner: StateOwner | None = None
) -> str | None:
    """Why an existing object may not be adopted under ``urn`` by ``owner``, or None if it may."""
    owner = owner or StateOwner("", "", None, None)
    if found.mark is None:
        return None  # made by hand
    if found.mark_stack is not None:
        if owner.identity is not None and found.mark_stack == owner.identity:
            return None  # this state's own: an interrupted import, or retained still marked
    elif found.mark in owner.known_marks:
        return None  # marked before identities, by this very state
    return _foreign(urn, found, owner)


def _foreign(urn: str, found: Found | Existing, owner: StateOwner) -> str:
    theirs = stack_env(found.mark_urn)
    where = f" in {found.mark_backend}" if found.mark_backend else ""
    if theirs is None:
        who = f"another dsspulumi state{where}"
    else:
        who = f"stack '{theirs[0]}' (env {theirs[1]}){where}"
    if found.mark_stack is None:
        head = (
            f"it carries the ownership mark of {who}, written before dsspulumi recorded which "
            "state wrote a mark, and this state does not record that mark"
        )
    else:
        head = f"it is managed by another dsspulumi state: {who}"
    mine = stack_env(urn)
    orphan = (
        ". If no state manages it any more, remove its dsspulumi ownership fields "
        "(dsspulumi.mark, dsspulumi.urn) in DSS, then import it"
        if found.mark_stack is None
        else ""
    )
    if theirs is not None and mine is not None and theirs != mine:
        elsewhere = found.mark_backend if found.mark_backend != owner.backend else None
        return (
            f"{head}. An object is managed by one state only: manage it from stack "
            f"'{theirs[0]}' (env {theirs[1]}), or hand it over: "
            f"{_handover(f'stack {theirs[0]!r}', elsewhere)}{orphan}"
        )
    stack, env = theirs or mine or (owner.stack, owner.env)
    source = found.mark_backend or "THEIRS"
    target = owner.backend or "YOURS"
    return (
        f"{head}. An object is managed by one state only: to manage it from this backend, "
        f"move that state here instead of importing the object: `dss stack export {stack} "
        f"-e {env} --backend {source} > state.json`, then `dss stack import {stack} state.json "
        f"-e {env} --backend {target}`. To take this object alone, "
        f"{_handover('that state', source)}{orphan}"
    )


def _handover(owner: str, backend: str | None) -> str:
    """How the owning state lets an object go (``dsspulumi.release``) so another adopts it."""
    run = f"`dss up --backend {backend}`" if backend else "`dss up`"
    return (
        f"release it from {owner} (opts=dss.ResourceOptions(retain_on_delete=True) on it and "
        f"{run}, then remove its declaration and {run} again: it is left in DSS without a "
        "mark), then import it here"
    )


def no_state_message(stack: str, env: str, backend_url: str) -> str:
    """Said before the plan of a stack that has no state yet in the backend in use."""
    return (
        f"no state yet for stack '{stack}' (env {env}) in {public_url(backend_url)}: "
        "every object will be created"
    )
