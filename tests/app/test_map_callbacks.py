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


def unversioned(url: str) -> str:
    """The URL without its cache token `v`, which every layer URL of the map carries."""
    path, _, query = url.partition("?")
    params = [p for p in query.split("&") if p]
    assert any(p.startswith("v=") for p in params), f"no cache token in {url}"
    rest = [p for p in params if not p.startswith("v=")]
    return path + ("?" + "&".join(rest) if rest else "")


def test_render_sends_values_and_urls_never_geometry(client):
    response, body = render(client, "350304000000")
    figure = body["map-figure"]["data"]
    trace = figure["data"][0]
    assert unversioned(trace["geojson"]) == "/api/v1/layers/town.geojson?parent=350304"
    assert len(trace["locations"]) == 6 and "350304100000" in trace["locations"]
    assert "coordinates" not in response.get_data(as_text=True)
    assert len(response.data) < 15_000  # a few KB of values, whatever the polygons weigh
    outlines = [unversioned(layer["source"]) for layer in figure["layout"]["map"]["layers"]]
    # The county outline reuses the URL the city view filled counties from (cached).
    assert outlines == [
        "/api/v1/layers/city.geojson?as=lines",
        "/api/v1/layers/county.geojson?parent=3503",
    ]
    # No external tiles, glyphs or data by default: every URL in the style is the app's own.
    style = figure["layout"]["map"]["style"]
    assert style["glyphs"].startswith("/map/glyphs/")
    assert "http" not in json.dumps(style)
    assert figure["layout"]["meta"]["basemap"]["labels"], "the children are named"


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
    assert unversioned(figure["data"][0]["geojson"]).endswith("village.geojson?parent=350304100")
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
        output_key=duplicate_output_key(onemap_app, "map-figure.data", fired_by="map-shade"),
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
    [tiles] = [s for s in style["sources"].values() if s.get("type") == "raster"]
    assert tiles["tiles"] == ["http://tiles.intranet/{z}/{x}/{y}.png"]
    assert tiles["attribution"] == "© 本地瓦片"  # MapLibre credits it on the map
    assert figure["layout"]["meta"]["basemap"]["basemap"] == "custom"
    assert figure["data"][0]["geojson"].endswith("parent=350304&crs=gcj02")
    assert figure["layout"]["map"]["layers"][0]["source"].endswith("?crs=gcj02&as=lines")
    # The view is shifted like the overlays: east and south of the WGS84 centre.
    centre = figure["layout"]["map"]["center"]
    assert 0.003 < centre["lon"] - (118.97 + 119.2) / 2 < 0.006
    assert -0.004 < centre["lat"] - (25.33 + 25.56) / 2 < -0.002


def test_outlines_are_not_downloaded_twice_and_deep_levels_come_lighter(client):
    _, body = render(client, "350300000000", outlines=("city", "county", "town", "village"))
    figure = body["map-figure"]["data"]
    sources = [unversioned(layer["source"]) for layer in figure["layout"]["map"]["layers"]]
    # Counties are the filled children: their outline is the fill trace's own edge.
    assert not any("county.geojson" in s for s in sources)
    assert figure["data"][0]["marker"]["line"]["color"] != "#ffffff"
    assert "/api/v1/layers/town.geojson?detail=overview&as=lines" in sources
    assert "/api/v1/layers/village.geojson?detail=overview&as=lines" in sources
    assert "/api/v1/layers/city.geojson?as=lines" in sources


def test_the_map_s_layer_urls_are_kept_by_the_browser_for_their_viewer_only(
    client, client_as, onemap_app
):
    """Every drill-down used to revalidate each layer it showed again (a 304 round trip): the
    figure's URLs now carry a token of the boundaries stamp and the viewer's scope, and only
    such a URL, asked by that viewer, may be kept without asking."""
    from layers.load import bump_boundaries_version

    _, body = render(client, "350304100000", outlines=("city", "county", "town", "village"))
    figure = body["map-figure"]["data"]
    urls = [figure["data"][0]["geojson"]] + [
        layer["source"] for layer in figure["layout"]["map"]["layers"]
    ]
    for url in urls:
        kept = client.get(url)
        assert kept.status_code == 200
        assert kept.headers["Cache-Control"] == "private, max-age=31536000, immutable"
        asked = client.get(unversioned(url))
        assert asked.headers["Cache-Control"] == "private, no-cache"
        assert asked.data == kept.data

    # Another town's staff on the same URL: their own scope's body, revalidated every time
    # (their token differs), so a shared browser never serves them the leader's copy.
    city_lines = next(u for u in urls if "city.geojson" in u)
    staff = client_as("xiuyu.staff")
    theirs = staff.get(city_lines)
    assert theirs.headers["Cache-Control"] == "private, no-cache"
    assert theirs.data != client.get(city_lines).data
    _, own = render(staff, "350305000000")
    own_url = own["map-figure"]["data"]["data"][0]["geojson"]
    assert own_url.rsplit("v=", 1)[1] != city_lines.rsplit("v=", 1)[1]

    # New boundaries: a new token, and the old URLs are revalidated again.
    with onemap_app.server.extensions["onemap"].sessions() as session, session.begin():
        bump_boundaries_version(session)
    assert client.get(urls[0]).headers["Cache-Control"] == "private, no-cache"
    _, after = render(client, "350304100000")
    assert after["map-figure"]["data"]["data"][0]["geojson"] != urls[0]


def test_lines_and_polygons_of_a_level_have_their_own_etags(client):
    polygons = client.get("/api/v1/layers/town.geojson")
    lines = client.get("/api/v1/layers/town.geojson?as=lines")
    assert polygons.headers["ETag"] != lines.headers["ETag"]
    again = client.get(
        "/api/v1/layers/town.geojson?as=lines", headers={"If-None-Match": polygons.headers["ETag"]}
    )
    assert again.status_code == 200 and again.data == lines.data
