"""The jurisdiction's outlines: the live board names their layer URL (the browser fetches
the lines once and keeps them; a refresh does not send them again), a frozen snapshot embeds
them (self-contained), and the layer URL answers each viewer only their own lines."""

from __future__ import annotations

import json

import shapely
from shapely.geometry import shape

from tests.dash_client import call_callback, response_json
from tests.modules.consult.conftest import open_drill
from tests.modules.consult.test_scope import _demo

BOARD_OUTPUTS = [
    ("consult-head", "children"),
    ("consult-cards", "children"),
    ("consult-map", "figure"),
    ("consult-log", "children"),
    ("consult-snapshots", "children"),
    ("consult-live-diff", "children"),
    ("consult-board", "data"),
    ("consult-entry-units", "options"),
    ("consult-entry-target", "options"),
    ("consult-wall-link", "href"),
    ("consult-clock", "style"),
]
CITY_TOWNS_URL = "/api/v1/layers/town.geojson?parent=3503&detail=overview&as=lines"


def _pairs(value):
    """Every [lon, lat]-like pair of numbers anywhere in a JSON value."""
    if isinstance(value, list):
        if len(value) == 2 and all(isinstance(v, int | float) for v in value):
            yield round(value[0], 4), round(value[1], 4)
        else:
            for part in value:
                yield from _pairs(part)
    elif isinstance(value, dict):
        for part in value.values():
            yield from _pairs(part)


def _refresh(client, event_id) -> dict:
    return response_json(
        call_callback(
            client,
            BOARD_OUTPUTS,
            inputs=[
                ("consult-event", "value", event_id),
                ("consult-refresh", "data", 0),
                ("consult-tick", "n_intervals", 3),
            ],
            changed=["consult-tick.n_intervals"],
        )
    )["response"]


def test_a_refresh_of_the_live_board_names_the_outlines_url_and_sends_no_outline(client_as):
    event_id, snapshot_id = _demo(client_as)
    coordinator = client_as("city.coordinator")
    frozen = coordinator.get(f"/api/v1/consult/snapshots/{snapshot_id}").get_json()
    vertices = set(_pairs(frozen["outlines"]))
    assert len(vertices) > 1000  # 57 towns' outlines
    answer = _refresh(coordinator, event_id)
    layers = answer["consult-map"]["figure"]["layout"]["map"]["layers"]
    assert layers[0]["source"] == CITY_TOWNS_URL and layers[0]["type"] == "line"
    sent = set(_pairs(answer))
    assert not vertices & sent, "the refresh carries the towns' outline coordinates"
    # The view still holds the whole city: its centre lies inside the city's bbox.
    shown = answer["consult-map"]["figure"]["layout"]["map"]["center"]
    bbox = coordinator.get(f"/api/v1/consult/events/{event_id}").get_json()["bbox"]
    assert bbox[0] < shown["lon"] < bbox[2] and bbox[1] < shown["lat"] < bbox[3]
    # The URL draws the same towns the snapshot holds.
    lines = coordinator.get(CITY_TOWNS_URL)
    assert lines.status_code == 200
    edges = shape(json.loads(lines.data)["features"][0]["geometry"])
    towns = shapely.union_all(
        [shape(f["geometry"]).boundary for f in frozen["outlines"]["features"]]
    )
    assert shapely.hausdorff_distance(edges, towns) < 1e-6


def test_the_api_board_names_the_url_and_a_snapshot_embeds_the_outlines(client_as):
    event_id, snapshot_id = _demo(client_as)
    leader = client_as("city.leader")
    live = leader.get(f"/api/v1/consult/events/{event_id}").get_json()
    assert live["outlines_url"] == CITY_TOWNS_URL and "outlines" not in live
    frozen = leader.get(f"/api/v1/consult/snapshots/{snapshot_id}").get_json()
    assert len(frozen["outlines"]["features"]) == 57
    assert {f["properties"]["name"] for f in frozen["outlines"]["features"]} >= {"西天尾镇"}
    assert "outlines_url" not in frozen, "a snapshot depends on no live URL"


def test_the_outlines_url_answers_each_viewer_only_their_own_lines(client_as):
    # Outside the city's jurisdiction, the city event's outlines are refused.
    for login in ("licheng.leader", "xtw.coordinator"):
        assert client_as(login).get(CITY_TOWNS_URL).status_code == 403, login
    # A town's coordinator opens their own event: its URL names their villages' lines...
    town = client_as("xtw.coordinator")
    event_id = open_drill(town, scope="350304100")
    url = town.get(f"/api/v1/consult/events/{event_id}").get_json()["outlines_url"]
    assert url == "/api/v1/layers/village.geojson?parent=350304100&detail=overview&as=lines"
    own = town.get(url)
    assert own.status_code == 200
    edges = shape(json.loads(own.data)["features"][0]["geometry"])
    villages = json.loads(town.get("/api/v1/layers/village.geojson?parent=350304100").data)
    inside = shapely.union_all([shape(f["geometry"]) for f in villages["features"]])
    assert inside.buffer(1e-3).contains(edges)
    # ...which a viewer of another county does not get.
    assert client_as("xiuyu.staff").get(url).status_code == 403
