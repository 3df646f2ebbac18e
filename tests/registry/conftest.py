"""The throwaway vendor of these tests, registered for a test and taken away after it."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def acme() -> Iterator[Any]:
    """The throwaway vendor module, imported (which registers it) and unregistered after; a
    second test imports it again (a reload) to register it again."""
    name = "tests.registry.acme_vendor"
    module = (
        importlib.reload(sys.modules[name])
        if name in sys.modules
        else (importlib.import_module(name))
    )
    try:
        yield module
    finally:
        module.unregister()
