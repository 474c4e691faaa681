"""The HTTP API: boundary layers as GeoJSON by URL, and unit profiles."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
import shapely
from shapely.geometry import shape


def geojson(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.data
    body = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return response, json.loads(body)


def _stored_vertex_count(level: str) -> int:
    stored = json.loads(open(f"data/boundaries/{level}.geojson", encoding="utf-8").read())
    geoms = np.array([shape(f["geometry"]) for f in stored["features"]], dtype=object)
    return len(shapely.get_coordinates(geoms))


@pytest.mark.parametrize(
    ("level", "count"), [("city", 1), ("county", 5), ("town", 57), ("village", 979)]
)
def test_each_level_is_served_whole_with_its_properties(client, level, count):
    response, data = geojson(client, f"/api/v1/layers/{level}.geojson")
    assert response.mimetype == "application/geo+json"
    assert data["type"] == "FeatureCollection" and len(data["features"]) == count
    for feature in data["features"]:
        props = feature["properties"]
        assert set(props) >= {"code", "name", "level", "parent_code", "geometry_source"}
        assert props["level"] == level
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_parent_filter_returns_only_the_children_inside(client):
    _, data = geojson(client, "/api/v1/layers/village.geojson?parent=350304100")
    codes = sorted(f["properties"]["code"] for f in data["features"])
    assert len(codes) == 17 and all(c.startswith("350304100") for c in codes)
    _, towns = geojson(client, "/api/v1/layers/town.geojson?parent=350304000000")
    assert len(towns["features"]) == 6


def test_served_geometry_is_simplified_rounded_and_keeps_shared_edges(client):
    _, data = geojson(client, "/api/v1/layers/village.geojson")
    geoms = np.array([shape(f["geometry"]) for f in data["features"]], dtype=object)
    coords = shapely.get_coordinates(geoms)
    # Rounded to 5 decimals (~1 m).
    assert np.allclose(coords, np.round(coords, 5), atol=1e-12)
    # Simplified: fewer vertices than the stored full-resolution polygons; the counties too
    # (their edges are their villages' edges as served, simplified once: issue 20).
    assert len(coords) < _stored_vertex_count("village")
    _, counties = geojson(client, "/api/v1/layers/county.geojson")
    served = len(
        shapely.get_coordinates(
            np.array([shape(f["geometry"]) for f in counties["features"]], dtype=object)
        )
    )
    assert served < _stored_vertex_count("county")
    # Neighbours still share their edges: no slivers or gaps opened between them.
    assert shapely.coverage_is_valid(geoms)
    sizes = [f["properties"]["code"] for f in data["features"]]
    assert len(sizes) == len(set(sizes))


def test_gzip_and_etag_revalidation(client):
    response = client.get("/api/v1/layers/town.geojson", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    raw = client.get("/api/v1/layers/town.geojson")
    assert "Content-Encoding" not in raw.headers
    assert len(response.data) < 0.5 * len(raw.data)
    etag = response.headers["ETag"]
    gzip_match = {"If-None-Match": etag, "Accept-Encoding": "gzip"}
    again = client.get("/api/v1/layers/town.geojson", headers=gzip_match)
    assert again.status_code == 304 and again.data == b""
    other = client.get("/api/v1/layers/town.geojson?parent=350304", headers=gzip_match)
    assert other.status_code == 200


def test_gcj02_display_shifts_coordinates_for_a_gcj02_basemap(client):
    _, wgs = geojson(client, "/api/v1/layers/county.geojson")
    _, gcj = geojson(client, "/api/v1/layers/county.geojson?crs=gcj02")
    a = shape(wgs["features"][0]["geometry"]).centroid
    b = shape(gcj["features"][0]["geometry"]).centroid
    assert 0.003 < b.x - a.x < 0.006 and -0.004 < b.y - a.y < -0.002  # east and south


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/layers/province.geojson", 404),
        ("/api/v1/layers/town.geojson?parent=35x", 400),
        ("/api/v1/layers/town.geojson?crs=bd09", 400),
    ],
)
def test_bad_layer_requests_get_a_clear_message(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response.json["message"] and response.json["error"]


def test_division_profile(client):
    response = client.get("/api/v1/divisions/350304100")
    assert response.status_code == 200
    profile = response.json
    assert profile["name"] == "西天尾镇" and profile["code"] == "350304100000"
    assert profile["level"] == "town" and profile["parent_name"] == "荔城区"
    assert profile["children_count"] == 17 and profile["children_level"] == "village"
    assert profile["geometry_source"] == "generated" and profile["approximate"] is True
    assert [a["name"] for a in profile["ancestors"]] == ["莆田市", "荔城区"]
    assert 10 < profile["area_km2"] < 200


def test_unknown_and_malformed_codes(client):
    missing = client.get("/api/v1/divisions/350304199")
    assert missing.status_code == 404
    assert "350304199000" in missing.json["message"]
    bad = client.get("/api/v1/divisions/abc")
    assert bad.status_code == 400


def test_overview_detail_is_lighter_and_still_a_clean_coverage(client):
    full = client.get("/api/v1/layers/village.geojson", headers={"Accept-Encoding": "gzip"})
    overview = client.get(
        "/api/v1/layers/village.geojson?detail=overview", headers={"Accept-Encoding": "gzip"}
    )
    assert len(overview.data) < 0.9 * len(full.data)
    assert overview.headers["ETag"] != full.headers["ETag"]
    geoms = np.array(
        [shape(f["geometry"]) for f in json.loads(gzip.decompress(overview.data))["features"]],
        dtype=object,
    )
    assert len(geoms) == 979 and shapely.coverage_is_valid(geoms)
    assert client.get("/api/v1/layers/village.geojson?detail=max").status_code == 400


def test_outline_lines_carry_each_shared_edge_once(client):
    polygons = json.loads(client.get("/api/v1/layers/village.geojson").data)
    lines = json.loads(client.get("/api/v1/layers/village.geojson?as=lines").data)
    assert len(lines["features"]) == 1
    edges = shape(lines["features"][0]["geometry"])
    assert edges.geom_type in ("MultiLineString", "LineString")
    rings = shapely.union_all([shape(f["geometry"]).boundary for f in polygons["features"]])
    # The same edges, drawn once: every polygon edge is covered and nothing else is added.
    assert shapely.hausdorff_distance(edges, rings) < 1e-6
    # No per-unit properties and no edge twice: much lighter than the polygons.
    assert len(json.dumps(lines)) < 0.6 * len(json.dumps(polygons))
    staff = client.get("/api/v1/layers/village.geojson?as=lines&parent=350305")
    assert staff.status_code == 200
