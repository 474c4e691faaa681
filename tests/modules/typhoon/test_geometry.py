"""Wind circles (geodesic, one radius per quadrant), interpolation, and enter/leave times on a
hand-computed case: a storm moving due north straight over a village."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import shapely
from pyproj import Geod

from modules.typhoon.circles import interpolate, quadrant_of, ring
from modules.typhoon.exposure import Target, Targets, at_time, timeline
from modules.typhoon.track import Fix, quadrants_from_axes

GEOD = Geod(ellps="WGS84")
T0 = datetime(2015, 9, 28, 0, tzinfo=UTC)


@pytest.mark.parametrize("centre", [(119.0, 25.4), (150.0, 10.0), (120.5, 34.0)])
def test_a_100_km_circle_lies_100_km_from_its_centre(centre):
    lon, lat = centre
    outline = ring(lon, lat, (100, 100, 100, 100))
    assert len(outline) > 100
    for x, y in outline:
        _, _, metres = GEOD.inv(lon, lat, x, y)
        assert metres == pytest.approx(100_000, rel=0.001)


def test_quadrants_each_keep_their_own_radius():
    lon, lat = 119.0, 25.4
    radii = (300, 200, 100, 0)
    outline = ring(lon, lat, radii)
    for x, y in outline:
        azimuth, _, metres = GEOD.inv(lon, lat, x, y)
        if metres < 1:  # the NW quadrant of radius 0 collapses to the centre
            continue
        bearing = azimuth % 360
        allowed = {radii[quadrant_of(bearing + 0.01)], radii[quadrant_of(bearing - 0.01)]}
        assert min(abs(metres / 1000 - r) for r in allowed) < 0.3, (bearing, metres)
    # NE reaches 300 km due north-east; SW only 100 km south-west.
    polygon = shapely.Polygon(outline)
    ne = GEOD.fwd(lon, lat, 45, 290_000)[:2]
    sw_far = GEOD.fwd(lon, lat, 225, 150_000)[:2]
    sw_near = GEOD.fwd(lon, lat, 225, 90_000)[:2]
    nw = GEOD.fwd(lon, lat, 315, 20_000)[:2]
    assert polygon.contains(shapely.Point(ne))
    assert not polygon.contains(shapely.Point(sw_far))
    assert polygon.contains(shapely.Point(sw_near))
    assert not polygon.contains(shapely.Point(nw))


def test_jma_axes_become_quadrants_by_the_documented_rule():
    assert quadrants_from_axes("ne", 300, 100) == (300, 200, 100, 200)
    assert quadrants_from_axes("e", 300, 100) == (300, 300, 100, 100)
    assert quadrants_from_axes("", 300, 100) == (300, 300, 300, 300)


def test_interpolation_moves_along_the_track_and_blends_radii():
    a = Fix(T0, 119.0, 24.0, 990, 30, "4", {7: (200,) * 4, 10: (100,) * 4, 12: None})
    b = Fix(T0 + timedelta(hours=6), 119.0, 25.0, 980, 40, "4", {7: (300,) * 4, 10: None, 12: None})
    middle = interpolate([a, b], T0 + timedelta(hours=3))
    assert middle.lon == pytest.approx(119.0)
    assert middle.lat == pytest.approx(24.5, abs=0.002)
    assert middle.radii[7] == (250,) * 4
    assert middle.radii[10] is None  # unavailable at one end: unavailable between
    assert middle.pressure == 985


def north_bound_storm(radius_km: float = 50):
    """Due north along 119.0E from 24N to 26N in 20 hours, one symmetric radius."""
    radii = {7: (radius_km,) * 4, 10: None, 12: None}
    return [
        Fix(T0, 119.0, 24.0, 980, 35, "4", radii),
        Fix(T0 + timedelta(hours=20), 119.0, 26.0, 980, 35, "4", radii),
    ]


def test_a_storm_passing_straight_over_a_village_enters_and_leaves_on_time():
    # Hand computation: the centre moves along the meridian at total/20 h; the village (a
    # small square around 25.0N) is entered when the centre is 50 km south of its south edge
    # and left when it is 50 km north of its north edge.
    half = 0.01
    village = shapely.box(119.0 - half, 25.0 - half, 119.0 + half, 25.0 + half)
    site = shapely.Point(119.0, 25.0)
    targets = Targets(
        [
            Target("350305101001", "测试村", "village", village),
            Target("flood:1", "测试点", "site", site, "350305101001"),
        ]
    )
    total = GEOD.inv(119.0, 24.0, 119.0, 26.0)[2]
    speed = total / (20 * 3600)  # metres per second

    def when(lat: float, offset_m: float) -> datetime:
        along = GEOD.inv(119.0, 24.0, 119.0, lat)[2] + offset_m
        return T0 + timedelta(seconds=along / speed)

    found = timeline(north_bound_storm(), targets)
    ((v_in, v_out),) = found["350305101001"].intervals[7]
    assert abs(v_in - when(25.0 - half, -50_000)) <= timedelta(minutes=1)
    assert abs(v_out - when(25.0 + half, 50_000)) <= timedelta(minutes=1)
    ((s_in, s_out),) = found["flood:1"].intervals[7]
    assert abs(s_in - when(25.0, -50_000)) <= timedelta(minutes=1)
    assert abs(s_out - when(25.0, 50_000)) <= timedelta(minutes=1)
    # The centre passes over both: closest approach 0 at the moment it crosses 25.0N.
    assert found["flood:1"].closest_km == pytest.approx(0, abs=0.1)
    assert abs(found["flood:1"].closest_at - when(25.0, 0)) <= timedelta(minutes=1)
    assert found["350305101001"].closest_km == 0
    assert found["350305101001"].intervals[10] == []
    # At one time: inside exactly between entry and exit.
    inside = at_time(north_bound_storm(), when(25.0, -20_000), targets)
    assert [t.key for t in inside[7][0]] == ["350305101001"]
    assert [t.key for t in inside[7][1]] == ["flood:1"]
    outside = at_time(north_bound_storm(), when(25.0, -70_000), targets)
    assert outside[7] == ([], [])


def test_a_storm_passing_east_at_a_known_distance():
    # A site 0.3 degrees west of the track is about 30 km from it: inside a 50 km circle for
    # the time the centre spends within sqrt(50² - d²) of the nearest point, outside a 25 km one.
    site = shapely.Point(118.7, 25.0)
    targets = Targets([Target("flood:2", "西侧点", "site", site, "350305101001")])
    d = GEOD.inv(118.7, 25.0, 119.0, 25.0)[2] / 1000
    found = timeline(north_bound_storm(50), targets)
    assert found["flood:2"].closest_km == pytest.approx(d, abs=0.3)
    ((start, end),) = found["flood:2"].intervals[7]
    half_chord = (50**2 - d**2) ** 0.5
    speed_km_h = GEOD.inv(119.0, 24.0, 119.0, 26.0)[2] / 1000 / 20
    assert (end - start).total_seconds() / 3600 == pytest.approx(
        2 * half_chord / speed_km_h, rel=0.02
    )
    assert timeline(north_bound_storm(25), targets)["flood:2"].intervals[7] == []
