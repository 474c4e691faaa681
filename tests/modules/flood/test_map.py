"""The key points on the map (layer), in the side panel and as a 着色 measure."""

from __future__ import annotations

import json
import re

from access import scoped
from layers.assign import assign_villages
from modules.flood.points import RISK_COLOURS, points_for
from modules.sdk import MeasureSpec
from tests.accounts_fixture import viewer_as, viewer_of
from tests.modules.test_contract import page, render

XTW_VILLAGES = 17


def key_point_trace(figure) -> dict:
    traces = [t for t in figure["data"] if t.get("name") == "重点部位"]
    assert len(traces) == 1
    return traces[0]


def test_the_map_draws_the_viewers_key_points_only(client_as, sessions):
    trace = key_point_trace(render(client_as("xtw.staff")))
    assert trace["type"] == "scattermap" and trace["meta"] == {"layer": "flood-key-points"}
    assert len(trace["lon"]) == len(trace["lat"]) == len(trace["text"]) == 46
    assert set(trace["marker"]["color"]) <= set(RISK_COLOURS.values())
    assert all("风险等级" in text for text in trace["text"])
    assert "****" not in " ".join(trace["text"])  # staff in scope see whole numbers
    with sessions() as session:
        villages = assign_villages(session, trace["lon"], trace["lat"])
    assert all(code.startswith("350304100") for code in villages)


def test_the_city_leaders_map_carries_every_point_compactly(client_as, sessions):
    """At city view the points are gathered per county (a click must reach the county under
    them): one marker each, whose hover counts the points it holds, compactly."""
    figure = render(client_as("city.leader"), focus="350300000000")
    trace = key_point_trace(figure)
    with sessions() as session:
        points = points_for(session, viewer_of("city.leader"))
    assert len(trace["lon"]) == 5
    assert all(str(c).startswith("unit:") for c in trace["customdata"])
    counted = [int(re.search(r"：(\d+) 个重点部位", text).group(1)) for text in trace["text"]]
    assert sum(counted) == len(points) == 1019
    assert len(json.dumps(trace)) < 20_000


def test_the_panel_counts_by_risk_and_category(client_as):
    text = page(client_as("xtw.staff"))
    assert "防汛重点部位" in text and "46 个重点部位" in text
    assert all(f" {label} " in text for label in ("红", "橙", "黄", "蓝"))
    assert "低洼易涝点" in text
    # How many markers are above their base right now (the demo storm's rain near 西天尾).
    points = client_as("xtw.staff").get("/api/v1/flood/points").json["features"]
    raised = [
        f for f in points if f["properties"]["live_risk_level"] != f["properties"]["risk_level"]
    ]
    assert raised and f"实时风险升高 {len(raised)} 个" in text


def test_the_measure_counts_points_per_village(flood_app, client_as, sessions):
    registry = flood_app.server.extensions["onemap"].modules
    viewer = viewer_of("xtw.staff")
    measure = next(
        m
        for m in registry.collect("register_measures", MeasureSpec, viewer=viewer)
        if m.id == "flood-key-points"
    )
    assert (measure.title, measure.unit) == ("重点部位数", "个")
    villages = [f"350304100{v}" for v in ("001", "002", "003", "004", "005", "006")]
    with sessions() as session:
        codes = [c["code"] for c in scoped.children(session, viewer, "350304100")]
        assert len(codes) == XTW_VILLAGES
        values = measure.values(session, viewer, codes)
        assert sum(values.values()) == 46 and all(values[c] >= 2 for c in codes)
        assert set(measure.values(session, viewer, villages)) == set(villages)
        # Outside the scope: nothing, even when asked.
        assert measure.values(session, viewer, ["350305101000"]) == {}
        leader = viewer_as(1, "l", "l", "leader", ["350300"])
        assert measure.values(session, leader, ["350304100000"]) == {"350304100000": 46}
    figure = render(client_as("xtw.staff"), shade="measure:flood-key-points")
    assert sum(figure["data"][0]["z"]) == 46
