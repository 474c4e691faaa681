"""Assigning points to villages: shapely everywhere, PostGIS where it runs, one answer."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from layers import repository
from layers.assign import VillageIndex, assign_villages, assign_villages_postgis
from layers.load import load_shipped
from layers.sources import BOUNDARIES_DIR

BEIJING = (116.397, 39.909)
SEA_EAST_OF_NANRI = (119.62, 25.22)  # inside the city's bounding box, outside the city


@pytest.fixture
def villages(engine, session) -> dict:
    """The shipped boundaries loaded; {code: polygon} of the villages."""
    load_shipped(engine, BOUNDARIES_DIR)
    return {row.code: row.geom for row in repository.by_level(session, "village")}


def both_ways(session, lon, lat) -> list[np.ndarray]:
    """shapely's answer, and PostGIS's too where the session is on PostgreSQL."""
    answers = [assign_villages(session, lon, lat)]
    if session.get_bind().dialect.name == "postgresql":
        answers.append(assign_villages_postgis(session, lon, lat))
    return answers


def test_label_points_fall_in_their_own_village(session, villages):
    rows = repository.by_level(session, "village")
    lon = np.array([row.label_lon for row in rows])
    lat = np.array([row.label_lat for row in rows])
    for answer in both_ways(session, lon, lat):
        assert answer.tolist() == [row.code for row in rows]


def test_points_outside_the_city_get_none(session, villages):
    city = repository.by_level(session, "city")[0].geom
    assert not any(city.covers(Point(*p)) for p in (BEIJING, SEA_EAST_OF_NANRI))
    lon = np.array([BEIJING[0], SEA_EAST_OF_NANRI[0], np.nan])
    lat = np.array([BEIJING[1], SEA_EAST_OF_NANRI[1], 25.4])
    for answer in both_ways(session, lon, lat):
        assert answer.tolist() == [None, None, None]


def test_empty_input_and_shape_errors(session, villages):
    for answer in both_ways(session, np.array([]), np.array([])):
        assert answer.shape == (0,)
    with pytest.raises(ValueError, match="1-D arrays of one length"):
        assign_villages(villages, np.zeros(3), np.zeros(2))


def test_a_shared_vertex_goes_to_the_smaller_code_every_time(session, villages):
    owners: dict[tuple[float, float], set[str]] = {}
    for code, geom in villages.items():
        for x, y in shapely.get_coordinates(geom.boundary):
            owners.setdefault((x, y), set()).add(code)
    shared = sorted((xy, codes) for xy, codes in owners.items() if len(codes) >= 2)
    assert shared, "no two villages share a vertex"
    picked = shared[:: max(1, len(shared) // 50)]
    lon = np.array([xy[0] for xy, _ in picked])
    lat = np.array([xy[1] for xy, _ in picked])
    expected = [min(codes) for _, codes in picked]
    for answer in both_ways(session, lon, lat):
        assert answer.tolist() == expected
    # The answer does not depend on the order the points come in.
    reverse = assign_villages(villages, lon[::-1], lat[::-1])
    assert reverse.tolist() == expected[::-1]


def test_a_point_on_a_shared_edge_gets_exactly_one_neighbour(session, villages):
    index = VillageIndex.build(villages)
    edges = Counter()
    for geom in villages.values():
        for ring in shapely.get_parts(geom.boundary):
            xy = shapely.get_coordinates(ring)
            for a, b in zip(xy[:-1], xy[1:], strict=True):
                edges[tuple(sorted((tuple(a), tuple(b))))] += 1
    (a, b), _ = next((edge, n) for edge, n in sorted(edges.items()) if n == 2)
    mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
    neighbours = {c for c, g in villages.items() if g.distance(Point(mid)) < 1e-9}
    answers = both_ways(session, np.array([mid[0]]), np.array([mid[1]]))
    assert answers[0][0] in neighbours
    assert all(answer.tolist() == answers[0].tolist() for answer in answers)
    assert assign_villages(index, np.array([mid[0]]), np.array([mid[1]]))[0] == answers[0][0]


@pytest.mark.postgis
@pytest.mark.parametrize("engine", ["postgis"], indirect=True)
def test_shapely_and_postgis_agree_on_random_points(session, villages):
    city = repository.by_level(session, "city")[0].geom
    rng = np.random.default_rng(7)
    min_lon, min_lat, max_lon, max_lat = city.bounds
    lon = rng.uniform(min_lon, max_lon, 5000)
    lat = rng.uniform(min_lat, max_lat, 5000)
    shapely_answer, postgis_answer = both_ways(session, lon, lat)
    assert shapely_answer.tolist() == postgis_answer.tolist()
    inside = sum(code is not None for code in shapely_answer)
    assert 1000 < inside < 4000  # the bbox holds sea and neighbours too
    # A mapping, an index built once and a session all give the same answer.
    assert (
        assign_villages(VillageIndex.build(villages), lon, lat).tolist() == shapely_answer.tolist()
    )


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_postgis_variant_refuses_sqlite(session, villages):
    with pytest.raises(ValueError, match="PostgreSQL"):
        assign_villages_postgis(session, np.array([119.0]), np.array([25.4]))
