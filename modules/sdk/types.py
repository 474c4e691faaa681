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
    """A value per unit that the map can shade units by (e.g. patrol progress).

    The legend reads `title（unit）`, then `period` when the values are of one (e.g.
    "2026年12月") and 演示 when `demo` says they are made from demo data.
    """

    id: str
    title: str
    unit: str
    values: Any  # callable(session, viewer, codes: list[str]) -> dict[code, float]
    period: str = ""
    demo: bool = False


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


class SignalRefused(ValueError):
    """A subscriber's refusal of a signal it must not act on as sent (e.g. an SMS instruction
    to more people than may be sent without a confirmation). Raised by a handler, it reaches
    the publisher (whose transaction then rolls back): `reason` in English, `reason_zh` for
    pages, `detail` what the publisher may need to ask again (e.g. {"recipients": 120})."""

    def __init__(self, reason: str, reason_zh: str, detail: dict | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_zh = reason_zh
        self.detail = dict(detail or {})


# Signal names the core knows; payload shapes are documented in docs/modules.md.
EXPOSURE = "exposure"  # sites and units inside a hazard's footprint, with enter/leave times
INSTRUCTION = "instruction"  # a consultation's instruction to units, to be sent on as SMS


@dataclass(frozen=True)
class SituationEvent:
    """What a consultation (会商) is about, as the modules answering `situation` see it.

    `kind` is "typhoon", "rainstorm" or "flood"; `ref` names the hazard in its module's
    terms (a typhoon's storm id such as "1521", else ""); `scope` is the event's
    jurisdiction (a division code); `drill` marks a replay (演练). `level` is the response
    level in force: 4 (IV, 四级) to 1 (I, 一级), 0 for none. `opened_at` is when the event
    was opened in real time (a drill's `started_at` is a moment of the past storm).
    """

    id: int
    kind: str
    ref: str
    scope: str
    title: str
    started_at: datetime
    drill: bool = False
    level: int = 0
    opened_at: datetime | None = None


@dataclass(frozen=True)
class SituationItem:
    """One figure of a consultation's situation board, with the list behind it.

    `id` ("<module>.<name>") is stable across moments: snapshots are compared item by item.
    `value` is the headline figure (a number, or a short text such as "16级 超强台风"),
    `rows` the list behind it (JSON-safe dicts) described by `columns` ((key, zh heading)
    pairs). Where `key` names a column, rows are members (villages inside a circle, stations
    over a threshold): a diff lists those that entered and left, labelled by `entered`/`left`.
    A row's `unit` column, when present, is a division code: the core drops rows outside the
    viewer's scope. `features` are GeoJSON Features (WGS84) for the board's map, with
    `properties.name` and optional `properties.colour`. `source` says where the figure
    comes from, `as_of` when it was true (UTC). `severity`: "", "info", "warn" or "alarm".
    """

    id: str
    module: str
    title: str
    value: Any
    source: str
    as_of: datetime | None = None
    unit: str = ""
    columns: tuple[tuple[str, str], ...] = ()
    rows: tuple[dict, ...] = ()
    key: str = ""
    entered: str = "新进入"
    left: str = "已离开"
    features: tuple[dict, ...] = ()
    severity: str = ""
    order: int = 100


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
    status: str = ""  # zh-CN, e.g. a key point's patrol state (未巡查 · 已逾期)


@dataclass(frozen=True)
class PageSpec:
    """A page of its own (e.g. 我的巡查): `layout` is a callable taking the query string's
    values as keyword arguments; `permission` hides it from viewers without it; `in_nav`
    False keeps it out of the header (a page reached by a link, such as a snapshot's)."""

    id: str
    path: str
    title: str
    layout: Callable[..., Any]
    permission: str | None = None
    order: int = 100
    in_nav: bool = True


@dataclass(frozen=True)
class WorkerSpec:
    """A background loop (e.g. the SMS outbox): `run(stop)` returns when the threading.Event
    `stop` is set. Run by `onemap worker`, and inside `onemap run` for the demo."""

    id: str
    run: Callable[[Any], None]


@dataclass(frozen=True)
class FeatureQuery:
    """What an OGC API – Features client asked of a collection, already checked by the core:
    `bbox` (min_lon, min_lat, max_lon, max_lat) in WGS84 degrees or None; `start`/`end`
    (aware UTC datetimes, either None for an open end) of the `datetime` parameter; `filters`
    {queryable name: value as text}; at most `limit` features after the opaque `cursor` (the
    `next` a previous FeaturePage returned; None for the first page); `fid` asks for one
    feature by its id (the other fields are then unset)."""

    bbox: tuple[float, float, float, float] | None = None
    start: datetime | None = None
    end: datetime | None = None
    filters: dict = field(default_factory=dict)
    limit: int = 10
    cursor: str | None = None
    fid: str | None = None


@dataclass(frozen=True)
class FeaturePage:
    """One page of a collection: GeoJSON Feature dicts (WGS84 lon/lat, each with an `id`),
    and the cursor of the next page (None on the last one). `matched` is the number of
    features matching in all, when it is cheap to know (else None)."""

    features: list
    next: str | None = None
    matched: int | None = None


@dataclass(frozen=True)
class CollectionSpec:
    """A collection the core serves under /ogc/collections/<id> (OGC API – Features).

    `items(session, viewer, query: FeatureQuery) -> FeaturePage` returns only features
    inside the viewer's scope, one page at a time: never load the whole collection to cut
    a page from it. `geometry_type` is the GeoJSON type of its features ("Point",
    "LineString", "Polygon", "MultiPolygon", or "Geometry" for a mix); `time_field` the
    property holding a feature's time (ISO 8601, UTC) where `datetime` applies ("" for
    none); `queryables` the (property, JSON type, zh-CN title) triples a client may filter on
    with `?property=value` (exact match)."""

    id: str
    title: str
    description: str
    geometry_type: str
    items: Callable[..., FeaturePage]
    queryables: tuple[tuple[str, str, str], ...] = ()
    time_field: str = ""
    order: int = 100


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
    # situation(session, viewer, event, moment) -> list[SituationItem]: every module's
    # answer to the `situation` hook, rows outside the viewer's scope dropped.
    situation: Callable[..., list] = lambda session, viewer, event, moment: []


def public(view: Callable) -> Callable:
    """Mark a module route that authenticates its callers itself (e.g. sensor ingest with a
    per-station token sent as `Authorization: Bearer ...`): the core skips its login and CSRF
    checks (no cookie grants anything there). The route must refuse a missing or wrong
    credential itself."""
    view.onemap_public = True
    return view
