"""The project inventory: everything DSS holds in a project, whatever its kind.

Deleting a DSS project deletes everything in it, so before ``destroy`` deletes a project it
must know all of it, not only the kinds dsspulumi models; ``dss import project`` uses the same
list to report what it cannot import. One table, :data:`LISTINGS`, names every kind of
object ``dataikuapi``'s ``DSSProject`` can list; :func:`project_inventory` reads them all.

What is left out, on purpose: what is not an object someone made (jobs and their logs,
running notebooks, continuous activities, ML task queues, LLM conversations, macros, plugin
usages), what lives outside the project (SQL and Hive tables, connections, LLMs) and
exported bundles (archives of the project itself). The project's own documents (settings,
variables, permissions, the library) go with it by definition.

A DSS too old for a listing answers its URL with a 404 page: that kind does not exist there,
so it holds none. Any other failure to list a kind (403, 5xx after retries, an answer of an
unexpected shape) is kept in :attr:`Inventory.unreadable`, never taken for "none": a caller
about to delete must stop (fail closed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

import attrs
from dataikuapi.utils import DataikuException

from dsspulumi.errors import ProviderError, TransientError
from dsspulumi.kinds.registry import listing_tokens
from dsspulumi.providers.dss.client import DssSession, NotFound
from dsspulumi.providers.dss.transport import last_error


@attrs.frozen
class ProjectObject:
    """One object of a project: its kind (``"flow zone"``), its id and its name."""

    kind: str
    id: str
    name: str

    def describe(self) -> str:
        return self.name if self.name == self.id else f"{self.name} (id {self.id})"


@attrs.frozen
class Inventory:
    """What :func:`project_inventory` found in one project."""

    project_key: str
    objects: tuple[ProjectObject, ...]
    #: ``(plural label, why)`` for every kind that could not be listed: its objects are unknown.
    unreadable: tuple[tuple[str, str], ...] = ()
    #: Kinds this DSS does not serve at all (an older version): it holds none of them.
    not_served: tuple[str, ...] = ()


Items = Iterable[tuple[str, str]]  # (id, name)


@attrs.frozen
class Listing:
    """How to list one kind of project object through ``dataikuapi``."""

    kind: str
    plural: str
    read: Callable[[Any], Items]  # DSSProject -> (id, name) of each object
    #: Every DSS serves this listing: even a 404 of its URL is a failure, not "none".
    required: bool = False
    #: Kinds DSS keeps as one (agents are saved models): an id is reported once per family.
    family: str | None = None

    @property
    def token(self) -> str | None:
        """The dsspulumi resource type that models this kind, if any: the kinds registry says
        (its ``listing=``), so that adding a kind names its type token in one place."""
        return listing_tokens().get(self.kind)


def _field(item: Any, key: str) -> Any:
    """A list item's field: its raw key when the item is a dict (the client's list-item
    classes are; some properties lie: ``DSSScenarioListItem.id`` is the name), else the
    property of the client's list-item class."""
    if isinstance(item, Mapping) and key in item:
        return item[key]
    try:
        return getattr(item, key)
    except (AttributeError, KeyError):
        return None


def _named(items: Iterable[Any], id_key: str = "id", name_key: str = "name") -> Items:
    """List items that have an id and a name (a missing id is an answer of unexpected shape)."""
    for item in items:
        ident = _field(item, id_key)
        if ident is None:
            raise KeyError(id_key)
        yield str(ident), str(_field(item, name_key) or ident)


def _name_or_id(ident: str, read_name: Callable[[], Any]) -> str:
    """One more GET for the name. Whatever DSS answers, the object is reported: by its id if
    its name cannot be read (a 5xx still goes up, as a transient failure)."""
    try:
        return str(read_name() or ident)
    except DataikuException:
        return ident


def _zones(project: Any) -> Items:
    for zone in project.get_flow().list_zones():
        if zone.id != "default":
            yield zone.id, zone.name


def _taxonomy_ids(nodes: list[dict[str, Any]]) -> list[str]:
    out = []
    for node in nodes:
        out.append(str(node["id"]))
        out += _taxonomy_ids(node.get("children") or [])
    return out


def _wiki_articles(project: Any) -> Items:
    wiki = project.get_wiki()
    for ident in _taxonomy_ids(wiki.get_settings().get_taxonomy()):
        yield ident, _name_or_id(ident, partial(_article_name, wiki, ident))


def _article_name(wiki: Any, ident: str) -> Any:
    return wiki.get_article(ident).get_data().get_name()


def _evaluation_stores(project: Any) -> Items:
    for store in project.list_evaluation_stores():
        yield str(store.id), _name_or_id(str(store.id), partial(_raw_field, store, "name"))


def _comparisons(project: Any) -> Items:
    for cmp in project.list_model_comparisons():
        yield str(cmp.id), _name_or_id(str(cmp.id), partial(_raw_field, cmp, "displayName"))


def _raw_field(handle: Any, key: str) -> Any:
    return handle.get_settings().get_raw().get(key)


#: Flow graph node types listed on their own (or not objects at all).
_LISTED_NODE_TYPES = frozenset(
    {
        "COMPUTABLE_DATASET",
        "COMPUTABLE_FOLDER",
        "COMPUTABLE_SAVED_MODEL",
        "COMPUTABLE_MODEL_EVALUATION_STORE",
        "COMPUTABLE_STREAMING_ENDPOINT",
        "COMPUTABLE_RETRIEVABLE_KNOWLEDGE",
        "RUNNABLE_RECIPE",
        "RUNNABLE_IMPLICIT_RECIPE",
        "RUNNABLE_LABELING_TASK",
    }
)


def _graph_nodes(project: Any, wanted: Callable[[str], bool]) -> Items:
    for node in project.get_flow().get_graph().nodes.values():
        ref, node_type = str(node["ref"]), str(node["type"])
        if "." not in ref and wanted(node_type):  # OTHER.name: another project's object
            yield ref, ref if node_type == "RUNNABLE_LABELING_TASK" else f"{ref} ({node_type})"


def _other_flow_object(node_type: str) -> bool:
    return node_type.startswith(("COMPUTABLE_", "RUNNABLE_")) and (
        node_type not in _LISTED_NODE_TYPES
    )


LISTINGS: tuple[Listing, ...] = (
    Listing(
        "dataset",
        "datasets",
        lambda p: ((d["name"], d["name"]) for d in p.list_datasets(as_type="listitems")),
        required=True,
    ),
    Listing(
        "recipe",
        "recipes",
        lambda p: ((r["name"], r["name"]) for r in p.list_recipes(as_type="listitems")),
        required=True,
    ),
    Listing(
        "managed folder",
        "managed folders",
        lambda p: _named(p.list_managed_folders()),
        required=True,
    ),
    Listing(
        "scenario",
        "scenarios",
        lambda p: _named(p.list_scenarios(as_type="listitems")),
        required=True,
    ),
    Listing("flow zone", "flow zones", _zones, required=True),
    Listing(
        "Jupyter notebook",
        "Jupyter notebooks",
        lambda p: ((n.name, n.name) for n in p.list_jupyter_notebooks(as_type="listitems")),
    ),
    Listing(
        "SQL notebook",
        "SQL notebooks",
        lambda p: _named(p.list_sql_notebooks()),
    ),
    Listing("web app", "web apps", lambda p: _named(p.list_webapps())),
    Listing("wiki article", "wiki articles", _wiki_articles),
    Listing("dashboard", "dashboards", lambda p: _named(p.list_dashboards())),
    Listing("insight", "insights", lambda p: _named(p.list_insights())),
    Listing("agent", "agents", lambda p: _named(p.list_agents()), family="saved model"),
    Listing(
        "retrieval-augmented LLM",
        "retrieval-augmented LLMs",
        lambda p: _named(p.list_retrieval_augmented_llms()),
        family="saved model",
    ),
    Listing(
        "saved model",
        "saved models",
        lambda p: _named(p.list_saved_models()),
        family="saved model",
    ),
    Listing("model evaluation store", "model evaluation stores", _evaluation_stores),
    Listing("model comparison", "model comparisons", _comparisons),
    Listing("knowledge bank", "knowledge banks", lambda p: _named(p.list_knowledge_banks())),
    Listing(
        "labelling task",
        "labelling tasks",
        lambda p: _graph_nodes(p, lambda t: t == "RUNNABLE_LABELING_TASK"),
    ),
    Listing("code studio", "code studios", lambda p: _named(p.list_code_studios())),
    Listing(
        "streaming endpoint",
        "streaming endpoints",
        lambda p: _named(p.list_streaming_endpoints()),
    ),
    Listing(
        "visual analysis",
        "visual analyses",
        lambda p: (
            (ident, name)
            for a in p.list_analyses()
            for ident, name in _named(
                [a],
                "analysisId" if "analysisId" in a else "id",
                "analysisName" if "analysisName" in a else "name",
            )
        ),
    ),
    Listing("API service", "API services", lambda p: _named(p.list_api_services())),
    Listing("semantic model", "semantic models", lambda p: _named(p.list_semantic_models())),
    Listing("agent tool", "agent tools", lambda p: _named(p.list_agent_tools())),
    Listing("agent skill", "agent skills", lambda p: _named(p.list_agent_skills())),
    Listing("agent review", "agent reviews", lambda p: _named(p.list_agent_reviews())),
    Listing(
        "other flow object",
        "other flow objects",
        lambda p: _graph_nodes(p, _other_flow_object),
    ),
)
PLURALS = {listing.kind: listing.plural for listing in LISTINGS}


def project_inventory(
    session: DssSession, project_key: str, *, skip: Iterable[str] = ()
) -> Inventory:
    """Everything DSS holds in project ``project_key``, whatever its kind.

    One listing per kind in :data:`LISTINGS` (``skip``: resource type tokens whose kinds the
    caller lists itself), each through ``session.call`` so that retries and errors behave as
    for every other call. A kind this DSS does not serve (its URL answers 404) holds nothing.
    A kind that cannot be listed for another reason is reported in ``unreadable``, never taken
    for empty. Raises ``NotFound`` if the project does not exist, and lets transient and
    connection errors through (DSS, not the listing, is failing).
    """
    project = session.client.get_project(project_key)
    skip = set(skip)
    objects: list[ProjectObject] = []
    seen: set[tuple[str, str]] = set()
    unreadable: list[tuple[str, str]] = []
    not_served: list[str] = []
    for listing in LISTINGS:
        if listing.token is not None and listing.token in skip:
            continue
        last_error.status = None  # tell this listing's 404 from an earlier one
        try:
            with session.call(f"list the {listing.plural} of project {project_key}"):
                found = list(listing.read(project))
        except NotFound:
            if listing.required:
                raise  # the project itself is gone
            continue  # gone while listed: nothing of that kind
        except TransientError:
            raise
        except ProviderError as exc:
            if last_error.status == 404 and not listing.required:
                not_served.append(listing.plural)
            else:
                unreadable.append((listing.plural, str(exc)))
            continue
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            unreadable.append((listing.plural, f"DSS's answer had an unexpected shape ({exc!r})"))
            continue
        family = listing.family or listing.kind
        for ident, name in found:
            if (family, ident) not in seen:
                seen.add((family, ident))
                objects.append(ProjectObject(listing.kind, ident, name))
    return Inventory(project_key, tuple(objects), tuple(unreadable), tuple(not_served))


def listed(session: DssSession, project_key: str, token: str) -> list[ProjectObject]:
    """The objects of one modelled kind (``token``), read with the inventory's own listing.

    What the providers list a project with -- ``dss import project``, and finding an object
    whose create answer was lost -- so that what a project holds is listed one way for the
    safeguard, the import and the providers. Raises ``NotFound`` if the project is gone.
    """
    listing = next(item for item in LISTINGS if item.token == token)
    project = session.client.get_project(project_key)
    with session.call(f"list the {listing.plural} of project {project_key}"):
        return [ProjectObject(listing.kind, ident, name) for ident, name in listing.read(project)]


def describe_objects(objects: Iterable[ProjectObject], limit: int = 12) -> str:
    """``"datasets A, B; flow zones Prep (id x7)"``: grouped by kind, at most ``limit`` shown."""
    objects = list(objects)
    groups: dict[str, list[str]] = {}
    for obj in objects[:limit]:
        groups.setdefault(obj.kind, []).append(obj.describe())
    text = "; ".join(
        f"{PLURALS.get(kind, kind + 's')} {', '.join(sorted(names))}"
        for kind, names in groups.items()
    )
    if len(objects) > limit:
        text += f"; and {len(objects) - limit} more ({len(objects)} objects in all)"
    return text


def unsupported_objects(session: DssSession, project_key: str, served: Iterable[str]) -> list[str]:
    """``"<kind> <PROJECT>.<name>: ..."`` for every object no provider can import.

    For ``dss import project``: the kinds a provider serves are imported by their providers,
    so they are skipped here; a kind that could not be listed is said, not passed over.
    """
    inventory = project_inventory(session, project_key, skip=served)
    out = [
        f"{o.kind} {project_key}.{o.describe()}: no dsspulumi resource type yet"
        for o in inventory.objects
    ]
    out += [
        f"{plural} of project {project_key}: could not be listed, check them in DSS ({why})"
        for plural, why in inventory.unreadable
    ]
    return out
