"""Finding, loading and calling modules: one registry per app, made by the app factory.

Modules come from the entry-point group `onemap.modules` (built-ins included). A module that
fails to load, declares a hook the SDK does not know, or raises in a hook is recorded with its
name (logged, and shown on the admin page) and the rest of the app keeps working.

Hooks are dispatched by pluggy itself, so its ordering (`tryfirst`, `trylast`, last registered
first) and `firstresult` hold. Each module's implementations are registered wrapped: a
wrapper answers `(module, result)`, or None when the module raised (recorded) or had nothing
to say, which is what lets one module fail alone.
"""

from __future__ import annotations

import functools
import logging
import types
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from access.permissions import CORE_PERMISSIONS, Permission, grants_of
from access.scoped import system_viewer
from app.signals import SignalBus
from modules.sdk import hooks
from modules.sdk.types import ModuleInfo

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModuleFailure:
    module: str
    stage: str  # "load", "contract" or the hook's name
    error: str


class _Guarded:
    """What pluggy sees of a module: its hook implementations, wrapped (plugins are kept
    in dicts, so this must be hashable)."""

    def __init__(self, name: str) -> None:
        self.__name__ = name


class ModuleRegistry:
    def __init__(self, disabled: frozenset[str] = frozenset()) -> None:
        self.pm = pluggy.PluginManager(hooks.PROJECT)
        self.pm.add_hookspecs(hooks)
        self.failures: list[ModuleFailure] = []
        self.disabled = disabled
        self.bus = SignalBus()
        self._load()
        # Module tables join the shared metadata, so models and migrations can be compared.
        from store.models import Base

        self.call("register_tables", metadata=Base.metadata)
        self.permissions = self._permissions()
        self.grants = grants_of(self.permissions)

    def _load(self) -> None:
        for entry in sorted(
            metadata.entry_points(group=hooks.ENTRY_POINT_GROUP), key=lambda e: e.name
        ):
            if entry.name in self.disabled or self.pm.has_plugin(entry.name):
                continue
            try:
                self.add(entry.name, entry.load())
            except Exception as error:
                self._fail(entry.name, "load", error)

    def add(self, name: str, plugin: Any) -> None:
        """Register one module's hook implementations under `name` (what the entry points
        do; tests add modules directly). A hook the SDK does not know raises."""
        self.pm.register(self._guarded(name, plugin), name=name)
        try:
            # Every hook must be one the SDK knows: a misspelt hook fails loudly.
            self.pm.check_pending()
        except Exception:
            self.pm.unregister(name=name)
            raise

    def _guarded(self, name: str, plugin: Any) -> _Guarded:
        """The module's hook implementations, each wrapped to answer (name, result) and to
        record an exception instead of letting it stop the other modules' answers."""
        guarded = _Guarded(getattr(plugin, "__name__", name))
        self._report_shadowed_hooks(name, plugin)
        for attribute in dir(plugin):
            # pluggy's own test of what is a hook implementation (it reads only routines).
            options = self.pm.parse_hookimpl_opts(plugin, attribute)
            if options is None:
                continue
            function = getattr(plugin, attribute)

            def guard(*args, _function=function, _hook=attribute, **kwargs):
                try:
                    result = _function(*args, **kwargs)
                except Exception as error:
                    self._fail(name, _hook, error)
                    return None
                return None if result is None else (name, result)

            wrapped = functools.wraps(function)(guard)
            setattr(wrapped, f"{hooks.PROJECT}_impl", dict(options))
            setattr(guarded, attribute, wrapped)
        return guarded

    def _report_shadowed_hooks(self, name: str, plugin: Any) -> None:
        """`import pkg.situation` replaces a hook function `pkg.situation` with the submodule,
        and pluggy then loses the hook without a word: say so, unless another function
        implements that hook (`@hookimpl(specname="situation") def situation_items`)."""
        implemented = set()
        for attribute in dir(plugin):
            options = self.pm.parse_hookimpl_opts(plugin, attribute)
            if options is not None:
                implemented.add(options.get("specname") or attribute)
        for attribute in dir(plugin):
            shadowed = isinstance(getattr(plugin, attribute), types.ModuleType)
            if shadowed and hasattr(hooks, attribute) and attribute not in implemented:
                self._fail(
                    name,
                    "contract",
                    TypeError(
                        f"{name}.{attribute} is a submodule, not the hook: name the function "
                        f'apart and mark it @hookimpl(specname="{attribute}")'
                    ),
                )

    def _fail(self, module: str, stage: str, error: BaseException) -> None:
        LOGGER.error("module %s failed in %s: %r", module, stage, error)
        self.failures.append(ModuleFailure(module, stage, repr(error)))

    @property
    def names(self) -> list[str]:
        return sorted(name for name, _ in self.pm.list_name_plugin())

    def info(self) -> list[ModuleInfo]:
        """The loaded modules; a module's id must be its entry-point name."""
        found = []
        for name in self.names:
            answered = self.call("module_info", only=name)
            result = answered[0][1] if answered else None
            if isinstance(result, ModuleInfo) and result.id == name:
                found.append(result)
            else:
                self._fail(
                    name,
                    "module_info",
                    TypeError(f"{name}: module_info must return ModuleInfo with id == entry point"),
                )
        return sorted(found, key=lambda m: m.id)

    def call(self, hook: str, only: str | None = None, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call one hook through pluggy on every module (or `only` one). Returns (module
        name, result) for those that answered, in pluggy's order; a `firstresult` hook gives
        at most one. A module that raised is recorded and left out."""
        caller = getattr(self.pm.hook, hook)
        if only is not None:
            others = [plugin for name, plugin in self.pm.list_name_plugin() if name != only]
            caller = self.pm.subset_hook_caller(hook, remove_plugins=others)
        answered = caller(**kwargs)
        if caller.spec is not None and caller.spec.opts.get("firstresult"):
            return [answered] if answered is not None else []
        return list(answered)

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

    def seed_demo(self, session: Any, only: str | None = None) -> None:
        """Every module's (or `only` one's) demo data, seeded as the system viewer, with a
        core lent on the same database (a module's demo may ask the others through it)."""
        from sqlalchemy.orm import Session

        from app.core import build_core  # app.core builds on this registry

        viewer = system_viewer(session, self.grants)
        bind = session.get_bind()
        core = build_core(self, lambda: viewer, lambda: Session(bind))
        self.call("seed_demo", only=only, session=session, viewer=viewer, core=core)

    def _permissions(self) -> tuple[Permission, ...]:
        declared = list(CORE_PERMISSIONS)
        for name, result in self.call("register_permissions"):
            for item in result if isinstance(result, list | tuple) else [result]:
                if isinstance(item, Permission):
                    declared.append(item)
                else:
                    self._fail(name, "register_permissions", TypeError(repr(item)))
        try:
            grants_of(declared)
        except ValueError as error:  # a module naming a role that does not exist
            self._fail("?", "register_permissions", error)
            return CORE_PERMISSIONS
        return tuple(declared)
