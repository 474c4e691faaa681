"""What the map shows for a viewer, as values: the unit in focus and its children, the
modules' layers and measures. Shared by the map page's callbacks and the view's exports."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from access import scoped
from access.viewer import Forbidden, NotFound, Viewer
from app.context import current
from modules.sdk import LayerSpec, MeasureSpec

LOGGER = logging.getLogger(__name__)

MEASURE_PREFIX = "measure:"
# Module traces carry values; polygons only ever travel by URL.
MODULE_TRACE_TYPES = frozenset({"scattermap", "densitymap", "choroplethmap"})


def measures(viewer: Viewer) -> list[MeasureSpec]:
    return current().modules.collect("register_measures", MeasureSpec, viewer=viewer)


def module_layers(session, viewer: Viewer, unit: str | None) -> list[dict]:
    """The modules' layers for `unit`: {"id", "title", "traces"}, each trace tagged with its
    layer's id (meta.layer) and checked; a layer id given twice is one layer."""
    found: dict[str, dict] = {}
    layers = current().modules.collect(
        "register_layers",
        LayerSpec,
        viewer=viewer,
        moment=datetime.now(UTC),
        session=session,
        unit=unit,
        core=current().core,
    )
    for layer in layers:
        entry = found.setdefault(layer.id, {"id": layer.id, "title": layer.title, "traces": []})
        for trace in layer.traces:
            inline_geometry = isinstance(trace.get("geojson"), dict)
            if trace.get("type") not in MODULE_TRACE_TYPES or inline_geometry:
                LOGGER.error("layer %s: refused a %s trace", layer.id, trace.get("type"))
                continue
            entry["traces"].append({**trace, "meta": {"layer": layer.id}})
    return list(found.values())


def measure_shading(session, viewer: Viewer, shade: str, children: list[dict]):
    """(values by code, title) for a module's measure, or None for the core's shades."""
    if not shade or not shade.startswith(MEASURE_PREFIX):
        return None
    wanted = shade[len(MEASURE_PREFIX) :]
    for measure in measures(viewer):
        if measure.id == wanted:
            codes_shown = [c["code"] for c in children if viewer.covers(c["code"])]
            values = measure.values(session, viewer, codes_shown)
            return {c: v for c, v in values.items() if c in codes_shown}, legend_title(measure)
    return None


def legend_title(measure: MeasureSpec) -> str:
    """`常住人口（人）· 2026年12月 · 演示`: what is shaded, in what, of when, and whether demo."""
    parts = [f"{measure.title}（{measure.unit}）" if measure.unit else measure.title]
    if measure.period:
        parts.append(measure.period)
    if measure.demo:
        parts.append("演示")
    return " · ".join(parts)


def focus_and_children(session, viewer: Viewer, code: str | None) -> tuple[dict, list[dict]] | None:
    """The unit to show and its children, inside the scope; home when `code` is not (None
    for a viewer with no unit at all)."""
    if code and viewer.covers(code):
        try:
            focus = scoped.profile(session, viewer, code)
        except (Forbidden, NotFound):
            focus = None
        if focus is not None:
            if not focus["children_count"] and focus["parent_code"]:
                # A village as the focus (from a URL): show its town, the village selected.
                focus = scoped.profile(session, viewer, focus["parent_code"])
            return focus, scoped.children(session, viewer, focus["code"])
    home = scoped.home(session, viewer)
    if home is None:
        return None
    if home.get("virtual"):
        return home, scoped.home_children(session, viewer)
    return home, scoped.children(session, viewer, home["code"])
