"""Basemaps and unit names: the label points served per viewer (scoped like every layer),
the offline basemap's land and sea, the MapLibre style a map takes, and the switcher's
choices for each configuration."""

from __future__ import annotations

import json
import sqlite3

import pytest
from shapely.geometry import Point, shape
from shapely.ops import unary_union

from access.viewer import Forbidden
from app import basemap, labels
from app.settings import SettingsError, load_settings
from layers.crs import geodesic_distance_m
from layers.display import cache_token
from layers.load import boundaries_stamp
from tests.accounts_fixture import viewer_as, viewer_of
from tests.app_fixtures import database_for, settings_for
from tests.support import require_or_skip

LEVELS = ("city", "county", "town", "village")
XTW = "350304100000"  # 西天尾镇 (荔城区)
XIUYU = "350305000000"  # 秀屿区
UNKNOWN = "350304199000"


def features(response) -> list[dict]:
    assert response.status_code == 200, response.data
    return response.get_json()["features"]


def codes_of(response) -> list[str]:
    return [f["properties"]["code"] for f in features(response)]


# --- label points -------------------------------------------------------------------------


def test_a_town_staff_member_gets_its_own_villages_names(client_as):
    staff = client_as("xitianwei.staff")
    villages = features(staff.get("/api/v1/labels/village.geojson"))
    assert len(villages) == 17
    assert {f["properties"]["code"][:9] for f in villages} == {XTW[:9]}
    first = villages[0]
    assert first["geometry"]["type"] == "Point"
    assert set(first["properties"]) == {"code", "name", "label", "level"}
    assert codes_of(staff.get(f"/api/v1/labels/village.geojson?parent={XTW}")) == [
        f["properties"]["code"] for f in villages
    ]


def test_staff_of_another_county_get_none_of_xitianweis_villages(client_as):
    other = client_as("xiuyu.staff")
    everything = codes_of(other.get("/api/v1/labels/village.geojson"))
    assert everything and all(code.startswith("350305") for code in everything)
    assert not any(code.startswith(XTW[:9]) for code in everything)
    assert other.get(f"/api/v1/labels/village.geojson?parent={XTW}").status_code == 403
    assert other.get(f"/api/v1/labels/town.geojson?parent={XTW[:6]}").status_code == 403
    assert other.get(f"/api/v1/labels/village.geojson?parent={UNKNOWN}").status_code == 404
    assert codes_of(other.get("/api/v1/labels/county.geojson")) == [XIUYU]
    assert codes_of(other.get("/api/v1/labels/city.geojson")) == []  # the city is above it


def test_staff_of_the_next_town_get_none_of_xitianweis_villages(onemap_app):
    # 黄石镇, in the same county: the data layer itself, as a route would call it.
    neighbour = viewer_as(99, "huangshi.staff", "黄石镇干部", "staff", ["350304101"])
    with onemap_app.server.extensions["onemap"].sessions() as session:
        body = labels.label_body(session, neighbour, "village", None, "wgs84")
        with pytest.raises(Forbidden):
            labels.label_body(session, neighbour, "village", XTW, "wgs84")
    found = [f["properties"]["code"] for f in json.loads(body.raw)["features"]]
    assert found and all(code.startswith("350304101") for code in found)


def test_nobody_gets_label_points(anonymous):
    response = anonymous.get(f"/api/v1/labels/village.geojson?parent={XTW}")
    assert response.status_code == 401 and "3503" not in response.get_data(as_text=True)


def test_label_points_lie_inside_their_units_and_shift_for_a_gcj02_basemap(client):
    wgs84 = features(client.get(f"/api/v1/labels/village.geojson?parent={XTW}"))
    gcj02 = features(client.get(f"/api/v1/labels/village.geojson?parent={XTW}&crs=gcj02"))
    polygons = {
        f["properties"]["code"]: shape(f["geometry"])
        for f in features(client.get(f"/api/v1/layers/village.geojson?parent={XTW}"))
    }
    for plain, shifted in zip(wgs84, gcj02, strict=True):
        assert polygons[plain["properties"]["code"]].contains(
            Point(plain["geometry"]["coordinates"])
        )
        moved = geodesic_distance_m(
            *plain["geometry"]["coordinates"], *shifted["geometry"]["coordinates"]
        )
        assert 450 < moved < 700  # GCJ-02 lies ~567 m from WGS84 at Putian


def test_bad_label_requests_say_why(client):
    assert client.get("/api/v1/labels/province.geojson").status_code == 404
    assert client.get("/api/v1/labels/town.geojson?crs=bd09").status_code == 400
    assert client.get("/api/v1/labels/town.geojson?parent=35x").status_code == 400


def test_label_points_cache_like_the_layers(client):
    url = f"/api/v1/labels/village.geojson?parent={XTW}"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["Cache-Control"] == "private, no-cache"
    tag = first.get_etag()[0]
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": tag})
    assert again.status_code == 304
    # The token the map's layer URLs carry makes the URL immutable, for this viewer only.
    with client.application.extensions["onemap"].sessions() as session:
        token = cache_token(boundaries_stamp(session), viewer_of("city.leader").scopes)
    assert "immutable" in client.get(f"{url}&v={token}").headers["Cache-Control"]
    assert "immutable" not in client.get(f"{url}&v=someone-else").headers["Cache-Control"]


def test_short_names_drop_the_committee_suffix():
    assert labels.short_name("木兰村委会") == "木兰村"
    assert labels.short_name("太平社区居委会") == "太平社区"
    assert labels.short_name("蜚山社区居民委员会") == "蜚山社区"
    assert labels.short_name("某某村民委员会") == "某某村"
    assert labels.short_name("西天尾镇") == "西天尾镇"
    assert labels.short_name("村委会") == "村委会"


# --- which names a view shows ---------------------------------------------------------------


def test_each_view_names_the_level_below_it(client):
    def profile(code):
        return client.get(f"/api/v1/divisions/{code}").get_json()

    city, county, town = profile("350300"), profile("350304"), profile("350304100")
    village = profile("350304100001")
    kids = [{"code": "x", "level": "county"}]
    assert [(s.level, s.url) for s in labels.sources_for(city, kids)] == [
        ("county", "/api/v1/labels/county.geojson?parent=3503")
    ]
    assert labels.sources_for(county, kids)[0].level == "town"
    assert labels.sources_for(town, kids, "gcj02", "t1")[0].url == (
        "/api/v1/labels/village.geojson?parent=350304100&crs=gcj02&v=t1"
    )
    own = labels.sources_for(village, [])
    assert [(s.level, s.url) for s in own] == [
        ("village", "/api/v1/labels/village.geojson?parent=350304100001")
    ]
    # A viewer of two units sees them under a virtual root: each level filtered to them.
    root = {"code": "", "level": "root"}
    two = [
        {"code": "350304100000", "level": "town"},
        {"code": "350305107000", "level": "town"},
        {"code": "350302000000", "level": "county"},
    ]
    found = labels.sources_for(root, two)
    assert [(s.level, s.codes) for s in found] == [
        ("county", ("350302000000",)),
        ("town", ("350304100000", "350305107000")),
    ]
    assert labels.view(found)[1] == {
        "source": "onemap-labels-town",
        "url": "/api/v1/labels/town.geojson",
        "codes": ["350304100000", "350305107000"],
    }


# --- the style ----------------------------------------------------------------------------


def built_settings(tmp_path, **overrides):
    data = tmp_path / "basemap.geojson"
    data.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    return load_settings(
        overrides={"basemap_file": str(data), **overrides}, environ={}, config_path=None
    )


def test_the_style_is_complete_and_every_url_in_it_answers(client):
    settings = client.application.extensions["onemap"].settings
    style = basemap.style(settings)
    assert style["version"] == 8 and style["glyphs"] == basemap.GLYPHS_URL
    ids = [layer["id"] for layer in style["layers"]]
    assert len(ids) == len(set(ids))
    symbols = [layer for layer in style["layers"] if layer["type"] == "symbol"]
    assert [s["id"] for s in symbols] == [labels.source_id(level) for level in LEVELS]
    assert ids[-len(symbols) :] == [s["id"] for s in symbols]  # names over the basemap
    assert all(layer["layout"]["text-font"] == [labels.FONTSTACK] for layer in symbols)
    # plotly puts the fills just under the first layer above a "water" one: the names.
    anchor = ids.index(basemap.OVERLAY_ANCHOR["id"])
    assert ids[anchor + 1] == symbols[0]["id"]
    for source in style["sources"].values():
        if source["type"] == "geojson" and isinstance(source["data"], str):
            assert client.get(source["data"]).status_code == 200, source
    glyph = style["glyphs"].replace("{fontstack}", labels.FONTSTACK).replace("{range}", "0-255")
    assert client.get(glyph).status_code == 200
    json.dumps(style)  # plain JSON, as a figure carries it


def test_the_style_is_the_same_for_every_view_and_the_view_names_the_rest(client):
    settings = client.application.extensions["onemap"].settings
    assert basemap.style(settings) == basemap.style(settings)
    town = client.get("/api/v1/divisions/350304100").get_json()
    shown = basemap.view(settings, labels.sources_for(town, [{"code": "x", "level": "village"}]))
    assert shown["basemap"] == basemap.chosen(settings).id
    (names,) = shown["labels"]
    assert names["source"] in basemap.style(settings)["sources"]
    assert len(features(client.get(names["url"]))) == 17
    assert basemap.view(settings, (), "no-such-basemap")["basemap"] == shown["basemap"]
    json.dumps(shown)


def test_the_offline_basemap_has_land_at_putian_and_sea_east_of_it(client):
    settings = client.application.extensions["onemap"].settings
    if not basemap.offline_file(settings).is_file():
        require_or_skip(
            "the offline basemap is not built: make install (Debian gmt, gmt-gshhg-full)"
        )
    response = client.get(basemap.OFFLINE_URL, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    import gzip

    collection = json.loads(gzip.decompress(response.data))
    land = unary_union(
        [shape(f["geometry"]) for f in collection["features"] if f["properties"]["kind"] == "land"]
    )
    on_land = {
        "莆田市区 (荔城区)": (119.02, 25.43),
        "仙游县城": (118.69, 25.36),
        "湄洲岛": (119.12, 25.07),
        "南日岛": (119.49, 25.22),
    }
    at_sea = {"兴化湾": (119.35, 25.40), "平海湾外": (119.40, 25.10), "台湾海峡": (119.80, 25.00)}
    assert [n for n, p in on_land.items() if not land.contains(Point(p))] == []
    assert [n for n, p in at_sea.items() if land.contains(Point(p))] == []
    kinds = {f["properties"]["kind"] for f in collection["features"]}
    assert kinds == {"land", "river"}


# --- the switcher ---------------------------------------------------------------------------


def test_the_default_is_offline_when_built_and_needs_no_outside_server(tmp_path):
    settings = built_settings(tmp_path)
    assert basemap.choices(settings) == [
        {"label": "离线底图", "value": "offline"},
        {"label": "空白底图", "value": "blank"},
    ]
    assert basemap.origins(settings) == []
    assert basemap.attribution(settings).startswith("底图：GSHHG")
    missing = load_settings(
        overrides={"basemap_file": str(tmp_path / "none.geojson")}, environ={}, config_path=None
    )
    assert [c["value"] for c in basemap.choices(missing)] == ["blank"]
    blank = basemap.style(missing)
    basemap_layers = [layer for layer in blank["layers"] if "metadata" in layer]
    assert [(layer["type"], layer["layout"]) for layer in basemap_layers] == [
        ("background", {"visibility": "visible"})
    ]
    assert not [s for s in blank["sources"] if not s.startswith("onemap-labels-")]


def test_configured_online_basemaps_are_offered_with_chinese_names(tmp_path):
    settings = built_settings(
        tmp_path,
        tiles_url="https://tiles.example.org/{z}/{x}/{y}.png",
        tiles_attribution="© 某测绘院",
        tianditu_key="k123",
        basemaps_online="osm,amap",
    )
    names = {c["value"]: c["label"] for c in basemap.choices(settings)}
    assert names == {
        "custom": "自定义瓦片",  # tiles_url set: it stays the default, as before the switcher
        "offline": "离线底图",
        "blank": "空白底图",
        "tianditu-vec": "天地图矢量",
        "tianditu-img": "天地图影像",
        "osm": "OpenStreetMap",
        "amap": "高德地图",
    }
    assert basemap.choices(settings)[0]["value"] == "custom"
    assert basemap.chosen(settings, "amap").crs == "gcj02"
    assert basemap.chosen(settings, "tianditu-img").crs == "wgs84"
    style = basemap.style(settings)
    vec = [s for i, s in style["sources"].items() if i.startswith("onemap-tianditu-vec")]
    assert len(vec) == 2 and all("tk=k123" in url for s in vec for url in s["tiles"])
    assert "LAYER=cva" in vec[1]["tiles"][0]  # the annotation layer over the map
    # Every offered basemap is in the one style; only the default is shown.
    shown = {
        layer["metadata"]["onemap:basemap"]
        for layer in style["layers"]
        if layer.get("layout", {}).get("visibility") == "visible" and "metadata" in layer
    }
    assert shown == {"custom"}
    offered = {
        layer["metadata"]["onemap:basemap"] for layer in style["layers"] if "metadata" in layer
    }
    assert offered == set(names)
    assert basemap.origins(settings) == sorted(
        ["https://tiles.example.org", "https://tile.openstreetmap.org"]
        + [f"https://t{n}.tianditu.gov.cn" for n in range(8)]
        + [f"https://webrd0{n}.is.autonavi.com" for n in range(1, 5)]
    )


def test_a_forged_or_unavailable_choice_falls_back_to_the_default(tmp_path):
    settings = built_settings(tmp_path)
    for forged in ("osm", "amap", "tianditu-vec", "../../etc", None, 3, {"id": "osm"}):
        assert basemap.chosen(settings, forged).id == "offline"
    assert basemap.view(settings, (), "osm")["basemap"] == "offline"
    assert not [s for s in basemap.style(settings)["sources"] if "osm" in s]
    assert basemap.chosen(built_settings(tmp_path, basemap="blank")).id == "blank"


def test_basemap_settings_are_checked_on_load():
    with pytest.raises(SettingsError, match="ONEMAP_BASEMAP"):
        load_settings(environ={"ONEMAP_BASEMAP": "google"}, config_path=None)
    with pytest.raises(SettingsError, match="ONEMAP_BASEMAPS_ONLINE"):
        load_settings(environ={"ONEMAP_BASEMAPS_ONLINE": "osm,bing"}, config_path=None)
    with pytest.raises(SettingsError, match="ONEMAP_BASEMAP_MBTILES_CRS"):
        load_settings(environ={"ONEMAP_BASEMAP_MBTILES_CRS": "bd09"}, config_path=None)
    known = load_settings(environ={}, config_path=None)
    assert known.basemap == "" and known.basemaps_online == frozenset()
    assert set(basemap.IDS) == {
        "offline",
        "blank",
        "custom",
        "local",
        "tianditu-vec",
        "tianditu-img",
        "osm",
        "amap",
    }


# --- a local tile file -----------------------------------------------------------------------

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def mbtiles_app(request, tmp_path_factory):
    """An app (SQLite) whose 本地瓦片 basemap is a one-tile MBTiles file."""
    from app.factory import create_app

    path = tmp_path_factory.mktemp("mbtiles") / "putian.mbtiles"
    with sqlite3.connect(path) as tiles:
        tiles.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        tiles.execute(
            "CREATE TABLE tiles (zoom_level INT, tile_column INT, tile_row INT, tile_data BLOB)"
        )
        tiles.execute("INSERT INTO metadata VALUES ('format', 'png')")
        # XYZ 10/851/440 is TMS row 1023 - 440 = 583.
        tiles.execute("INSERT INTO tiles VALUES (10, 851, 583, ?)", (PNG,))
    with database_for(request, "mbtiles", kind="sqlite") as url:
        yield create_app(settings_for(url, basemap_mbtiles=str(path), basemap="local"))


def test_a_local_tile_file_is_served_by_the_app(mbtiles_app):
    from tests.app_fixtures import client_factory

    client = client_factory(mbtiles_app)("xiuyu.staff")
    settings = mbtiles_app.server.extensions["onemap"].settings
    assert basemap.choices(settings)[0] == {"label": "本地瓦片", "value": "local"}
    style = basemap.style(settings)
    template = style["sources"]["onemap-local-0"]["tiles"][0]
    assert template == basemap.LOCAL_TILES_URL and basemap.origins(settings) == []
    tile = client.get(template.format(z=10, x=851, y=440))
    assert tile.status_code == 200 and tile.mimetype == "image/png" and tile.data == PNG
    assert client.get(template.format(z=10, x=851, y=441)).status_code == 404
    assert client.get(template.format(z=3, x=9, y=0)).status_code == 404  # not a tile
    anonymous = mbtiles_app.server.test_client().get(template.format(z=10, x=851, y=440))
    assert anonymous.status_code == 302
