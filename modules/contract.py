"""The module contract: every hook a module may implement, and the values hooks return.

Built-in modules (flood, typhoon) and outside packages implement the same hooks and are found
the same way, through the entry-point group `onemap.modules`. Hooks take named arguments only
and return small frozen dataclasses that the core validates. A module never imports another
module; modules talk through signals on the core's bus.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pluggy

PROJECT = "onemap"
ENTRY_POINT_GROUP = "onemap.modules"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass(frozen=True)
class ModuleInfo:
    """Who a module is: a short id (also its settings key) and a zh-CN title."""

    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class LayerSpec:
    """Map traces a module draws for one viewer at one moment.

    `traces` are plotly trace dicts carrying values only (points, colours, hover text);
    polygons go by URL. The core adds them above the boundaries, in `order`.
    """

    id: str
    title: str
    traces: tuple[dict, ...]
    order: int = 100


@dataclass(frozen=True)
class PanelSpec:
    """A section of the map page's side panel (a Dash component)."""

    id: str
    title: str
    component: Any
    order: int = 100


@dataclass(frozen=True)
class MeasureSpec:
    """A value per unit that the map can shade units by (e.g. patrol progress)."""

    id: str
    title: str
    unit: str
    values: Any  # callable(session, viewer, codes: list[str]) -> dict[code, float]


@dataclass(frozen=True)
class Signal:
    """A fact one module tells the others through the core, e.g. exposure to wind."""

    name: str
    source: str
    payload: dict = field(default_factory=dict)
    at: datetime | None = None


@dataclass(frozen=True)
class CoreServices:
    """What the core lends a module's routes and callbacks: the viewer of the current
    request (the only source of scope) and database sessions. Modules never import app."""

    viewer: Callable[[], Any]
    sessions: Callable[[], Any]


@hookspec(firstresult=True)
def module_info() -> ModuleInfo:
    """Return this module's ModuleInfo (id and title)."""


@hookspec
def register_tables(metadata) -> None:
    """Add this module's tables to the shared SQLAlchemy metadata."""


@hookspec
def register_migrations() -> str | None:
    """Return the directory of this module's Alembic migration scripts."""


@hookspec
def register_layers(viewer, moment, session, unit) -> list[LayerSpec]:
    """Return LayerSpec objects to draw for this viewer at this moment, inside `unit`."""


@hookspec
def register_panels(viewer, session) -> list[PanelSpec]:
    """Return PanelSpec objects for the map page's side panel for this viewer."""


@hookspec
def register_measures(viewer) -> list[MeasureSpec]:
    """Return MeasureSpec objects the map can shade units by for this viewer."""


@hookspec
def register_callbacks(app, core) -> None:
    """Attach this module's Dash callbacks to the app (use app.callback)."""


@hookspec
def register_routes(blueprint, core) -> None:
    """Add HTTP routes to this module's Flask blueprint, served under /api/v1/<module id>/."""


@hookspec
def register_signals(bus) -> None:
    """Subscribe to (and keep the bus to publish) core signals."""


@hookspec
def seed_demo(session) -> None:
    """Fill this module's demo data on an empty database."""
