"""Provider for ``dss:CodeEnv``: builds are long tasks, waited for with progress and a timeout.

Create, as Dataiku's own Ansible module does (dss-rest-api.md §9.3): POST the env (a long
task: a future), then GET → set the package list (and ``extra_settings``) → PUT, then POST
``packages`` (another long task). Each task is polled (``GET /futures/{id}``) with a
growing delay, its state reported to the display, and abandoned after the resource's
``timeout`` with an error that says so (the task goes on in DSS; the next ``dss up`` reads
what it left). A build that DSS reports as failed (``messages.error``) is an error with
DSS's messages; the env's package list is then put back as it was, so that the next
``dss up`` tries the install again instead of recording it as done.

A code env's name is unique on the instance, whatever its language; a missing env is
answered with a 500 by DSS (§1.4), so existence is always checked in the list first.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from dataikuapi.dss.future import DSSFuture

from dsspulumi.errors import ProviderError
from dsspulumi.kinds import schema
from dsspulumi.provider import Existing
from dsspulumi.providers.dss.change import Change
from dsspulumi.providers.dss.client import NotFound
from dsspulumi.providers.dss.instance import InstanceObjectProvider, admin_call
from dsspulumi.selftest_samples import Sample
from dsspulumi.state import ResourceState

POLL_FIRST = 0.2
POLL_MAX = 2.0
REPORT_EVERY = 5.0  # seconds between progress reports of one task (polls are more frequent)


def _message_text(messages: Any) -> str:
    items = messages.get("messages") if isinstance(messages, Mapping) else None
    texts = [str(m.get("message")) for m in items or [] if isinstance(m, Mapping)]
    return "; ".join(texts) or "no message"


class CodeEnvProvider(InstanceObjectProvider):
    type_token = "dss:CodeEnv"

    def read_existing(self, identity: str) -> Existing | None:
        """A code env is named without its language: the one of that name DSS lists."""
        with admin_call(self.s, f"list the code envs (looking for {identity})"):
            listed = self.s.client.list_code_envs()
        langs = [str(e.get("envLang")).upper() for e in listed if e.get("envName") == identity]
        if len(langs) != 1:
            return None
        identity_inputs = {"name": identity, "lang": langs[0]}
        try:
            doc = self._get(identity_inputs)
        except NotFound:
            return None
        inputs = schema.existing_of(self._kind(), doc, name=identity, lang=langs[0])
        return Existing(self.type_token, identity, inputs)

    def _what(self, inputs: Mapping[str, Any]) -> str:
        return f"code env {inputs['name']}"

    def _handle(self, inputs: Mapping[str, Any]) -> Any:
        return self.s.client.get_code_env(inputs["lang"], inputs["name"])

    def _get(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        with admin_call(self.s, f"list the code envs (looking for {inputs['name']})"):
            listed = self.s.client.list_code_envs()
        if not any(
            e.get("envName") == inputs["name"] and str(e.get("envLang")).upper() == inputs["lang"]
            for e in listed
        ):
            raise NotFound(self._what(inputs))
        with admin_call(self.s, f"read {self._what(inputs)}"):
            doc: dict[str, Any] = self._handle(inputs).get_definition()
        return doc

    def _put(self, inputs: Mapping[str, Any], doc: dict[str, Any]) -> None:
        with admin_call(self.s, f"save {self._what(inputs)}"):
            self._handle(inputs).set_definition(doc)

    def _post(self, inputs: Mapping[str, Any]) -> None:
        params: dict[str, Any] = {}
        if inputs.get("python_interpreter"):
            params["pythonInterpreter"] = inputs["python_interpreter"]
        with admin_call(self.s, f"create {self._what(inputs)}"):
            future = self.s.client.create_code_env(
                inputs["lang"], inputs["name"], inputs["deployment_mode"], params, wait=False
            )
        self._wait(future, inputs, "building")

    def _remove(self, inputs: Mapping[str, Any]) -> None:
        with admin_call(self.s, f"delete {self._what(inputs)}"):
            self._handle(inputs).delete()

    def _write(self, change: Change) -> dict[str, Any]:
        new, old = change.new, change.old
        before = self._get(new)
        result = super()._write(change)
        if (before.get("specPackageList") or "") != "\n".join(new["packages"]) or old is None:
            try:
                self._install(new)
            except ProviderError:
                # Put the list back: the record must not say these packages are installed.
                with admin_call(self.s, f"restore the package list of {self._what(new)}"):
                    doc = self._get(new)
                    doc["specPackageList"] = before.get("specPackageList") or ""
                    self._put(new, doc)
                raise
        return result

    def _install(self, inputs: Mapping[str, Any]) -> None:
        with admin_call(self.s, f"install the packages of {self._what(inputs)}"):
            future = self._handle(inputs).update_packages(wait=False)
        self._wait(future, inputs, "installing packages")

    def _wait(self, future: Any, inputs: Mapping[str, Any], doing: str) -> None:
        """Poll a DSS long task until it finishes, reporting progress; raise on failure."""
        what = self._what(inputs)
        timeout = float(inputs.get("timeout") or 900.0)
        started = time.monotonic()
        delay = POLL_FIRST
        state = (
            future.state if isinstance(future, DSSFuture) else {"hasResult": True, "result": future}
        )
        job = getattr(future, "job_id", None)
        self.s.progress(f"{doing} (DSS job {job})" if job else doing)
        reported = started
        while not state.get("hasResult"):
            elapsed = time.monotonic() - started
            if elapsed >= timeout:
                raise ProviderError(
                    f"{what}: DSS was still {doing} after {timeout:.0f}s (the resource's "
                    f"timeout), so dsspulumi stopped waiting; DSS job {job} goes on. Run "
                    "`dss up` again later (it reads what the job left), or raise timeout="
                )
            if state.get("alive") is False and not state.get("hasResult"):
                raise ProviderError(f"{what}: the DSS job {doing} stopped without a result")
            time.sleep(min(delay, max(0.0, timeout - elapsed)))
            delay = min(delay * 1.5, POLL_MAX)
            with admin_call(self.s, f"check the DSS job {doing} {what}"):
                state = future.get_state()
            if time.monotonic() - reported >= REPORT_EVERY:
                reported = time.monotonic()
                self.s.progress(f"{doing} ({reported - started:.0f}s)")
        result = state.get("result") or {}
        messages = result.get("messages") if isinstance(result, Mapping) else None
        if isinstance(messages, Mapping) and messages.get("error"):
            raise ProviderError(f"DSS failed {doing} for {what}: {_message_text(messages)}")
        self.s.progress(f"{doing}: done in {time.monotonic() - started:.1f}s")


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).


def _selftest_drift(client: Any, rec: ResourceState) -> None:
    env = client.get_code_env(rec.inputs["lang"], rec.inputs["name"])
    doc = env.get_definition()
    doc["specPackageList"] = "\n".join([*rec.inputs.get("packages", []), "six"])
    env.set_definition(doc)


SELFTEST = Sample(
    "dss:CodeEnv",
    'dss.CodeEnv("${dashed}-env", lang="python",\n'
    '            packages=[] if "$v" == "1" else ["six"])',
    logical="${dashed}-env",
    path="packages",
    drift=_selftest_drift,
    admin=True,
)
