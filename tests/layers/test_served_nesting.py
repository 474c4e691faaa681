"""The levels nest as served: at each detail and in each datum the API serves, the children
of a unit tile it exactly (gaps and overlaps under 1 m2), and no served ring has a spike."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from layers import codes
from layers.display import DETAILS, DISPLAY_CRS
from tests.app_fixtures import app_on_engine, client_factory
from tests.layers.test_spikes import spike_tips

SQ_M_TOLERANCE = 1.0
# Areas on the ground: UTM zone 50N covers Putian (the GCJ-02 shift, ~500 m, changes no
# area measurably).
TO_METRES = Transformer.from_crs(4326, 32650, always_xy=True)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def onemap_app(request) -> Iterator:
    with app_on_engine(request, "app") as app:
        yield app


@pytest.fixture(scope="module")
def client(onemap_app):
    return client_factory(onemap_app)("city.leader")


def served(client, level: str, detail: str, crs: str) -> dict[str, tuple[str, object]]:
    response = client.get(f"/api/v1/layers/{level}.geojson?detail={detail}&crs={crs}")
    assert response.status_code == 200, response.data
    body = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return {
        f["properties"]["code"]: (f["properties"]["parent_code"], shape(f["geometry"]))
        for f in json.loads(body)["features"]
    }


def metres(geom):
    return shapely.transform(
        geom, lambda xy: np.column_stack(TO_METRES.transform(xy[:, 0], xy[:, 1]))
    )


@pytest.mark.parametrize("crs", DISPLAY_CRS)
@pytest.mark.parametrize("detail", DETAILS)
def test_children_tile_their_parent_as_served(client, detail, crs):
    layers = {level: served(client, level, detail, crs) for level in codes.LEVELS}
    assert [len(layers[level]) for level in codes.LEVELS] == [1, 5, 57, 979]
    for parent_level, child_level in zip(codes.LEVELS, codes.LEVELS[1:], strict=False):
        for code, (_, parent) in layers[parent_level].items():
            kids = [metres(g) for p, g in layers[child_level].values() if p == code]
            assert kids, code
            parent_m = metres(parent)
            union = shapely.union_all(kids)
            gap = shapely.difference(parent_m, union).area
            spill = shapely.difference(union, parent_m).area
            overlap = sum(kid.area for kid in kids) - union.area
            assert gap < SQ_M_TOLERANCE, f"{code}: {gap:.1f} m2 of it in no child ({detail})"
            assert spill < SQ_M_TOLERANCE, f"{code}: children {spill:.1f} m2 outside ({detail})"
            assert overlap < SQ_M_TOLERANCE, f"{code}: children overlap {overlap:.1f} m2"


@pytest.mark.parametrize("crs", DISPLAY_CRS)
@pytest.mark.parametrize("detail", DETAILS)
def test_no_served_ring_has_a_spike(client, detail, crs):
    for level in codes.LEVELS:
        spiky = {
            code: tips
            for code, (_, geom) in served(client, level, detail, crs).items()
            if (tips := spike_tips(geom))
        }
        assert not spiky, (level, detail, crs)
