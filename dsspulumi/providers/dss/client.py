"""The DSS session every provider shares, and the one place DSS errors are translated.

``dataikuapi`` raises a single ``DataikuException`` whose text starts with
DSS's errorType; "not found" can only be told from that prefix
(dss-rest-api.md §1.4, §13). Transport errors come from ``requests``.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Mapping
from typing import Any

import requests
from dataikuapi import DSSClient
from dataikuapi.utils import DataikuException

from dsspulumi.errors import DssConnectionError, ProviderError

NOT_FOUND_PREFIXES = (
    "com.dataiku.dip.server.controllers.NotFoundException",
    "com.dataiku.dip.exceptions.NotFoundException",
)


class NotFound(Exception):
    """Internal: the object does not exist in DSS."""


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
        if is_not_found(exc):
            raise NotFound(str(exc)) from exc
        raise ProviderError(f"DSS refused to {what}: {exc}", dss_message=str(exc)) from exc
    except requests.exceptions.ConnectionError as exc:
        raise DssConnectionError(
            f"cannot reach DSS at {url} while trying to {what}; check the URL and that DSS is up"
        ) from exc
    except requests.exceptions.RequestException as exc:
        raise DssConnectionError(f"HTTP error talking to DSS at {url} ({what}): {exc}") from exc


class DssSession:
    """A DSS client plus who we are on it."""

    def __init__(self, url: str, api_key: str, *, verify_tls: bool = True) -> None:
        self.url = url
        self.client = DSSClient(url, api_key, no_check_certificate=not verify_tls)
        self._auth: dict[str, Any] | None = None

    def call(self, what: str) -> contextlib.AbstractContextManager[None]:
        return dss_call(what, self.url)

    def auth_info(self) -> dict[str, Any]:
        if self._auth is None:
            try:
                with self.call("check the API key (GET /auth/info)"):
                    self._auth = self.client.get_auth_info()
            except ProviderError as exc:
                raise DssConnectionError(
                    f"DSS at {self.url} refused the API key: {exc.dss_message}. Check DKU_API_KEY "
                    "or the secret config dss:api_key"
                ) from exc
            except NotFound as exc:
                raise DssConnectionError(
                    f"{self.url} does not look like a DSS server (GET /auth/info: {exc})"
                ) from exc
        return self._auth

    @property
    def owner(self) -> str:
        auth = self.auth_info()
        return str(auth.get("associatedDSSUser") or auth.get("authIdentifier") or "admin")


# --- helpers shared by the resource providers -----------------------------------------------


def deep_merge(target: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``extra`` into ``target`` in place: dicts recursively, everything else replaced."""
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            deep_merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def pick_paths(source: Mapping[str, Any], declared: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``source`` shaped like ``declared`` (only the keys the stack declares)."""
    out: dict[str, Any] = {}
    for key, want in declared.items():
        have = source.get(key) if isinstance(source, Mapping) else None
        if isinstance(want, Mapping) and isinstance(have, Mapping):
            out[key] = pick_paths(have, want)
        else:
            out[key] = copy.deepcopy(have)
    return out


def managed_value(declared: Any, actual: Any) -> Any:
    """A property declared as None is not managed: report it as None whatever DSS holds."""
    return None if declared is None else actual


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


class ProjectObjectProvider:
    """What dataset and recipe providers share: one DSS settings document per object.

    Updates are one read-modify-write of that document (``_edit`` changes only what
    the stack manages); deleting an object that is already gone is a success.
    """

    def __init__(self, session: DssSession) -> None:
        self.s = session

    def _handle(self, inputs: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def _what(self, inputs: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def _edit(self, settings: Any, new: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
        raise NotImplementedError

    def _delete(self, handle: Any) -> None:
        handle.delete()

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], outputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        self._write(new, old)
        return dict(outputs)

    def delete(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> None:
        try:
            with self.s.call(f"delete {self._what(inputs)}"):
                self._delete(self._handle(inputs))
        except NotFound:
            pass

    def _write(self, new: Mapping[str, Any], old: Mapping[str, Any] | None) -> None:
        handle = self._handle(new)
        with self.s.call(f"read the settings of {self._what(new)}"):
            settings = handle.get_settings()
        self._edit(settings, new, old)
        with self.s.call(f"save the settings of {self._what(new)}"):
            settings.save()
