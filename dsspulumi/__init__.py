"""dsspulumi: infrastructure as code for Dataiku DSS.

The public API of stack programs, imported as ``import dsspulumi as dss``.

The names are loaded on first use (PEP 562): ``dss --version`` and ``dss --help``
import this package too, and must not pay for attrs, the resource classes and the
config machinery they never use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dsspulumi import _lazy
from dsspulumi.kinds import registry

# The one place the version is written (pyproject.toml reads it from here).
__version__ = "0.1.0"

if TYPE_CHECKING:
    from dsspulumi.config import Config as Config
    from dsspulumi.errors import DssPulumiError as DssPulumiError
    from dsspulumi.output import Output as Output
    from dsspulumi.resource import ComponentResource as ComponentResource
    from dsspulumi.resource import File as File
    from dsspulumi.resource import Resource as Resource
    from dsspulumi.resource import ResourceOptions as ResourceOptions
    from dsspulumi.resource import export as export
    from dsspulumi.resources import *  # noqa: F403  (every registered kind's names)
    from dsspulumi.stack_reference import StackReference as StackReference

# Where each public name lives: the core names here, every resource kind's from the one
# registry of kinds (``dsspulumi.kinds.registry``), through ``dsspulumi.resources``.
_CORE = {
    "ComponentResource": "dsspulumi.resource",
    "Config": "dsspulumi.config",
    "DssPulumiError": "dsspulumi.errors",
    "File": "dsspulumi.resource",
    "Output": "dsspulumi.output",
    "Resource": "dsspulumi.resource",
    "ResourceOptions": "dsspulumi.resource",
    "StackReference": "dsspulumi.stack_reference",
    "export": "dsspulumi.resource",
}
_SOURCES = dict(
    sorted({**_CORE, **dict.fromkeys(registry.resource_sources(), "dsspulumi.resources")}.items())
)

__all__ = list(_SOURCES)


__getattr__, __dir__ = _lazy.loader(__name__, _SOURCES, globals())
