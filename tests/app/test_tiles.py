"""GET /api/v1/tiles/<level>/<z>/<x>/<y>.mvt: vector tiles scoped like the GeoJSON layers.

Tiles are decoded (layers.tiles.decode) and their units' codes checked against the viewer's
scope: on PostGIS they are made by ST_AsMVT; on SQLite the route answers a clear 501.
"""

from __future__ import annotations

import gzip

import pytest

from layers import tiles

XTW = "350304100000"  # 西天尾镇 (荔城区)
XTW_PREFIX = "350304100"
ZOOM = 11  # a tile of about 20 km: 西天尾镇 and its neighbours in other towns


def engine_of(app) -> str:
    with app.server.extensions["onemap"].sessions() as session:
        return session.get_bind().dialect.name


@pytest.fixture
def postgis_only(onemap_app):
    if engine_of(onemap_app) != "postgresql":
        pytest.skip("vector tiles are made by PostGIS")


@pytest.fixture
def sqlite_only(onemap_app):
    if engine_of(onemap_app) != "sqlite":
        pytest.skip("the SQLite answer")


def xtw_tile_url(client, level="village", z=ZOOM) -> str:
    profile = client.get(f"/api/v1/divisions/{XTW}").get_json()
    x, y = tiles.tile_of(*profile["label_point"], z)
    return f"/api/v1/tiles/{level}/{z}/{x}/{y}.mvt"


def features(response) -> list[dict]:
    assert response.status_code == 200, response.data
    assert response.mimetype == tiles.MEDIA_TYPE
    body = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return [f for layer in tiles.decode(body).values() for f in layer]


def test_a_city_viewer_gets_the_villages_of_several_towns_in_one_tile(
    client, postgis_only, client_as
):
    url = xtw_tile_url(client)
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    got = features(response)
    codes = {str(f["$id"]) for f in got}
    assert all(f["$type"] == 3 for f in got)  # polygons
    assert {c[:9] for c in codes} > {XTW_PREFIX}  # 西天尾镇 and neighbouring towns
    assert all(len(c) == 12 and c.startswith("3503") for c in codes)
    assert len([c for c in codes if c.startswith(XTW_PREFIX)]) >= 10
    layer_names = tiles.decode(gzip.decompress(response.data))
    assert list(layer_names) == ["village"]
    # No properties: the code is the feature id, names come from the profile API.
    assert set(got[0]) == {"$id", "$type"}


def test_a_town_viewer_gets_only_their_own_villages(client, postgis_only, client_as):
    url = xtw_tile_url(client)
    everyone = {str(f["$id"]) for f in features(client.get(url))}
    mine = {str(f["$id"]) for f in features(client_as("xtw.staff").get(url))}
    assert mine and all(c.startswith(XTW_PREFIX) for c in mine)
    assert mine == {c for c in everyone if c.startswith(XTW_PREFIX)}


def test_a_viewer_of_another_district_gets_nothing_of_that_town(client, postgis_only, client_as):
    url = xtw_tile_url(client)
    theirs = {str(f["$id"]) for f in features(client_as("xiuyu.staff").get(url))}
    assert not any(c.startswith(XTW_PREFIX) for c in theirs)
    assert all(c.startswith("350305") for c in theirs)


def test_parent_narrows_the_tile_and_is_checked_against_the_scope(client, postgis_only, client_as):
    url = xtw_tile_url(client)
    inside = {str(f["$id"]) for f in features(client.get(f"{url}?parent={XTW}"))}
    assert inside and all(c.startswith(XTW_PREFIX) and c != XTW for c in inside)
    outsider = client_as("xiuyu.staff")
    assert outsider.get(f"{url}?parent={XTW}").status_code == 403
    assert client.get(f"{url}?parent=350399999000").status_code == 404


def test_tiles_revalidate_with_an_etag(client, postgis_only):
    url = xtw_tile_url(client)
    first = client.get(url)
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_bad_addresses_and_levels_are_404(client):
    assert client.get("/api/v1/tiles/village/3/8/0.mvt").status_code == 404  # x beyond 2^3
    assert client.get("/api/v1/tiles/village/23/0/0.mvt").status_code == 404
    response = client.get("/api/v1/tiles/province/5/26/13.mvt")
    assert response.status_code == 404 and "未知层级" in response.get_json()["message"]


def test_anonymous_gets_401(anonymous):
    assert anonymous.get("/api/v1/tiles/village/11/1712/876.mvt").status_code == 401


def test_sqlite_answers_501_with_a_clear_message(client, sqlite_only):
    response = client.get(xtw_tile_url(client))
    assert response.status_code == 501
    assert "PostGIS" in response.get_json()["message"]


def test_tiles_draw_the_geometry_as_it_is_now(client, postgis_only, onemap_app):
    """Tiles read a web mercator copy that PostgreSQL keeps (migration 0004): a unit moved by
    whatever writes it is moved in its tile too."""
    from sqlalchemy import text

    sessions = onemap_app.server.extensions["onemap"].sessions
    with sessions() as session:
        moved = session.execute(
            text(
                "UPDATE divisions SET geom = ST_Translate(geom, 0.01, 0) "
                "WHERE code = '350304100001' RETURNING ST_XMin(ST_Transform(geom, 3857))"
            )
        ).scalar_one()
        kept = session.execute(
            text("SELECT ST_XMin(geom_3857) FROM divisions WHERE code = '350304100001'")
        ).scalar_one()
        stale = session.execute(
            text(
                "SELECT count(*) FROM divisions "
                "WHERE NOT ST_Equals(geom_3857, ST_Transform(geom, 3857))"
            )
        ).scalar_one()
        session.rollback()
    assert abs(kept - moved) < 1e-6 and stale == 0
