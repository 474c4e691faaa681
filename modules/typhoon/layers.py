"""On the core map: the storms whose exposure has been published and is still in force (a
consultation is under way), with the track and, while the storm is live, its circles now.
The grades the track's points are coloured by are named by empty traces for the legend."""

from __future__ import annotations

from modules.sdk import EXPOSURE, LayerSpec
from modules.typhoon import storage
from modules.typhoon.circles import interpolate
from modules.typhoon.figure import CIRCLE_STYLE, hover
from modules.typhoon.publishing import storm_of
from modules.typhoon.service import circle_ring, label
from modules.typhoon.track import GRADE_COLOURS, GRADES


def published_storms_layer(viewer, moment, session, core) -> list[LayerSpec]:
    if not viewer.can("read"):
        return []
    storm_ids = sorted({storm_of(s) for s in core.signals(session, EXPOSURE, moment)} - {None})
    traces: list[dict] = []
    grades: set[str] = set()
    for storm_id in storm_ids:
        found = storage.load(session, storm_id)
        if found is None or not found[1].fixes:
            continue
        storm, data = found
        fixes = data.fixes
        grades.update(f.grade for f in fixes if f.grade in GRADE_COLOURS)
        traces.append(
            {
                "type": "scattermap",
                "lon": [f.lon for f in fixes],
                "lat": [f.lat for f in fixes],
                "mode": "lines+markers",
                "line": {"color": "#616161", "width": 2},
                "marker": {"size": 6, "color": [GRADE_COLOURS.get(f.grade, "#999") for f in fixes]},
                "text": [f"{label(storm)}<br>{hover(f)}" for f in fixes],
                "hovertemplate": "%{text}<extra></extra>",
                "name": f"台风 {label(storm)}",
            }
        )
        if fixes[0].time <= moment <= fixes[-1].time:
            now = interpolate(fixes, moment)
            for level, (name, fill, edge) in CIRCLE_STYLE.items():
                outline = circle_ring(now, level)
                if outline is None:
                    continue
                traces.append(
                    {
                        "type": "scattermap",
                        "lon": [p[0] for p in outline],
                        "lat": [p[1] for p in outline],
                        "mode": "lines",
                        "fill": "toself",
                        "fillcolor": fill,
                        "line": {"color": edge, "width": 1},
                        "name": f"{label(storm)} {name}",
                        "hoverinfo": "name",
                    }
                )
    if not traces:
        return []
    traces.extend(_grade_legend(grades))
    return [LayerSpec(id="typhoon-storms", title="台风路径", traces=tuple(traces), order=120)]


def _grade_legend(grades: set[str]) -> list[dict]:
    """Empty traces naming the colours of the grades on the tracks (in GRADES' order)."""
    return [
        {
            "type": "scattermap",
            "mode": "markers",
            "name": name,
            "lon": [],
            "lat": [],
            "marker": {"size": 6, "color": GRADE_COLOURS[grade]},
            "hoverinfo": "skip",
        }
        for grade, name in GRADES.items()
        if grade in grades
    ]
