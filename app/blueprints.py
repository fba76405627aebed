"""Package blueprints made on first use, so a process that needs only domain code skips the web side."""
from __future__ import annotations

import importlib
import sys
from typing import Callable

from flask import Blueprint


def blueprint_on_demand(package: str, *route_modules: str) -> Callable[[str], Blueprint]:
    """A module `__getattr__` that makes `<package>.bp` when first asked for and imports the modules
    that attach its routes (the rating worker imports `voting` and `contest` models, never their routes)."""

    def __getattr__(name: str) -> Blueprint:
        if name != "bp":
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        for route_module in route_modules:  # each attaches its routes to `<package>.blueprint.bp`
            importlib.import_module(f"{package}.{route_module}")
        module = sys.modules[package]
        module.bp = importlib.import_module(f"{package}.blueprint").bp
        return module.bp

    return __getattr__
