"""Provider for ``dss:WikiArticle``: addressed by the id DSS generates, kept in state.

Create is ``wiki.create_article(name, parent_id, content)`` (POST ``/wiki/``, then GET + PUT
of the article data for the body, dss-rest-api.md §8). An article holds no mark (its kind
declares ``holds_mark = False``): as for flow zones, a create first checks that no article of
that name exists (someone else's is a conflict), the id DSS answered is the proof of
ownership, and the creating operation's mark is kept in the outputs (``owned``). A lost
answer is settled by the generic fallback of ``generated``: the article of that name that
appeared after the listing taken just before the create call.

The name and body are the article data (``{article: {name, …}, payload}``) and come from
the kind's schema; the parent is the wiki's taxonomy, moved by DSS's own action
(``DSSWikiSettings.move_article_in_taxonomy``) and read from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsspulumi.errors import ProviderError
from dsspulumi.faults import crash_point
from dsspulumi.kinds import registry, schema
from dsspulumi.provider import Existing, Found, Mark
from dsspulumi.providers.dss.change import Change
from dsspulumi.providers.dss.client import NotFound
from dsspulumi.providers.dss.generated import GeneratedIds
from dsspulumi.providers.dss.owned import carry_mark
from dsspulumi.selftest_samples import HAND, Sample
from dsspulumi.state import ResourceState

TOKEN = "dss:WikiArticle"


def parent_in(taxonomy: list[dict[str, Any]], ident: str, parent: str | None = None) -> Any:
    """The id of the article ``ident`` is under (None at the root); False if not listed."""
    for node in taxonomy:
        if node.get("id") == ident:
            return parent
        found = parent_in(node.get("children") or [], ident, node.get("id"))
        if found is not False:
            return found
    return False


class WikiArticleProvider(GeneratedIds):
    marks_on_create = False  # nowhere to carry one: the name is claimed first (``engine``)
    noun = "wiki article"
    type_token = TOKEN

    def _kind(self) -> type:
        return registry.resource_class(TOKEN)

    def _what(self, inputs: Mapping[str, Any], ident: str | None = None) -> str:
        suffix = f" (id {ident})" if ident else ""
        return f"wiki article {inputs['project']}.{inputs['name']}{suffix}"

    def _wiki(self, key: str) -> Any:
        return self.s.client.get_project(key).get_wiki()

    def _data(self, inputs: Mapping[str, Any], ident: str) -> Any:
        with self.s.call(f"read {self._what(inputs, ident)}"):
            return self._wiki(inputs["project"]).get_article(ident).get_data()

    def _parent(self, key: str, ident: str) -> str | None:
        with self.s.call(f"read the wiki taxonomy of project {key}"):
            taxonomy = self._wiki(key).get_settings().get_taxonomy()
        found = parent_in(taxonomy, ident)
        return None if found is False else found

    def create(self, inputs: Mapping[str, Any], mark: Mark) -> dict[str, Any]:
        self._remember(inputs, mark)
        with self.s.call(f"create {self._what(inputs)}"):
            article = self._wiki(inputs["project"]).create_article(
                inputs["name"], parent_id=inputs.get("parent")
            )
        crash_point("after-create-call", f"{inputs['project']}.{inputs['name']}")
        ident = article.article_id
        outputs = carry_mark({}, mark, id=ident)
        try:
            self._write(inputs, None, ident)
        except ProviderError as exc:
            raise ProviderError(
                f"{self._what(inputs, ident)} was created, but writing its body failed: {exc}",
                dss_message=exc.dss_message,
            ) from exc
        return outputs

    def _write(self, new: Mapping[str, Any], old: Mapping[str, Any] | None, ident: str) -> None:
        data = self._data(new, ident)
        raw = data.article_data
        before = {"name": raw["article"].get("name"), "payload": raw.get("payload")}
        schema.write_into(self._kind(), raw, new, old)
        if {"name": raw["article"].get("name"), "payload": raw.get("payload")} != before:
            with self.s.call(f"save {self._what(new, ident)}"):
                data.save()
        if new.get("parent") is not None:
            key = new["project"]
            with self.s.call(f"read the wiki taxonomy of project {key}"):
                settings = self._wiki(key).get_settings()
            if parent_in(settings.get_taxonomy(), ident) != new["parent"]:
                settings.move_article_in_taxonomy(ident, new["parent"])
                with self.s.call(f"move {self._what(new, ident)} under {new['parent']}"):
                    settings.save()

    def inspect(self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> Found | None:
        try:
            ident, mark = self._locate_unmarked(inputs, outputs)
            raw = self._data(inputs, ident).article_data
            parent = self._parent(inputs["project"], ident) if inputs.get("parent") else None
        except NotFound:
            return None
        view = schema.view_of(self._kind(), raw, inputs, project=inputs["project"], parent=parent)
        found_outputs = {"id": ident, **({"mark": mark} if mark else {})}
        return Found(view, mark, outputs=found_outputs)

    def lookup(self, identity: Mapping[str, Any]) -> dict[str, Any] | None:
        return None  # no .get(): article ids are not known in advance

    # --- import: articles are found by their generated id (``PROJECT.id``) ------------------
    def read_existing(self, identity: str) -> Existing | None:
        key, _, ident = identity.rpartition(".")
        if not key:
            return None
        inputs: Mapping[str, Any] = {"project": key, "name": ident}
        try:
            raw = self._data(inputs, ident).article_data
            parent = self._parent(key, ident)
        except NotFound:
            return None
        found = schema.existing_of(self._kind(), raw, project=key, parent=parent)
        name = raw["article"].get("name")
        return Existing(
            TOKEN, f"{key}.{name}", found, outputs={"id": ident}, aliases=(f"{key}.{ident}",)
        )

    def list_existing(self, project_key: str) -> list[Existing]:
        try:
            articles = self._listing(project_key)
        except NotFound:
            return []
        found = [self.read_existing(f"{project_key}.{a['id']}") for a in articles]
        return [a for a in found if a is not None]

    def _update(self, change: Change) -> dict[str, Any]:
        old, new, outputs = change.before, change.new, change.outputs
        try:
            ident, _ = self._locate_unmarked(new, outputs, proven=True)
        except NotFound as exc:
            raise ProviderError(f"{self._what(new)} cannot be changed: {exc}") from exc
        self._write(new, old, ident)
        return carry_mark(outputs, change.mark, id=ident)

    def delete(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any], *, owner: str | None
    ) -> None:
        try:
            ident, _ = self._locate_unmarked(inputs, outputs, proven=True)
            with self.s.call(f"delete {self._what(inputs, ident)}"):
                self._wiki(inputs["project"]).get_article(ident).delete()
        except NotFound:
            pass


# What ``dss selftest`` declares for this kind (see ``dsspulumi.selftest_samples``).


def _selftest_drift(client: Any, rec: ResourceState) -> None:
    wiki = client.get_project(rec.inputs["project"]).get_wiki()
    data = wiki.get_article(rec.outputs.get("id")).get_data()
    data.set_body(HAND)
    data.save()


SELFTEST = Sample(
    "dss:WikiArticle",
    'dss.WikiArticle("selftest_article", project=project, body="selftest v$v")',
    logical="$key.selftest_article",
    path="body",
    drift=_selftest_drift,
)
