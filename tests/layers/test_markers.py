"""Viewport filtering and grid clustering of many markers (layers.markers)."""

from __future__ import annotations

import numpy as np
import pytest

from layers.markers import cluster, scope_mask, view_bbox
from tests.accounts_fixture import viewer_as

PUTIAN = (118.6, 24.9, 119.5, 25.8)


def random_points(n: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    return rng.uniform(PUTIAN[0], PUTIAN[2], n), rng.uniform(PUTIAN[1], PUTIAN[3], n)


def test_few_points_in_view_are_drawn_as_themselves():
    lon = np.array([119.0, 119.1, 121.0])
    lat = np.array([25.4, 25.5, 25.4])
    got = cluster(lon, lat, PUTIAN, zoom=9)
    assert got.points.tolist() == [0, 1]  # the third lies east of the box
    assert got.in_view == 2 and len(got.cluster_count) == 0


def test_many_points_become_clusters_that_count_every_point():
    lon, lat = random_points(200_000)
    got = cluster(lon, lat, PUTIAN, zoom=9, cell_px=48, max_points=2000)
    assert got.in_view == 200_000
    assert got.cluster_count.sum() + len(got.points) == 200_000
    assert got.drawn < 2000
    assert (got.cluster_count >= 2).all()
    # A cluster sits among its points: inside the box.
    assert (got.cluster_lon >= PUTIAN[0]).all() and (got.cluster_lon <= PUTIAN[2]).all()
    assert (got.cluster_lat >= PUTIAN[1]).all() and (got.cluster_lat <= PUTIAN[3]).all()


def test_zooming_in_splits_clusters_and_narrows_the_view():
    lon, lat = random_points(100_000)
    wide = cluster(lon, lat, PUTIAN, zoom=9)
    box = view_bbox(119.0, 25.4, 12, 800, 600)
    close = cluster(lon, lat, box, zoom=12)
    assert close.in_view < wide.in_view
    inside = (lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3])
    assert close.in_view == int(inside.sum())
    # Finer cells: more markers per point in view.
    assert close.drawn / close.in_view > wide.drawn / wide.in_view


def test_clusters_are_the_means_of_their_points():
    # Two tight groups far apart: two clusters at their means, counts 3 and 2.
    lon = np.array([119.0, 119.0002, 119.0004, 119.4, 119.4002])
    lat = np.array([25.0, 25.0002, 25.0004, 25.7, 25.7002])
    got = cluster(lon, lat, PUTIAN, zoom=9, max_points=1)
    order = np.argsort(got.cluster_count)
    assert got.cluster_count[order].tolist() == [2, 3]
    assert got.cluster_lon[order] == pytest.approx([119.4001, 119.0002])
    assert got.cluster_lat[order] == pytest.approx([25.7001, 25.0002])


def test_points_outside_the_scope_are_neither_drawn_nor_counted():
    lon, lat = random_points(10_000)
    unit = np.where(np.arange(10_000) % 2 == 0, "350304100001", "350305107002")
    xtw = viewer_as(1, "xtw.staff", "x", "staff", ["350304100"])
    mask = scope_mask(unit, xtw.scopes)
    assert mask.sum() == 5_000
    got = cluster(lon, lat, PUTIAN, zoom=9, max_points=100, mask=mask)
    assert got.in_view == 5_000
    assert got.cluster_count.sum() + len(got.points) == 5_000
    few = cluster(lon, lat, PUTIAN, zoom=9, max_points=10_000, mask=mask)
    assert all(unit[i].startswith("350304100") for i in few.points)
    nobody = viewer_as(2, "n", "n", "staff", [])
    assert not scope_mask(unit, nobody.scopes).any()


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        cluster(np.zeros(2), np.zeros(3), PUTIAN, zoom=9)
    with pytest.raises(ValueError):
        cluster(np.zeros(2), np.zeros(2), (1, 1, 0, 0), zoom=9)
