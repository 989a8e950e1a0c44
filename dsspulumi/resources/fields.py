"""Properties many kinds declare alike, written once (kept free of ``Project``, so the
instance objects can use them without importing the project kinds)."""

from __future__ import annotations

from typing import Any

from dsspulumi.kinds.schema import (
    prop,
    read_extra_settings,
    read_tags,
    write_extra_settings,
    write_tags,
)
from dsspulumi.resources import validators as v

EXTRA_SETTINGS_DOC = (
    "any other settings, merged into DSS's settings document (only these keys compared)"
)


def extra_settings_prop(doc: str = EXTRA_SETTINGS_DOC, input_from: str | None = None) -> Any:
    """The ``extra_settings`` escape hatch: keys merged into the settings document DSS keeps
    for the object, and only those keys compared (``input_from``: a kind that folds another
    argument into them, such as a recipe's ``code_env``)."""
    return prop(
        input_from=input_from,
        read=read_extra_settings,
        write=write_extra_settings,
        described=True,
        factory=dict,
        validator=v.json_dict,
        doc=doc,
    )


def tags_prop(**options: Any) -> Any:
    """An object's ``tags``: compared without, and written keeping, the tag a creation body
    may carry the ownership mark in (``schema.read_tags``/``write_tags``), for every kind."""
    return prop(
        dss="tags",
        read=read_tags,
        write=write_tags,
        factory=list,
        converter=v.to_list,
        validator=v.str_list,
        **options,
    )
