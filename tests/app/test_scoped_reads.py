"""The SDK's new reads of divisions (units, unit_names) hold only what the viewer may see."""

from __future__ import annotations

import pytest

from access.scoped import unit_names, units
from access.viewer import Forbidden, NotFound
from tests.accounts_fixture import viewer_of

XITIANWEI = "350304100000"
XIUYU = "350305000000"


def sessions_of(onemap_app):
    return onemap_app.server.extensions["onemap"].sessions


def test_units_are_the_viewer_s_own_and_refuse_another_town(onemap_app):
    with sessions_of(onemap_app)() as session:
        staff = viewer_of("xtw.staff")
        villages = units(session, staff, "village")
        assert villages and all(v.code.startswith("350304100") for v in villages)
        assert [v.code for v in units(session, staff, "village", within=XITIANWEI)] == [
            v.code for v in villages
        ]
        assert units(session, staff, "county") == []  # no whole county inside a town
        with pytest.raises(Forbidden):
            units(session, staff, "village", within=XIUYU)
        with pytest.raises(NotFound):
            units(session, staff, "village", within="350304199000")
        city = units(session, viewer_of("city.leader"), "county")
        assert len(city) == 5


def test_unit_names_leave_out_what_lies_outside_and_name_only_what_holds_the_scope(onemap_app):
    with sessions_of(onemap_app)() as session:
        staff = viewer_of("xtw.staff")
        wanted = {XITIANWEI, XIUYU, "350304000000"}
        assert set(unit_names(session, staff, wanted)) == {XITIANWEI}
        above = unit_names(session, staff, wanted, above=True)
        assert above[XITIANWEI] == "西天尾镇" and above["350304000000"] == "荔城区"
        assert XIUYU not in above  # a county beside theirs is not named
