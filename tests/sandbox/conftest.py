"""Make the ``dss_sandbox`` fixture available even before the package is pip-installed.

Once installed, the ``pytest11`` entry point registers the plugin itself (as does
``-p dsspulumi.sandbox.pytest_plugin``); registering the same module twice is avoided.
"""

from __future__ import annotations

import pytest

import dsspulumi.sandbox.pytest_plugin as sandbox_plugin


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.is_registered(sandbox_plugin):
        config.pluginmanager.register(sandbox_plugin, "dsspulumi.sandbox.pytest_plugin")
