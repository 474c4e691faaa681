"""The demo key points: 46 in 西天尾镇, about a thousand in all, inside their villages, placed
where their category makes sense, the same on every run and engine."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import shapely
from sqlalchemy import select

from layers import repository
from layers.assign import assign_villages
from modules.flood import demo
from modules.flood.models import FloodKeyPoint
from modules.flood.points import CATEGORIES
from tests.accounts_fixture import system_viewer
from tests.app_fixtures import app_on_engine
from tests.modules.flood.conftest import seed

COLUMNS = (
    "id",
    "name",
    "category",
    "risk_level",
    "responsible_name",
    "responsible_phone",
    "patrol_every_days",
    "lon",
    "lat",
    "village_code",
)


def all_points(sessions) -> list[FloodKeyPoint]:
    with sessions() as session:
        return list(session.scalars(select(FloodKeyPoint).order_by(FloodKeyPoint.id)))


def rows_of(points) -> list[tuple]:
    return [tuple(getattr(p, c) for c in COLUMNS) for p in points]


def test_the_demo_has_46_points_in_xitianwei_and_about_a_thousand_in_all(sessions):
    points = all_points(sessions)
    assert 900 <= len(points) <= 1100
    assert sum(p.village_code.startswith("350304100") for p in points) == 46
    assert {p.category for p in points} <= set(CATEGORIES)
    assert all(re.fullmatch(r"1[3-9]\d{9}", p.responsible_phone) for p in points)
    assert all(p.responsible_name for p in points)
    risks = Counter(p.risk_level for p in points)
    assert risks["blue"] + risks["yellow"] > 0.7 * len(points)
    assert risks["red"] > 0 and risks["orange"] > 0
    xtw = [p for p in points if p.village_code.startswith("350304100")]
    assert all(p.name.startswith("西天尾镇") for p in xtw)
    assert "西天尾镇东星社区" in " ".join(p.name for p in xtw)


def test_every_point_lies_inside_its_village(sessions):
    points = all_points(sessions)
    with sessions() as session:
        villages = {v.code: v.geom for v in repository.by_level(session, "village")}
        assigned = assign_villages(session, [p.lon for p in points], [p.lat for p in points])
    assert list(assigned) == [p.village_code for p in points]
    inside = [villages[p.village_code].contains(shapely.Point(p.lon, p.lat)) for p in points]
    assert all(inside)


def test_seawalls_of_xiuyu_lie_on_its_coast(sessions):
    with sessions() as session:
        counties = {c.code: c.geom for c in repository.by_level(session, "county")}
    # The coast, independently: 秀屿区's boundary where it meets no other county of the city.
    others = shapely.union_all([g for code, g in counties.items() if code != "350305000000"])
    coast = counties["350305000000"].boundary.difference(others.buffer(0.003))
    seawalls = [
        p
        for p in all_points(sessions)
        if p.category == "海堤/河堤" and p.village_code.startswith("350305")
    ]
    assert len(seawalls) >= 20
    distances = shapely.distance(coast, shapely.points([(p.lon, p.lat) for p in seawalls]))
    assert float(np.max(distances)) <= 0.006  # ~600 m


def test_reservoirs_lie_in_the_hills_mostly_in_xianyou(sessions):
    reservoirs = [p for p in all_points(sessions) if p.category == "水库山塘"]
    assert reservoirs
    assert all(p.village_code[:9] in demo.HILL_TOWNS for p in reservoirs)
    in_xianyou = [p for p in reservoirs if p.village_code.startswith("350322")]
    assert len(in_xianyou) > len(reservoirs) / 2
    # Not in 仙游县's town centre nor on its coast.
    assert not any(p.village_code[:9] in ("350322001", "350322100") for p in in_xianyou)


def test_the_demo_is_deterministic_and_seeds_once(flood_app, sessions, request):
    # A second database, seeded from nothing (not copied from the template flood_app's is).
    with app_on_engine(request, "again", prepare=seed, kind="sqlite", fresh=True) as other:
        again = other.server.extensions["onemap"].sessions
        assert rows_of(all_points(again)) == rows_of(all_points(sessions))
        with sessions() as session, session.begin():
            assert demo.seed(session, system_viewer()) == 0  # not empty: nothing added
        assert len(all_points(sessions)) == len(all_points(again))
