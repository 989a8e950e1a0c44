"""The names of the instance objects DSS holds, read once per run for the preflight.

``dsspulumi.preflight`` asks, per kind, which connections, code envs, groups and users exist.
Each list is one call, made the first time it is asked for and kept for the run. Connection
names come from ``GET /connections/get-names``, which any user's key may call; the other
lists are ``/admin/`` endpoints: for a key DSS refuses there (403, a non-admin key), the
answer is None, "cannot tell", and the kind is not checked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from dsspulumi.errors import ProviderError
from dsspulumi.providers.dss.client import DssSession, NotFound
from dsspulumi.providers.dss.instance import UNAUTHORIZED
from dsspulumi.providers.dss.transport import last_error


def _field(items: Iterable[Any], key: str) -> list[Any]:
    return [item.get(key) for item in items if isinstance(item, dict)]


#: Per kind: what the call does (for messages) and how the client reads the names.
LISTS: dict[str, tuple[str, Callable[[Any], Iterable[Any]]]] = {
    "dss:Connection": (
        "list the connection names (GET /connections/get-names)",
        lambda client: client.list_connections_names("all"),
    ),
    "dss:CodeEnv": (
        "list the code envs (GET /admin/code-envs/)",
        lambda client: _field(client.list_code_envs(), "envName"),
    ),
    "dss:Group": (
        "list the groups (GET /admin/groups/)",
        lambda client: _field(client.list_groups(), "name"),
    ),
    "dss:User": (
        "list the users (GET /admin/users/)",
        lambda client: _field(client.list_users(), "login"),
    ),
}


class InstanceNames:
    """The lists of one run, each read at most once (thread-safe, though the preflight is
    one thread: the engine may grow parallel readers)."""

    def __init__(self, session: DssSession) -> None:
        self.s = session
        self._lists: dict[str, frozenset[str] | None] = {}
        self._ahead: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()

    def get(self, type_token: str) -> frozenset[str] | None:
        with self._lock:
            ahead = self._ahead.pop(type_token, None)
        if ahead is not None:
            ahead.join()  # what it read (or failed to) is in the lists, or read again below
        with self._lock:
            if type_token not in self._lists:
                self._lists[type_token] = self._read(type_token)
            return self._lists[type_token]

    def read_ahead(self, type_tokens: Iterable[str]) -> None:
        """Start reading these lists now, each in a thread of its own, while the run does
        something else (checks the API key): the preflight then finds them read. A read
        that fails leaves the list unread: the preflight reads it again and reports."""

        def read(token: str) -> None:
            try:
                names = self._read(token)
            except Exception:  # noqa: BLE001 - ``get`` reads again and reports it
                return
            with self._lock:
                self._lists.setdefault(token, names)

        for token in type_tokens:
            with self._lock:
                if token in self._lists or token in self._ahead or token not in LISTS:
                    continue
                thread = threading.Thread(target=read, args=(token,), daemon=True)
                self._ahead[token] = thread
            thread.start()

    def _read(self, type_token: str) -> frozenset[str] | None:
        if type_token not in LISTS:
            return None
        what, read = LISTS[type_token]
        try:
            with self.s.call(what):
                names = read(self.s.client)
        except NotFound:
            return None  # a DSS without that endpoint: cannot tell
        except ProviderError as exc:
            if exc.dss_message.startswith(UNAUTHORIZED) or last_error.status == 403:
                return None
            raise
        return frozenset(str(n) for n in names if isinstance(n, str))
