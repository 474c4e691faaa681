"""The map page's callbacks, called over HTTP as the browser calls them."""

from __future__ import annotations

import json

from tests.dash_client import call_callback, duplicate_output_key, response_json

RENDER_OUTPUTS = [
    ("map-figure", "data"),
    ("breadcrumb", "children"),
    ("unit-profile", "children"),
    ("unit-children", "children"),
]


def render(client, focus, selected=None, outlines=("city", "county"), shade="zone"):
    response = call_callback(
        client,
        RENDER_OUTPUTS,
        inputs=[
            ("map-focus", "data", focus),
            ("map-selected", "data", selected or focus),
            ("layer-toggles", "value", list(outlines)),
        ],
        state=[("map-shade", "value", shade)],
    )
    return response, response_json(response)["response"]


def test_render_sends_values_and_urls_never_geometry(client):
    response, body = render(client, "350304000000")
    figure = body["map-figure"]["data"]
    trace = figure["data"][0]
    assert trace["geojson"] == "/api/v1/layers/town.geojson?parent=350304"
    assert len(trace["locations"]) == 6 and "350304100000" in trace["locations"]
    assert "coordinates" not in response.get_data(as_text=True)
    assert len(response.data) < 15_000  # a few KB of values, whatever the polygons weigh
    outlines = [layer["source"] for layer in figure["layout"]["map"]["layers"]]
    # The county outline reuses the URL the city view filled counties from (cached).
    assert outlines == [
        "/api/v1/layers/city.geojson?as=lines",
        "/api/v1/layers/county.geojson?parent=3503",
    ]
    assert figure["layout"]["map"]["style"] == "white-bg"  # no external tiles by default


def test_render_marks_generated_levels_and_fills_the_panel(client):
    _, body = render(client, "350304100000")
    text = json.dumps(body, ensure_ascii=False)
    assert "示意" in text and "西天尾镇" in text and "下辖村居（17）" in text
    _, city = render(client, "350300000000")
    annotations = city["map-figure"]["data"]["layout"]["annotations"]
    assert not any("示意" in a["text"] for a in annotations)  # counties are real polygons


def test_a_village_in_the_url_opens_its_town_with_the_village_selected(client):
    _, body = render(client, "350304100001", "350304100001")
    figure = body["map-figure"]["data"]
    assert figure["data"][0]["geojson"].endswith("village.geojson?parent=350304100")
    assert figure["data"][1]["locations"] == ["350304100001"]  # the highlight


def test_unknown_or_forged_codes_open_home_and_read_nothing_else(client):
    _, home = render(client, "350300000000")
    for code in ("350304199000", "not-a-code", "'; DROP TABLE divisions; --"):
        response, body = render(client, code, code)
        assert response.status_code == 200
        assert body["map-figure"] == home["map-figure"]  # the city again, nothing more


def test_recolour_sends_a_patch_of_colours_only(client, onemap_app):
    client.get("/")  # Dash finishes its setup on the first request
    response = call_callback(
        client,
        [("map-figure", "data")],
        inputs=[("map-shade", "value", "area")],
        state=[("map-focus", "data", "350300000000")],
        output_key=duplicate_output_key(onemap_app, "map-figure.data"),
    )
    body = response_json(response)["response"]["map-figure"]["data"]
    assert body["__dash_patch_update"] == "__dash_patch_update"
    touched = {op["location"][-1] for op in body["operations"]}
    assert touched >= {"z", "colorscale", "showscale"} and "geojson" not in touched
    z = next(op for op in body["operations"] if op["location"][-1] == "z")["params"]["value"]
    assert len(z) == 5 and max(z) > 1000  # 仙游县 is ~1,800 km2
    _, full = render(client, "350300000000")
    assert len(response.data) < 0.5 * len(json.dumps(full))


def test_a_tile_basemap_and_gcj02_tiles_shift_overlays_for_display_only():
    from app.map_figure import build_figure
    from app.settings import load_settings

    settings = load_settings(
        overrides={
            "tiles_url": "http://tiles.intranet/{z}/{x}/{y}.png",
            "tiles_attribution": "© 本地瓦片",
            "tiles_crs": "gcj02",
        },
        environ={},
        config_path=None,
    )
    focus = {
        "code": "350304000000",
        "children_level": "town",
        "bbox": [118.97, 25.33, 119.2, 25.56],
        "name": "荔城区",
        "level": "county",
        "level_label": "区县",
        "parent_code": None,
        "ancestors": [],
    }
    children = [
        {
            "code": "350304100000",
            "name": "西天尾镇",
            "level": "town",
            "area_km2": 63.0,
            "geometry_source": "generated",
        }
    ]
    figure = build_figure(focus, children, focus, ["county"], settings)
    style = figure["layout"]["map"]["style"]
    assert style["sources"]["basemap"]["tiles"] == ["http://tiles.intranet/{z}/{x}/{y}.png"]
    assert any("本地瓦片" in a["text"] for a in figure["layout"]["annotations"])
    assert figure["data"][0]["geojson"].endswith("parent=350304&crs=gcj02")
    assert figure["layout"]["map"]["layers"][0]["source"].endswith("?crs=gcj02&as=lines")
    # The view is shifted like the overlays: east and south of the WGS84 centre.
    centre = figure["layout"]["map"]["center"]
    assert 0.003 < centre["lon"] - (118.97 + 119.2) / 2 < 0.006
    assert -0.004 < centre["lat"] - (25.33 + 25.56) / 2 < -0.002


def test_outlines_are_not_downloaded_twice_and_deep_levels_come_lighter(client):
    _, body = render(client, "350300000000", outlines=("city", "county", "town", "village"))
    figure = body["map-figure"]["data"]
    sources = [layer["source"] for layer in figure["layout"]["map"]["layers"]]
    # Counties are the filled children: their outline is the fill trace's own edge.
    assert not any("county.geojson" in s for s in sources)
    assert figure["data"][0]["marker"]["line"]["color"] != "#ffffff"
    assert "/api/v1/layers/town.geojson?detail=overview&as=lines" in sources
    assert "/api/v1/layers/village.geojson?detail=overview&as=lines" in sources
    assert "/api/v1/layers/city.geojson?as=lines" in sources
