"""Stack administration over a backend: list, history, export/import, remove, unlock.

Kept apart from the CLI so that each operation is one function with its rules
(what needs the lock, what refuses without --force) in plain sight.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from dsspulumi.backends.base import Backend, lock_ttl, stale_reason
from dsspulumi.checkpoint import Checkpointer, load_state
from dsspulumi.config import StackConfig
from dsspulumi.errors import ConfigError, CorruptStateError, DssPulumiError, StateError
from dsspulumi.secrets import LazyCrypter
from dsspulumi.secrets.providers import SecretsSettings, open_crypter
from dsspulumi.state import State, from_json, to_json
from dsspulumi.status import SUCCEEDED
from dsspulumi.urn import stack_prefix


@attrs.define
class StackRow:
    stack: str
    env: str
    resources: int | None
    updated_at: float | None
    updated_by: str | None
    last_result: str | None
    error: str | None = None
    # "ok", or "unreadable" when the state cannot be read (``error`` says why): the last
    # history entry, ``last_result``, tells how the last run ended, not that this state is
    # usable now.
    status: str = "ok"
    hint: str | None = None


def list_stacks(backend: Backend) -> list[StackRow]:
    rows = []
    for stack, env in backend.list_stacks():
        history = backend.list_history(stack, env)
        last = history[-1] if history else {}
        try:
            state = load_state(backend, stack, env)[0]
            rows.append(
                StackRow(
                    stack,
                    env,
                    len(state.resources),
                    state.updated_at,
                    last.get("user"),
                    last.get("result"),
                )
            )
        except StateError as exc:
            hint = backend.history_hint(stack, env) if isinstance(exc, CorruptStateError) else None
            rows.append(
                StackRow(
                    stack,
                    env,
                    None,
                    None,
                    last.get("user"),
                    last.get("result"),
                    error=str(exc),
                    status="unreadable",
                    hint=hint,
                )
            )
    return rows


def export_state(backend: Backend, stack: str, env: str) -> dict[str, Any]:
    """The stack's state as JSON data, including what a dead run's journal recorded."""
    if backend.read_state(stack, env) is None:
        raise DssPulumiError(f"stack '{stack}' has no state in env '{env}' ({backend.url})")
    try:
        state = load_state(backend, stack, env)[0]
    except CorruptStateError as exc:
        exc.hint = backend.history_hint(stack, env)
        raise
    return json.loads(to_json(state))  # secrets stay encrypted: export never decrypts


def import_state(
    backend: Backend,
    stack: str,
    env: str,
    data: bytes,
    *,
    source: str,
    force: bool,
    rename_from: str | None = None,
    command: str = "dss stack import",
) -> State:
    """Replace a stack's state with a validated document (moving stacks, restoring history).

    An export names its stack and environment: it goes back under those only, unless the
    user names its stack in ``rename_from``, which rewrites its URNs. Another stack's state
    taken in silently would make the next plan delete that stack's objects.
    """
    state = from_json(data, where=source)
    if state.pending:
        raise StateError(
            f"{source} records {len(state.pending)} operation(s) in flight; import it only "
            "after a `dss up` with the original backend settled them"
        )
    if (state.stack, state.env) != (stack, env):
        if rename_from is None:
            raise StateError(
                f"{source} is the state of stack '{state.stack}' (env '{state.env}'), not of "
                f"stack '{stack}' (env '{env}'); to take it in under this name, pass "
                f"--rename-from {state.stack} (its URNs are rewritten)"
            )
        if rename_from != state.stack:
            raise StateError(
                f"--rename-from {rename_from} does not match {source}, which is the state of "
                f"stack '{state.stack}' (env '{state.env}')"
            )
        rename_state(state, stack, env)
    elif rename_from is not None and rename_from != stack:
        raise StateError(
            f"--rename-from {rename_from} does not match {source}, which is the state of "
            f"stack '{state.stack}' (env '{state.env}')"
        )
    with backend.lock(stack, env, command):
        current = backend.read_state(stack, env)
        existing: State | None = None
        if current is not None:
            try:
                existing = from_json(current.data, where=backend.where(stack, env))
            except CorruptStateError:
                existing = None
        if current is not None and not force:
            # A state that manages nothing (a first `up` that was refused) has nothing to lose:
            # the state moved here replaces it, identity included.
            if existing is None or existing.resources or existing.pending:
                count = len(existing.resources) if existing is not None else 0
                what = f"{count} resource(s)" if existing is not None else "a corrupt state"
                raise StateError(
                    f"stack '{stack}' (env '{env}') already has a state with {what}; "
                    "pass --force to replace it"
                )
        if state.identity is None and existing is not None:
            # An export from before identities (a restored history entry) replacing this
            # stack's state: the state stays the one its marks name.
            state.identity = existing.identity
        checkpoint = Checkpointer(backend, state, current.version if current else None)
        checkpoint.compact()
        backend.append_history(
            stack,
            env,
            to_json(state),
            {"kind": "import", "result": SUCCEEDED, "source": source},
        )
    return state


def rename_state(state: State, stack: str, env: str) -> None:
    """Give a state another stack and environment: every URN is rewritten to match."""
    old, new = stack_prefix(state.stack, state.env), stack_prefix(stack, env)

    def move(urn: str) -> str:
        return new + urn[len(old) :] if urn.startswith(old) else urn

    for rec in state.resources:
        rec.urn = move(rec.urn)
        rec.dependencies = [move(d) for d in rec.dependencies]
    state.stack, state.env = stack, env


def remove_stack(backend: Backend, stack: str, env: str, *, force: bool) -> int:
    with backend.lock(stack, env, "dss stack rm"):
        if backend.read_state(stack, env) is None:
            raise DssPulumiError(f"stack '{stack}' has no state in env '{env}'")
        try:
            count = len(load_state(backend, stack, env)[0].resources)
        except CorruptStateError:
            if not force:
                raise
            count = 0
        if count and not force:
            raise StateError(
                f"stack '{stack}' (env '{env}') still manages {count} resource(s) in DSS; run "
                f"`dss destroy {stack} -e {env}` first, or pass --force to forget them "
                "(they stay in DSS)"
            )
        backend.delete_stack(stack, env)
    return count


def unlock(backend: Backend, stack: str, env: str, *, force: bool) -> str:
    observed = backend.observe_lock(stack, env)
    if observed is None:
        return f"stack '{stack}' (env '{env}') is not locked"
    who = observed.info.describe() if observed.info else "an unreadable lock record"
    reason = stale_reason(observed, lock_ttl())
    if not backend.can_break(observed):
        remover = getattr(backend, "remove_lock_record", None)
        if remover is not None and remover(stack, env):
            return f"removed the leftover lock record of {who}"
        raise StateError(
            f"stack '{stack}' (env '{env}') is locked by {who}, a live process on this "
            "machine; stop that process (the lock goes with it)"
        )
    if reason is None and not force:
        raise StateError(
            f"stack '{stack}' (env '{env}') is locked by {who}, which looks alive; if you are "
            "sure that run is gone, pass --force"
        )
    if not backend.break_lock(stack, env, observed):
        raise StateError("the lock changed while unlocking (its holder renewed it); try again")
    return f"removed the lock of {who}" + (f" ({reason})" if reason else "")


def change_secrets_provider(backend: Backend, config: StackConfig, provider: str) -> int:
    """Re-encrypt a stack environment's config file and state with a new provider's key."""
    stack, env = config.stack, config.env
    with backend.lock(stack, env, "dss stack change-secrets-provider"):
        exists = backend.read_state(stack, env) is not None
        old = LazyCrypter(config.crypter)
        state, version, _n = load_state(backend, stack, env, old) if exists else (None, None, 0)
        config.change_provider(provider)
        new = config.crypter()
        if state is not None:
            settings = config.settings()
            state.secrets = settings.to_dict() if settings else None
            Checkpointer(backend, state, version, crypter=new).compact()
        config.save()
        return len(state.resources) if state is not None else 0


def read_stack_outputs(backend: Backend, stack: str, env: str) -> dict[str, Any]:
    """Another stack's outputs, secrets decrypted with the settings its state carries."""
    doc = backend.read_state(stack, env)
    if doc is None:
        raise ConfigError(
            f"stack '{stack}' has no state in env '{env}' ({backend.url}); apply it first "
            f"(`dss up {stack} -e {env}`)"
        )
    where = backend.where(stack, env)

    def crypter() -> Any:
        raw = json.loads(doc.data)
        settings = SecretsSettings.from_dict(raw.get("secrets"))
        if settings is None:
            raise ConfigError(f"state {where} holds secrets but no secrets provider settings")
        return open_crypter(settings, f"stack '{stack}' (env '{env}')")

    state, _version, _n = load_state(backend, stack, env, LazyCrypter(crypter))
    return dict(state.outputs)
