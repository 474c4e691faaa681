"""Finding, loading and calling modules: one registry per app, made by the app factory.

Modules come from the entry-point group `onemap.modules` (built-ins included). A module that
fails to load, declares a hook the contract does not know, or raises in a hook is recorded
with its name (logged, and shown on the admin page) and the rest of the app keeps working.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from modules import contract
from modules.signals import SignalBus

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModuleFailure:
    module: str
    stage: str  # "load", "contract" or the hook's name
    error: str


class ModuleRegistry:
    def __init__(self, disabled: frozenset[str] = frozenset()) -> None:
        self.pm = pluggy.PluginManager(contract.PROJECT)
        self.pm.add_hookspecs(contract)
        self.failures: list[ModuleFailure] = []
        self.disabled = disabled
        self.bus = SignalBus()
        self._load()
        # Module tables join the shared metadata, so models and migrations can be compared.
        from store.models import Base

        self.call("register_tables", metadata=Base.metadata)

    def _load(self) -> None:
        for entry in sorted(
            metadata.entry_points(group=contract.ENTRY_POINT_GROUP), key=lambda e: e.name
        ):
            if entry.name in self.disabled or self.pm.has_plugin(entry.name):
                continue
            try:
                self.pm.register(entry.load(), name=entry.name)
                # Every hook must be one the contract knows: a misspelt hook fails loudly.
                self.pm.check_pending()
            except Exception as error:
                self._fail(entry.name, "load", error)
                if self.pm.has_plugin(entry.name):
                    self.pm.unregister(name=entry.name)

    def _fail(self, module: str, stage: str, error: BaseException) -> None:
        LOGGER.error("module %s failed in %s: %r", module, stage, error)
        self.failures.append(ModuleFailure(module, stage, repr(error)))

    @property
    def names(self) -> list[str]:
        return sorted(name for name, _ in self.pm.list_name_plugin())

    def info(self) -> list[contract.ModuleInfo]:
        """The loaded modules; a module's id must be its entry-point name."""
        found = []
        for name, result in self.call("module_info"):
            if isinstance(result, contract.ModuleInfo) and result.id == name:
                found.append(result)
            else:
                self._fail(
                    name,
                    "module_info",
                    TypeError(f"{name}: module_info must return ModuleInfo with id == entry point"),
                )
        return sorted(found, key=lambda m: m.id)

    def call(self, hook: str, only: str | None = None, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call one hook on every module (or `only` one), each on its own: one module raising
        is recorded and skipped. Returns (module name, result) for those that answered."""
        results = []
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            if only is not None and impl.plugin_name != only:
                continue
            try:
                result = impl.function(*[kwargs[arg] for arg in impl.argnames])
            except Exception as error:
                self._fail(impl.plugin_name, hook, error)
                continue
            if result is not None:
                results.append((impl.plugin_name, result))
        return sorted(results, key=lambda pair: pair[0])

    def collect(self, hook: str, kind: type, **kwargs: Any) -> list:
        """Flatten list results of a hook, keeping only values of the expected type."""
        items = []
        for name, result in self.call(hook, **kwargs):
            for item in result if isinstance(result, list | tuple) else [result]:
                if isinstance(item, kind):
                    items.append(item)
                else:
                    self._fail(name, hook, TypeError(f"{hook} returned {type(item).__name__}"))
        return sorted(items, key=lambda item: (getattr(item, "order", 0), item.id))
