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
        module = sys.modules[package]
        module.bp = Blueprint(package, package)  # set before the route modules import it from the package
        for route_module in route_modules:
            importlib.import_module(f"{package}.{route_module}")
        return module.bp

    return __getattr__
