"""The values hooks return and the services the core lends: small frozen dataclasses that the
core validates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
    """A fact one module tells the others through the core, e.g. exposure to wind.

    Published with a session (`core.publish(session, signal)`), a signal is also stored, so
    other processes and later requests see it while it is in force (`valid_from` ..
    `valid_until`, both UTC; open ends mean always). A newer signal with the same
    (name, source, key) replaces the older one; an empty payload withdraws it.
    """

    name: str
    source: str
    payload: dict = field(default_factory=dict)
    at: datetime | None = None
    key: str = ""
    valid_from: datetime | None = None
    valid_until: datetime | None = None


# Signal names the core knows; payload shapes are documented in docs/modules.md.
EXPOSURE = "exposure"  # sites and units inside a hazard's footprint, with enter/leave times


@dataclass(frozen=True)
class Site:
    """A point another module may care about (a key point, a station), as the asking viewer
    may see it: `contact_phone` is already masked where the viewer may not see it whole."""

    id: str  # "<module>:<local id>", unique across modules
    module: str
    name: str
    kind: str
    lon: float
    lat: float
    village_code: str
    level: str = ""  # e.g. a base risk colour
    contact_name: str = ""
    contact_phone: str = ""


@dataclass(frozen=True)
class PageSpec:
    """A page of its own (e.g. 我的巡查): `layout` is a callable taking the query string's
    values as keyword arguments; `permission` hides it from viewers without it."""

    id: str
    path: str
    title: str
    layout: Callable[..., Any]
    permission: str | None = None
    order: int = 100


@dataclass(frozen=True)
class WorkerSpec:
    """A background loop (e.g. the SMS outbox): `run(stop)` returns when the threading.Event
    `stop` is set. Run by `onemap worker`, and inside `onemap run` for the demo."""

    id: str
    run: Callable[[Any], None]


@dataclass(frozen=True)
class CoreServices:
    """What the core lends a module: the viewer of the current request (the only source of
    scope), database sessions, every module's sites, and stored signals. Modules never
    import app or each other."""

    viewer: Callable[[], Any]
    sessions: Callable[[], Any]
    # sites(session, viewer, unit=None) -> list[Site]: every module's sites in the scope.
    sites: Callable[..., list] = lambda session, viewer, unit=None: []
    # publish(session, signal) -> handlers that took it; stores it (commit is the caller's).
    publish: Callable[..., int] = lambda session, signal: 0
    # signals(session, name, at=None) -> list[Signal] in force at `at` (default: now).
    signals: Callable[..., list] = lambda session, name, at=None: []


def public(view: Callable) -> Callable:
    """Mark a module route that authenticates its callers itself (e.g. sensor ingest with a
    per-station token sent as `Authorization: Bearer ...`): the core skips its login and CSRF
    checks (no cookie grants anything there). The route must refuse a missing or wrong
    credential itself."""
    view.onemap_public = True
    return view
