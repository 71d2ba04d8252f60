"""``import kpilib.execution`` for the analysts' API names whose modules live in a layer folder.

:data:`kpilib.PUBLIC_MODULES` maps each public name (``execution``) to the module that holds it
(``kpilib.kpis.budget_execution``). Attribute access goes through the package's ``__getattr__``;
this finder makes the dotted import statement load the same module object, so
``import kpilib.execution`` and ``kpilib.kpis.budget_execution`` are one module, never a copy.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Mapping, Sequence
from types import ModuleType


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target
        self.target_spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target)
        self.target_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        """The target ran when it was imported; give it back the spec the import system
        replaced with the alias's (``module.__spec__`` must keep naming its own file)."""
        if self.target_spec is not None:
            module.__spec__ = self.target_spec


class PublicNameFinder(importlib.abc.MetaPathFinder):
    """Finds ``<package>.<public name>`` as the module :data:`aliases` names."""

    def __init__(self, package: str, aliases: Mapping[str, str]) -> None:
        self.aliases = {
            f"{package}.{name}": target
            for name, target in aliases.items()
            if target != f"{package}.{name}"
        }

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.aliases:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(self.aliases[fullname]))


def install(package: str, aliases: Mapping[str, str]) -> None:
    """Put a :class:`PublicNameFinder` for ``package`` on ``sys.meta_path`` (once)."""
    if not any(
        isinstance(finder, PublicNameFinder) and package + "." in next(iter(finder.aliases), "")
        for finder in sys.meta_path
    ):
        sys.meta_path.append(PublicNameFinder(package, aliases))
