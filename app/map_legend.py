"""The map's legend as values: groups of entries (a swatch and a label) for the shading of the
units, the outlines switched on, the selection, and every module layer.

A module layer explains itself through its traces: a trace with one colour is an entry under
its name (a dot for markers, a line, an area for a filled outline); a trace whose markers
have several colours is explained by empty traces of the same layer, one per colour, each
named for what that colour means. The page draws the groups of the layers switched on
(assets/map-view.js), and the PDF/PNG export draws them all (app/map_export.py).
"""

from __future__ import annotations

from layers import codes

MAX_DOT_PX = 16


def _number(value, default: float) -> float:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if numeric else default


def trace_entry(trace: dict, fallback: str) -> dict | None:
    """The legend entry of one module trace, or None when its colours vary per point."""
    name = str(trace.get("name") or fallback)
    line = trace.get("line") if isinstance(trace.get("line"), dict) else {}
    marker = trace.get("marker") if isinstance(trace.get("marker"), dict) else {}
    mode = str(trace.get("mode") or "markers")
    if trace.get("fill") == "toself" and isinstance(trace.get("fillcolor"), str):
        return {
            "label": name,
            "kind": "area",
            "colour": trace["fillcolor"],
            "edge": line.get("color") if isinstance(line.get("color"), str) else "#666666",
        }
    if "lines" in mode and isinstance(line.get("color"), str):
        return {"label": name, "kind": "line", "colour": line["color"], "width": 2}
    if isinstance(marker.get("color"), str):
        size = min(_number(marker.get("size"), 10), MAX_DOT_PX)
        return {"label": name, "kind": "dot", "colour": marker["color"], "size": size}
    return None


def module_groups(layers: list[dict]) -> list[dict]:
    """One group per module layer ({"id", "title", "traces"}), in the map's order."""
    groups = []
    for layer in layers:
        entries, seen = [], set()
        for trace in layer["traces"]:
            entry = trace_entry(trace, layer["title"])
            key = entry and (entry["label"], entry["kind"], entry["colour"])
            if entry is None or key in seen:
                continue
            seen.add(key)
            entries.append(entry)
        if not entries:  # a layer that says nothing of its colours still shows its name
            entries = [{"label": layer["title"], "kind": "dot", "colour": "#757575", "size": 10}]
        groups.append({"id": layer["id"], "title": layer["title"], "entries": entries})
    return groups


def shade_group(shading: dict, level_label: str, palette: list[str]) -> dict:
    """The fill of the units: a colour scale for a measure, else the zone colours."""
    if shading.get("showscale"):
        title = ((shading.get("colorbar") or {}).get("title") or {}).get("text", "")
        present = [v for v in shading.get("z") or [] if v is not None]
        return {
            "id": "shade",
            "title": f"{level_label}着色：{title}",
            "entries": [
                {
                    "label": title,
                    "kind": "scale",
                    "colours": [stop[1] for stop in shading.get("colorscale") or []],
                    "min": _format(shading.get("zmin")) if present else "—",
                    "max": _format(shading.get("zmax")) if present else "—",
                }
            ],
        }
    return {
        "id": "shade",
        "title": f"{level_label}（分区着色）",
        "entries": [
            {
                "label": "颜色仅区分相邻单位",
                "kind": "area",
                "colour": palette[0],
                "edge": "#ffffff",
                "colours": palette[:4],
            }
        ],
    }


def _format(value) -> str:
    if not isinstance(value, int | float):
        return "—"
    return f"{value:.0f}" if abs(value) >= 10 or float(value).is_integer() else f"{value:.1f}"


def outline_group(outlines: list[str], styles: dict[str, dict]) -> dict | None:
    entries = [
        {
            "label": f"{codes.LEVEL_LABELS[level]}界线",
            "kind": "line",
            "colour": styles[level]["color"],
            "width": styles[level]["width"],
        }
        for level in codes.LEVELS
        if level in outlines
    ]
    return {"id": "outlines", "title": "界线", "entries": entries} if entries else None


def selection_group(name: str, colour: str) -> dict:
    return {
        "id": "selected",
        "title": "选中",
        "entries": [{"label": name, "kind": "area", "colour": colour, "edge": colour}],
    }
