"""More code recipes: R, PySpark, Spark SQL and shell, each with ``dss.PythonRecipe``'s
signature (``code`` a string or ``dss.File``; ``code_env`` where DSS runs the code in one).

They are ``dss:Recipe`` objects of another DSS type (``r``, ``pyspark``, ``spark_sql_query``,
``shell``): the recipe provider creates them with the client's code recipe creator and writes
the code as the recipe's payload, and a new type is a replacement, as for every recipe.
"""

from __future__ import annotations

from typing import ClassVar

from dsspulumi.errors import ResourceValidationError
from dsspulumi.resource import resource_type
from dsspulumi.resources.recipe import PythonRecipe, code_prop


class _CodeRecipe(PythonRecipe):
    """PythonRecipe's checks, said with the class the user wrote."""

    def validate(self) -> None:
        try:
            super().validate()
        except ResourceValidationError as exc:
            raise ResourceValidationError(
                str(exc).replace("PythonRecipe", type(self).__name__, 1)
            ) from None


@resource_type("dss:Recipe", replace_on=("type",))
class RRecipe(_CodeRecipe):
    """An R recipe; ``code`` is a string or ``dss.File``; ``code_env`` an R code env."""

    recipe_type: ClassVar[str] = "r"
    code: str = code_prop(".R")


@resource_type("dss:Recipe", replace_on=("type",))
class PySparkRecipe(_CodeRecipe):
    """A PySpark recipe; ``code`` is a string or ``dss.File``; ``code_env`` a Python env."""

    recipe_type: ClassVar[str] = "pyspark"
    code: str = code_prop(".py")


@resource_type("dss:Recipe", replace_on=("type",))
class SparkSQLRecipe(_CodeRecipe):
    """A Spark SQL query recipe; ``code`` is the query, a string or ``dss.File``."""

    recipe_type: ClassVar[str] = "spark_sql_query"
    code: str = code_prop(".sql")


@resource_type("dss:Recipe", replace_on=("type",))
class ShellRecipe(_CodeRecipe):
    """A shell recipe; ``code`` is the script, a string or ``dss.File``."""

    recipe_type: ClassVar[str] = "shell"
    code: str = code_prop(".sh")
