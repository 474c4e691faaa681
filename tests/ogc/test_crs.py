"""Part 2, CRS by reference: answers in CRS84, EPSG:4326 and EPSG:4490 (latitude first) and
EPSG:3857 (metres), bbox in any of them, and the CRS named in Content-Crs."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest

from tests.ogc.helpers import all_pages, body

VILLAGE = "350304100001"
ITEM = f"/ogc/collections/village/items/{VILLAGE}"
URI = "http://www.opengis.net/def/crs/{}"
CRS84 = URI.format("OGC/1.3/CRS84")


def ring(feature: dict) -> np.ndarray:
    return np.array(feature["geometry"]["coordinates"][0][0])


def test_the_collections_offer_the_four_systems(bearer):
    client, headers = bearer("xitianwei.staff")
    village = body(client.get("/ogc/collections/village", headers=headers))
    assert set(village["crs"]) == {
        CRS84,
        URI.format("EPSG/0/4326"),
        URI.format("EPSG/0/4490"),
        URI.format("EPSG/0/3857"),
    }
    assert village["storageCrs"] == CRS84


@pytest.mark.parametrize("code", ["4326", "4490"])
def test_geographic_epsg_answers_put_latitude_first(bearer, code):
    client, headers = bearer("xitianwei.staff")
    plain = client.get(ITEM, headers=headers)
    assert plain.headers["Content-Crs"] == f"<{CRS84}>"
    uri = URI.format(f"EPSG/0/{code}")
    swapped = client.get(ITEM, query_string={"crs": uri}, headers=headers)
    assert swapped.headers["Content-Crs"] == f"<{uri}>"
    lon_lat, lat_lon = ring(body(plain)), ring(body(swapped))
    assert np.allclose(lon_lat[:, ::-1], lat_lon)
    assert 25 < lat_lon[0, 0] < 26 and 118 < lat_lon[0, 1] < 120  # Putian: lat ~25, lon ~119
    # The short spelling is the same system.
    short = client.get(ITEM, query_string={"crs": f"EPSG:{code}"}, headers=headers)
    assert np.allclose(ring(body(short)), lat_lon)


def test_web_mercator_answers_are_pyproj_s_metres(bearer):
    client, headers = bearer("xitianwei.staff")
    lon_lat = ring(body(client.get(ITEM, headers=headers)))
    uri = URI.format("EPSG/0/3857")
    page = client.get(
        "/ogc/collections/village/items", query_string={"crs": uri, "limit": 50}, headers=headers
    )
    assert page.headers["Content-Crs"] == f"<{uri}>"
    feature = next(f for f in body(page)["features"] if f["id"] == VILLAGE)
    metres = ring(feature)
    to_mercator = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    x, y = to_mercator.transform(lon_lat[:, 0], lon_lat[:, 1])
    assert np.allclose(metres, np.column_stack([x, y]), atol=0.01)
    assert 13_000_000 < metres[0, 0] < 13_400_000


def test_a_bbox_means_the_same_place_in_every_system(bearer):
    client, headers = bearer("city.leader")
    west, south, east, north = 119.00, 25.45, 119.05, 25.50
    to_mercator = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    (x0, x1), (y0, y1) = to_mercator.transform([west, east], [south, north])
    boxes = {
        CRS84: f"{west},{south},{east},{north}",
        URI.format("EPSG/0/4326"): f"{south},{west},{north},{east}",
        URI.format("EPSG/0/4490"): f"{south},{west},{north},{east}",
        URI.format("EPSG/0/3857"): f"{x0},{y0},{x1},{y1}",
    }
    found = {}
    for uri, box in boxes.items():
        url = f"/ogc/collections/village/items?limit=100&bbox={box}&bbox-crs={uri}"
        features, _ = all_pages(client, url, headers)
        found[uri] = sorted(f["id"] for f in features)
    assert found[CRS84] and len(found[CRS84]) < 60
    assert all(ids == found[CRS84] for ids in found.values()), found
    # Read the other way round, the 4326 box is somewhere else entirely (nothing there).
    wrong = (
        f"/ogc/collections/village/items?bbox={boxes[CRS84]}&bbox-crs={URI.format('EPSG/0/4326')}"
    )
    assert body(client.get(wrong, headers=headers))["features"] == []


def test_an_unknown_system_is_400(bearer):
    client, headers = bearer("xitianwei.staff")
    for query in ({"crs": "EPSG:4549"}, {"bbox-crs": "EPSG:32650", "bbox": "1,2,3,4"}):
        response = client.get("/ogc/collections/village/items", query_string=query, headers=headers)
        assert response.status_code == 400 and "CRS84" in response.get_json()["message"]
    assert client.get(ITEM, query_string={"crs": "EPSG:2000"}, headers=headers).status_code == 400
