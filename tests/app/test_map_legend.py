"""The legend's values: how a module trace explains itself, and the groups a render carries
for the shading, the outlines and every module layer, the storm track included when a
consultation has published one (over HTTP, on both engines)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from app.map_legend import module_groups, trace_entry
from modules.sdk import EXPOSURE, Signal
from tests.app_fixtures import app_on_engine, client_factory
from tests.modules.test_contract import render
from tests.modules.typhoon.conftest import seed


def test_a_trace_with_one_colour_is_an_entry_and_one_with_many_is_not():
    dot = {"type": "scattermap", "name": "红色风险", "marker": {"color": "#d62728", "size": 30}}
    assert trace_entry(dot, "x") == {
        "label": "红色风险",
        "kind": "dot",
        "colour": "#d62728",
        "size": 16.0,  # drawn no bigger than a legend line
    }
    track = {"mode": "lines+markers", "line": {"color": "#616161"}, "marker": {"color": ["#1"]}}
    assert trace_entry(track, "台风")["kind"] == "line"
    circle = {"mode": "lines", "fill": "toself", "fillcolor": "rgba(1,2,3,0.2)", "line": {}}
    assert trace_entry(circle, "风圈")["kind"] == "area"
    assert trace_entry({"marker": {"color": ["#111", "#222"]}}, "点") is None
    # A layer whose colours nothing explains still shows its title.
    quiet = module_groups([{"id": "q", "title": "安静", "traces": [{"marker": {"color": []}}]}])
    assert quiet[0]["entries"][0]["label"] == "安静"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def storm_app(request) -> Iterator:
    with app_on_engine(request, "map-legend", prepare=seed) as app:
        context = app.server.extensions["onemap"]
        now = datetime.now(UTC)
        with context.sessions() as session, session.begin():
            context.core.publish(
                session,
                Signal(
                    name=EXPOSURE,
                    source="typhoon",
                    payload={"hazard": "台风", "event": "1521 杜鹃", "storm": "1521", "sites": []},
                    at=now,
                    key="storm:1521@350300000000",
                    valid_from=now - timedelta(hours=1),
                    valid_until=now + timedelta(hours=6),
                ),
            )
        yield app


def test_a_render_carries_a_legend_group_for_every_layer(storm_app):
    leader = client_factory(storm_app)("city.leader")
    meta = render(leader, focus="350300000000")["layout"]["meta"]
    groups = {g["id"]: g for g in meta["legend"]}
    layers = [layer["id"] for layer in meta["layers"]]
    assert {"flood-key-points", "flood-stations", "typhoon-storms"} <= set(layers)
    assert set(layers) <= set(groups)
    assert groups["shade"]["title"] == "区县（分区着色）"
    storm = groups["typhoon-storms"]["entries"]
    assert any(e["kind"] == "line" and "1521" in e["label"] for e in storm)  # the track
    assert any(e["kind"] == "dot" and e["label"] == "台风" for e in storm)  # a grade on it
    risks = [e["label"] for e in groups["flood-key-points"]["entries"]]
    assert risks[:4] == ["红色风险", "橙色风险", "黄色风险", "蓝色风险"]


def test_a_measure_shows_its_scale_in_the_legend(storm_app):
    staff = client_factory(storm_app)("xtw.staff")
    meta = render(staff, shade="measure:flood-key-points")["layout"]["meta"]
    shade = meta["legend"][0]
    assert shade["id"] == "shade" and "重点部位数（个）" in shade["title"]
    entry = shade["entries"][0]
    assert entry["kind"] == "scale" and float(entry["min"]) <= float(entry["max"])
    json.dumps(meta)  # plain values only: the browser draws it
