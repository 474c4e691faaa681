"""Adding a key point (the village by point-in-polygon, refusals), scope, phone masking and
the schema."""

from __future__ import annotations

import pytest

from access.viewer import Forbidden, NotFound
from layers import repository
from modules.flood.points import PointRefused, add_point, points_for
from modules.sdk import mask_phone, sees_phone
from store.migrate import check, current_revision
from tests.accounts_fixture import viewer_of

XIAMEN = (118.09, 24.48)


def inside(session, code):
    point = repository.get_division(session, code).geom.representative_point()
    return point.x, point.y


def new_point(session, login, lon, lat, **extra):
    return add_point(
        session,
        viewer_of(login),
        name="测试点",
        category="低洼易涝点",
        risk_level=extra.pop("risk_level", "黄"),
        lon=lon,
        lat=lat,
        responsible_name="林测试",
        responsible_phone="13812345678",
        **extra,
    )


def test_add_point_assigns_the_village_by_point_in_polygon(sessions):
    with sessions() as session:
        lon, lat = inside(session, "350304100203")
        point = new_point(session, "xtw.staff", lon, lat)
        assert point.id is not None
        assert point.village_code == "350304100203"
        assert point.risk_level == "yellow"  # shown 黄, stored as the English key
        session.rollback()


def test_add_point_refuses_a_point_outside_the_city(sessions):
    with sessions() as session:
        with pytest.raises(PointRefused, match="outside every village of the city"):
            new_point(session, "city.admin", *XIAMEN)
        session.rollback()


def test_add_point_refuses_a_point_outside_the_viewers_scope(sessions):
    with sessions() as session:
        lon, lat = inside(session, "350305101001")  # 东庄镇, 秀屿区
        with pytest.raises(Forbidden, match="outside the viewer's scope"):
            new_point(session, "xtw.staff", lon, lat)
        with pytest.raises(Forbidden, match="may not register"):
            new_point(session, "city.leader", lon, lat)  # leaders read only
        with pytest.raises(PointRefused, match="risk level"):
            new_point(session, "xiuyu.staff", lon, lat, risk_level="紫")
        session.rollback()


def test_points_for_reads_the_scope_and_checks_the_unit(sessions):
    with sessions() as session:
        mine = points_for(session, viewer_of("xtw.staff"))
        assert len(mine) == 46 and all(p.village_code.startswith("350304100") for p in mine)
        village = points_for(session, viewer_of("xtw.staff"), "350304100001")
        assert village and all(p.village_code == "350304100001" for p in village)
        assert points_for(session, viewer_of("licheng.leader"), "350304100") == mine
        with pytest.raises(Forbidden):
            points_for(session, viewer_of("xtw.staff"), "350305101")
        with pytest.raises(NotFound):
            points_for(session, viewer_of("xtw.staff"), "350304199")


def test_phones_are_masked_except_for_staff_and_coordinators_in_scope():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""
    code = "350304100001"
    assert sees_phone(viewer_of("xtw.staff"), code)
    assert sees_phone(viewer_of("xtw.coordinator"), code)
    assert not sees_phone(viewer_of("licheng.leader"), code)
    assert not sees_phone(viewer_of("xtw.admin"), code)
    assert not sees_phone(viewer_of("xiuyu.staff"), code)


def test_the_model_and_the_migration_agree(flood_app):
    context = flood_app.server.extensions["onemap"]
    locations = [path for _, path in context.modules.call("register_migrations")]
    check(context.engine, locations)
    assert "flood_0004" in current_revision(context.engine).split()
