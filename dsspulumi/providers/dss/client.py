"""The DSS session every provider shares, and the one place DSS errors are translated.

``dataikuapi`` raises a single ``DataikuException`` whose text starts with
DSS's errorType; "not found" can only be told from that prefix
(dss-rest-api.md §1.4, §13). Transport errors come from ``requests``; what
is transient and retried is decided in ``transport``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypedDict

import requests
from dataikuapi import DSSClient
from dataikuapi.utils import DataikuException

from dsspulumi.errors import (
    DssConnectionError,
    PartialCreateError,
    ProviderError,
    TransientError,
)

# The ownership mark and the document helpers live in ``dsspulumi.kinds`` (one layer for every
# kind); the providers import them from here as before.
from dsspulumi.kinds.documents import (  # noqa: F401
    deep_merge,
    get_path,
    managed_value,
    pick_paths,
    set_path,
)
from dsspulumi.kinds.marks import (  # noqa: F401
    BACKEND_FIELD,
    CUSTOM_FIELDS,
    MARK_FIELD,
    MARK_TAG,
    RELEASED_FIELD,
    STACK_FIELD,
    URN_FIELD,
    MarkedDocument,
    MarkFields,
    check_owner,
    created_at,
    existing_in,
    fields_mark,
    found_in,
    mark_fields,
    mark_tag,
    read_mark,
    read_mark_urn,
    strip_mark,
    without_mark_tags,
    write_mark,
)
from dsspulumi.outage import DssUnreachableError, Outage
from dsspulumi.provider import Existing, Found, Mark, step_context
from dsspulumi.providers.dss.breaker import Breaker
from dsspulumi.providers.dss.change import Change, Updates
from dsspulumi.providers.dss.claims import NameListings
from dsspulumi.providers.dss.creation import CreationChecks
from dsspulumi.providers.dss.transport import (
    RetryEvent,
    RetryingAdapter,
    RetryPolicy,
    TransientHTTPError,
    describe_transient,
    dss_sentence,
    environment_read_once,
    last_error,
    never_sent,
)

NOT_FOUND_PREFIXES = (
    "com.dataiku.dip.server.controllers.NotFoundException",
    "com.dataiku.dip.exceptions.NotFoundException",
)
NOT_AUTHENTICATED = (
    "com.dataiku.dip.exceptions.NotAuthenticatedException",
    "com.dataiku.dip.exceptions.UnauthorizedException",
)


class NotFound(ProviderError):
    """The object does not exist in DSS: providers catch it where absence is an answer
    (inspect, delete); elsewhere it is DSS's refusal, said like any other."""


def is_not_found(exc: DataikuException) -> bool:
    text = str(exc)
    return text.startswith(NOT_FOUND_PREFIXES) or (
        "IllegalArgumentException" in text and "does not exist" in text
    )


@contextlib.contextmanager
def dss_call(what: str, url: str) -> Iterator[None]:
    """Translate dataikuapi/requests errors for the call described by ``what``."""
    try:
        yield
    except DataikuException as exc:
        text = str(exc)
        if is_not_found(exc):
            message = f"DSS refused to {what}: {dss_sentence(text)}"
            raise NotFound(message, dss_message=text) from exc
        if not last_error.is_json:
            raise ProviderError(
                f"{url} does not look like a DSS API (HTTP {last_error.status} from "
                f"{last_error.url}) while trying to {what}"
            ) from None
        message = f"DSS refused to {what}: {dss_sentence(text)}"
        raise ProviderError(message, dss_message=text) from exc
    except TransientHTTPError as exc:
        raise TransientError(
            f"DSS failed to {what}: {describe_transient(exc)}", dss_message=str(exc)
        ) from None
    except requests.exceptions.ConnectionError as exc:
        if never_sent(exc):
            raise DssUnreachableError(url, what) from exc
        raise TransientError(
            f"lost the connection to DSS at {url} while trying to {what} (the outcome is unknown)"
        ) from exc
    except requests.exceptions.RequestException as exc:
        raise DssConnectionError(f"HTTP error talking to DSS at {url} ({what}): {exc}") from exc


class SessionOptions(TypedDict, total=False):
    """How a ``DssSession`` talks to DSS, beyond where and as whom (see ``DssSession``); the
    ``DssProviders`` registry passes them through unchanged."""

    verify_tls: bool
    retries: int
    on_retry: Callable[[RetryEvent], None] | None
    on_progress: Callable[[str | None, str], None] | None


class DssSession:
    """A DSS client plus who we are on it.

    The client's requests session gets the retrying adapter (``transport``):
    ``retries`` bounds the attempts of one HTTP call, ``on_retry`` hears of each.
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        verify_tls: bool = True,
        retries: int = 5,
        on_retry: Callable[[RetryEvent], None] | None = None,
        on_progress: Callable[[str | None, str], None] | None = None,
    ) -> None:
        self.url = url
        self.on_progress = on_progress
        self.client = DSSClient(url, api_key, no_check_certificate=not verify_tls)
        self.breaker = Breaker(url)  # this session's: DSS found down stays down for the run
        adapter = RetryingAdapter(
            RetryPolicy(retries=retries),
            on_retry,
            urn=lambda: step_context.urn,
            breaker=self.breaker,
        )
        # dataikuapi exposes its requests session only as ``_session``; mounting an adapter is
        # requests' own public way to put a transport under a session.
        self.client._session.mount("http://", adapter)
        self.client._session.mount("https://", adapter)
        environment_read_once(self.client._session, url)
        self._auth: dict[str, Any] | None = None
        self.creation = CreationChecks()  # what DSS keeps of a creation call, per kind
        self.names = NameListings()  # the names found free, one listing per project and kind

    @property
    def outage(self) -> Outage | None:
        return self.breaker.outage

    def call(self, what: str) -> contextlib.AbstractContextManager[None]:
        return dss_call(what, self.url)

    def progress(self, message: str) -> None:
        """Tell the display how a long task of the current step is going."""
        if self.on_progress is not None:
            self.on_progress(step_context.urn, message)

    def auth_info(self) -> dict[str, Any]:
        if self._auth is None:
            what = "check the API key (GET /auth/info)"
            try:
                with self.call(what):
                    self._auth = self.client.get_auth_info()
            except NotFound as exc:
                raise DssConnectionError(
                    f"{self.url} does not look like a DSS API (GET /auth/info: {exc})"
                ) from exc
            except TransientError as exc:
                raise DssConnectionError(str(exc)) from exc
            except ProviderError as exc:
                if exc.dss_message.startswith(NOT_AUTHENTICATED):
                    raise DssConnectionError(
                        f"DSS at {self.url} refused the API key: "
                        f"{dss_sentence(exc.dss_message)}. Check DKU_API_KEY or the secret "
                        "config dss:api_key"
                    ) from exc
                raise DssConnectionError(str(exc)) from exc
        return self._auth

    @property
    def owner(self) -> str:
        auth = self.auth_info()
        return str(auth.get("associatedDSSUser") or auth.get("authIdentifier") or "admin")


@contextlib.contextmanager
def after_creation(what: str) -> Iterator[None]:
    """Writes that follow a successful create call: if they fail, the object still exists."""
    try:
        yield
    except ProviderError as exc:
        raise PartialCreateError(
            f"{what} was created, but the writes after its creation failed: {exc}",
            dss_message=exc.dss_message,
        ) from exc


def apply_descriptive(
    doc: dict[str, Any], new: Mapping[str, Any], old: Mapping[str, Any] | None
) -> None:
    """Description, tags and extra_settings: the same rules for every settings document.

    A description no longer declared is cleared only if we had set it.
    """
    if new.get("description") is not None:
        doc["description"] = new["description"]
    elif old is not None and old.get("description") is not None:
        doc["description"] = ""
    doc["tags"] = list(new.get("tags") or [])
    deep_merge(doc, new.get("extra_settings") or {})


class ProjectObjectProvider(Updates):
    """What dataset and recipe providers share: one DSS settings document per object.

    Updates are one read-modify-write of that document (``_edit`` changes only what
    the stack manages, ``_raw`` is where its ``customFields`` and so the mark live);
    deleting an object that is already gone is a success.
    """

    def __init__(self, session: DssSession) -> None:
        self.s = session

    def _handle(self, inputs: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def _what(self, inputs: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def _edit(self, settings: Any, new: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
        raise NotImplementedError

    def _raw(self, settings: Any) -> dict[str, Any]:
        raise NotImplementedError

    def _view(self, settings: Any, inputs: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def _delete(self, handle: Any) -> None:
        handle.delete()

    def _complete_create(self, inputs: Mapping[str, Any], mark: Mark) -> None:
        """The writes after a successful POST: settings and mark, in one GET + PUT."""
        with after_creation(self._what(inputs)):
            self._write(Change.creating(inputs, mark))

    def _settings(self, inputs: Mapping[str, Any]) -> Any:
        with self.s.call(f"read the settings of {self._what(inputs)}"):
            return self._handle(inputs).get_settings()

    def _marked_document(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], owner: str | None
    ) -> MarkedDocument:
        """For ``marked.MarkReleaser``: the mark is in the settings document's raw part."""
        settings = self._settings(inputs)

        def save() -> None:
            with self.s.call(f"save the settings of {self._what(inputs)}"):
                settings.save()

        return MarkedDocument(self._raw(settings), save)

    def inspect(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Found | None:
        try:
            settings = self._settings(inputs)
        except NotFound:
            return None
        return found_in(self._view(settings, inputs), self._raw(settings))

    # --- import: a kind implements ``_existing`` (and ``_names``: what a project holds) ---
    def _existing(self, settings: Any, project_key: str, name: str) -> Existing:
        raise NotImplementedError

    def _names(self, project_key: str) -> list[str]:
        raise NotImplementedError

    def read_existing(self, identity: str) -> Existing | None:
        project_key, _, name = identity.partition(".")
        if not name:
            return None
        try:
            settings = self._settings({"project": project_key, "name": name})
        except NotFound:
            return None
        return self._existing(settings, project_key, name)

    def list_existing(self, project_key: str) -> list[Existing]:
        found = []
        for name in self._names(project_key):
            existing = self.read_existing(f"{project_key}.{name}")
            if existing is not None:
                found.append(existing)
        return found

    def lookup(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            raw = self._raw(self._settings(identity))
        except NotFound:
            return None
        return {"project": identity["project"], "name": identity["name"], "type": raw.get("type")}

    def _update(self, change: Change) -> dict[str, Any]:
        if change.before["name"] != change.new["name"]:
            self._rename(change.before, change.new, owner=change.owner)
        self._write(change)
        return dict(change.outputs)

    def _rename(self, old: Mapping[str, Any], new: Mapping[str, Any], *, owner: str | None) -> None:
        """DSS's rename action (renamed in code, found under an alias): the same object keeps
        its data, settings and references. Ownership is proven on the old name first. An old
        name already gone (a rename whose answer was lost) leaves the check to ``_write``,
        which proves the mark on the new name."""
        try:
            if owner is not None:
                check_owner(self._raw(self._settings(old)), owner, self._what(old))
            with self.s.call(f"rename {self._what(old)} to {new['name']}"):
                self._handle(old).rename(new["name"])
        except NotFound:
            pass

    def delete(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, owner: str | None
    ) -> None:
        try:
            if owner is not None:
                check_owner(self._raw(self._settings(inputs)), owner, self._what(inputs))
            with self.s.call(f"delete {self._what(inputs)}"):
                self._delete(self._handle(inputs))
        except NotFound:
            pass

    def _write(self, change: Change) -> None:
        new, old, owner, mark = change.new, change.old, change.owner, change.mark
        settings = self._settings(new)
        check_owner(self._raw(settings), owner, self._what(new))
        self._edit(settings, new, old)
        if mark is not None:
            write_mark(self._raw(settings), mark)
        with self.s.call(f"save the settings of {self._what(new)}"):
            settings.save()
