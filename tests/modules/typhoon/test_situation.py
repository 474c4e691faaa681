"""The typhoon module's part of a consultation's board (the `situation` hook): the same
villages as the page's exposure at each moment, the viewer's scope narrowed to the event's,
distances a hand computation agrees with, valid GeoJSON, and arrival times read from the best
track in a drill and from the forecast in force when live."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import pytest
import shapely

from modules.sdk import SituationEvent, units
from modules.typhoon import service, storage
from modules.typhoon.situation import items
from modules.typhoon.track import Fix, Forecast, StormData
from tests.accounts_fixture import system_viewer, viewer_of
from tests.layers.test_boundaries import COUNTY_SEATS

LANDFALL = datetime(2015, 9, 29, 0, 50, tzinfo=UTC)  # 1521 Dujuan in 秀屿区, 08:50 Beijing
EARLIER = LANDFALL - timedelta(hours=6)
CITY = "350300000000"
XTW = "350304100"
LEVELS = (7, 10, 12)


def typhoon_event(ref: str = "1521", scope: str = CITY, drill: bool = True, kind="typhoon"):
    return SituationEvent(7, kind, ref, scope, f"{ref} 会商", EARLIER, drill=drill)


def board(core, session, login: str, moment: datetime, **event) -> dict:
    """The typhoon items the core gives `login` (other modules answer too: left out)."""
    found = core.situation(session, viewer_of(login), typhoon_event(**event), moment)
    return {item.id: item for item in found if item.module == "typhoon"}


def page_villages(exposure: dict, level: int) -> set[str]:
    return {u["code"] for u in exposure["levels"][str(level)]["units"] if u["level"] == "village"}


def test_villages_inside_are_the_page_s_exposure_and_their_changes_the_set_difference(
    core, sessions
):
    viewer = viewer_of("city.coordinator")
    with sessions() as session:
        storm, data = storage.load(session, "1521")
        targets = service.targets_for(session, viewer, core)
        pages = {m: service.exposure_at(storm, data, targets, m) for m in (EARLIER, LANDFALL)}
        boards = {m: board(core, session, "city.coordinator", m) for m in (EARLIER, LANDFALL)}
    for moment, found in boards.items():
        for level in LEVELS:
            item = found[f"typhoon.inside{level}"]
            assert item.key == "unit" and item.as_of == moment
            members = [row["unit"] for row in item.rows]
            assert len(members) == len(set(members))
            assert set(members) == page_villages(pages[moment], level)
            assert item.value == (len(members) if level != 12 else "不可用")
        sites = {row["site"] for row in found["typhoon.sites_inside"].rows}
        assert sites == {s["site"] for s in pages[moment]["levels"]["7"]["sites"]}
    assert boards[EARLIER]["typhoon.inside7"].entered == "新进入七级风圈"
    # What a board's diff would list between the two snapshots, level by level.
    changed = 0
    for level in (7, 10):
        rows = {m: {r["unit"] for r in boards[m][f"typhoon.inside{level}"].rows} for m in boards}
        before, after = (page_villages(pages[m], level) for m in (EARLIER, LANDFALL))
        assert rows[LANDFALL] - rows[EARLIER] == after - before
        assert rows[EARLIER] - rows[LANDFALL] == before - after
        changed += len(after ^ before)
    assert changed > 0  # 1521's 10-level circle reached the city in these six hours


def test_a_town_s_staff_gets_only_their_town_and_the_city_s_coordinator_more(core, sessions):
    with sessions() as session:
        staff = board(core, session, "xitianwei.staff", LANDFALL)
        city = board(core, session, "city.coordinator", LANDFALL)
        # The module narrows by itself: the core's filter has nothing left to drop.
        direct = items(viewer_of("xitianwei.staff"), session, typhoon_event(), LANDFALL, core)
    assert set(staff) == set(city) == {item.id for item in direct}
    for item in direct:
        assert item.rows == staff[item.id].rows and item.features == staff[item.id].features
    staff_units = [row["unit"] for item in staff.values() for row in item.rows if "unit" in row]
    city_units = {row["unit"] for item in city.values() for row in item.rows if "unit" in row}
    assert staff_units and all(code.startswith(XTW) for code in staff_units)
    assert len(city_units) > len(set(staff_units))
    assert {code[:6] for code in city_units} == {"350302", "350303", "350304", "350305", "350322"}
    assert staff["typhoon.county_seats"].rows == () and staff["typhoon.county_seats"].value == "—"
    assert len(city["typhoon.county_seats"].rows) == 5


def test_the_event_s_scope_narrows_the_viewer_s(core, sessions):
    with sessions() as session:
        xiuyu = board(core, session, "city.coordinator", LANDFALL, scope="350305000000")
        two_towns = board(core, session, "two.towns", LANDFALL, scope="350305000000")
        elsewhere = items(
            viewer_of("xitianwei.staff"), session, typhoon_event(scope="350305"), LANDFALL, core
        )
    codes = {row["unit"] for item in xiuyu.values() for row in item.rows if "unit" in row}
    assert codes and {code[:6] for code in codes} == {"350305"}
    # 两镇 staff hold 西天尾镇 and 南日镇: a 秀屿区 event shows them 南日镇 only.
    codes = {row["unit"] for item in two_towns.values() for row in item.rows if "unit" in row}
    assert codes and {code[:9] for code in codes} == {"350305107"}
    assert elsewhere == []


@pytest.mark.parametrize(
    "event",
    [
        {"kind": "rainstorm"},
        {"kind": "flood"},
        {"ref": "9999"},
        {"ref": ""},
        {"ref": "../1521"},
        {"scope": "not-a-code"},
    ],
)
def test_other_events_and_unknown_storms_get_no_answer(core, sessions, event):
    with sessions() as session:
        assert (
            items(viewer_of("city.coordinator"), session, typhoon_event(**event), LANDFALL, core)
            == []
        )
        assert board(core, session, "city.coordinator", LANDFALL, **event) == {}


def test_a_storm_without_radii_has_a_position_and_circles_marked_unavailable(core, sessions):
    moment = datetime(2024, 7, 25, 12, tzinfo=UTC)  # 2403 Gaemi: a track, no wind radii
    with sessions() as session:
        found = board(core, session, "city.coordinator", moment, ref="2403")
    assert found["typhoon.position"].rows[0]["time"] == "2024-07-25 20:00"
    for name in ("eta7", "eta10", "inside7", "inside10", "inside12", "sites_inside"):
        assert found[f"typhoon.{name}"].value == "不可用" and found[f"typhoon.{name}"].rows == ()
    names = {f["properties"]["name"] for f in found["typhoon.position"].features}
    assert "台风中心" in names and not any("风圈" in n for n in names)


def haversine(lon1, lat1, lon2, lat2) -> tuple[float, float]:
    """Distance (km, mean Earth radius) and initial bearing (degrees) on a sphere."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    km = 2 * 6371.0088 * math.asin(math.sqrt(a))
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return km, math.degrees(math.atan2(y, x)) % 360


def test_distance_and_bearing_to_a_county_agree_with_a_hand_computation(core, sessions):
    with sessions() as session:
        found = board(core, session, "city.coordinator", EARLIER)
        _, data = storage.load(session, "1521")
        (xiuyu,) = [
            c
            for c in units(session, viewer_of("city.coordinator"), "county")
            if c.code == "350305000000"
        ]
    centre = service.interpolate_fix(data, EARLIER)
    km, bearing = haversine(centre.lon, centre.lat, xiuyu.label_lon, xiuyu.label_lat)
    seats = found["typhoon.county_seats"]
    row = next(r for r in seats.rows if r["unit"] == "350305000000")
    assert 100 < km < 200  # six hours before landfall, out at sea
    assert row["distance_km"] == pytest.approx(km, rel=0.005)
    assert abs((row["bearing_deg"] - bearing + 180) % 360 - 180) < 1.0
    # The seat lies north-west of the storm, so the storm lies south-east of the seat.
    assert row["bearing"] == "西北" and row["said"].startswith("台风中心位于秀屿区东南方向约")
    assert row["seat"] == "区县代表点"  # 秀屿区 has no sub-district (街道)
    assert seats.value == min(r["distance_km"] for r in seats.rows) and seats.unit == "km"
    # Elsewhere the sub-districts' centre stands for the seat: within 8 km of the real one.
    for feature in seats.features:
        code = feature["properties"]["unit"][:6]
        if code in COUNTY_SEATS:
            lon, lat = feature["geometry"]["coordinates"]
            assert haversine(*COUNTY_SEATS[code], lon, lat)[0] < 8, feature["properties"]
    assert [r["distance_km"] for r in seats.rows] == sorted(r["distance_km"] for r in seats.rows)


def test_position_and_features_are_the_storm_at_the_moment_in_valid_geojson(core, sessions):
    with sessions() as session:
        found = board(core, session, "city.coordinator", LANDFALL)
        _, data = storage.load(session, "1521")
    centre = service.interpolate_fix(data, LANDFALL)
    position = found["typhoon.position"]
    (row,) = position.rows
    assert row["time"] == "2015-09-29 08:50" and position.as_of == LANDFALL
    assert (row["lon"], row["lat"]) == (round(centre.lon, 2), round(centre.lat, 2))
    assert position.value.startswith("强热带风暴 11级 · 中心 ") and "hPa" in position.value
    assert position.source == "台风模块 · 1521 杜鹃 · CMA 最佳路径"
    assert row["moving"].startswith("西")  # 1521 went ashore heading west
    names = {f["properties"]["name"] for f in position.features}
    assert {"实况路径", "台风中心", "7级风圈", "10级风圈"} <= names
    track = next(f for f in position.features if f["properties"]["name"] == "实况路径")
    assert track["geometry"]["coordinates"][-1] == [round(centre.lon, 4), round(centre.lat, 4)]
    for item in found.values():
        json.dumps([item.rows, item.features], ensure_ascii=False)  # JSON-safe
        for feature in item.features:
            assert feature["type"] == "Feature" and feature["properties"]["name"]
            geometry = shapely.geometry.shape(feature["geometry"])
            assert geometry.is_valid and not geometry.is_empty
    seven = next(f for f in position.features if f["properties"]["name"] == "7级风圈")
    assert shapely.geometry.shape(seven["geometry"]).contains(shapely.Point(centre.lon, centre.lat))


def test_in_a_drill_arrival_times_come_from_the_best_track_after_the_moment(core, sessions):
    viewer = viewer_of("city.coordinator")
    with sessions() as session:
        storm, data = storage.load(session, "1521")
        targets = service.targets_for(session, viewer, core)
        eta = board(core, session, "city.coordinator", EARLIER)["typhoon.eta10"]
        now = service.exposure_at(storm, data, targets, EARLIER)["levels"]["10"]["units"]
        ahead = [r for r in eta.rows if r["eta"] != "已在圈内"]
        assert ahead, "some towns were still to be reached six hours before landfall"
        for row in ahead:
            reach = service.parse_time(f"2015-{row['eta']}")  # Beijing time, to the minute
            assert 0 < row["hours"] <= 24
            assert row["hours"] == pytest.approx((reach - EARLIER).total_seconds() / 3600, abs=0.1)
            # The page agrees: outside a minute before, inside a minute after.
            before = service.exposure_at(storm, data, targets, reach - timedelta(minutes=1))
            after = service.exposure_at(storm, data, targets, reach + timedelta(minutes=1))
            assert row["unit"] not in {u["code"] for u in before["levels"]["10"]["units"]}
            assert row["unit"] in {u["code"] for u in after["levels"]["10"]["units"]}
    inside = {r["unit"] for r in eta.rows if r["eta"] == "已在圈内"}
    assert inside == {u["code"] for u in now if u["level"] in ("county", "town")}
    assert eta.value == sum(1 for r in eta.rows if r["level"] == "乡镇街道")
    assert eta.key == "unit" and eta.entered == "新进入24小时影响范围"
    assert "抵达时间据CMA 最佳路径" in eta.source


T0 = datetime(2024, 9, 1, tzinfo=UTC)


def approaching_storm() -> StormData:
    """A storm observed for six hours, then forecast by CMA to cross Putian."""
    radii = {7: (250.0,) * 4, 10: (120.0,) * 4, 12: None}

    def fix(hours, lon, lat):
        return Fix(T0 + timedelta(hours=hours), lon, lat, 960, 42, "5", dict(radii))

    ahead = [fix(18, 121.2, 23.7), fix(42, 119.0, 25.4), fix(66, 117.8, 26.2)]
    observed = [fix(0, 123.5, 22.0), fix(6, 122.8, 22.6)]
    forecast = Forecast("CMA", T0 + timedelta(hours=6), ahead)
    return StormData("9921", "Test", "演练台", 2024, "CMA test track", observed, [forecast])


def test_live_arrival_times_come_from_the_forecast_in_force(core, sessions):
    with sessions() as session, session.begin():
        storage.save(session, approaching_storm(), system_viewer(), owner="")
    moment = T0 + timedelta(hours=7)  # an hour after the last fix
    with sessions() as session:
        live = board(core, session, "city.coordinator", moment, ref="9921", drill=False)
        drill = board(core, session, "city.coordinator", moment, ref="9921", drill=True)
        storm, data = storage.load(session, "9921")
        targets = service.targets_for(session, viewer_of("city.coordinator"), core)
        (forecast,) = service.exposure_at(storm, data, targets, moment)["forecasts"]
    # The storm is where it was last seen; its forecast track is drawn dashed.
    assert live["typhoon.position"].as_of == T0 + timedelta(hours=6)
    dashed = [f for f in live["typhoon.position"].features if f["properties"].get("dash")]
    assert [f["properties"]["name"] for f in dashed] == ["CMA 预报路径（09-01 14:00 发布）"]
    later = set()
    for level in (7, 10):
        eta = live[f"typhoon.eta{level}"]
        assert "CMA 09-01 14:00 发布预报" in eta.source
        # The page's 预报影响: when each county and town first enters along this forecast.
        expected = {
            unit["code"]: service.parse_time(unit["intervals"][0]["from"])
            for unit in forecast["levels"][str(level)]["units"]
            if unit["level"] in ("county", "town")
        }
        assert eta.rows and eta.value > 0
        for row in eta.rows:
            reach = expected[row["unit"]]
            assert row["hours"] == round((reach - moment).total_seconds() / 3600, 1) > 0
            assert row["eta"] == service.beijing(reach)
        within = {code for code, at in expected.items() if at - moment <= timedelta(hours=24)}
        assert {row["unit"] for row in eta.rows} == within
        later |= set(expected) - within
        # A drill reads the best track, which ends far out at sea: nothing arrives.
        assert drill[f"typhoon.eta{level}"].rows == () and drill[f"typhoon.eta{level}"].value == 0
    assert later  # some are reached only after 24 hours: not members


def test_a_board_refresh_reuses_the_whole_storm_timeline(core, sessions, monkeypatch):
    with sessions() as session:
        board(core, session, "city.coordinator", EARLIER)

        def recompute(*args, **kwargs):
            raise AssertionError("the whole-storm timeline was computed again")

        monkeypatch.setattr(service, "timeline", recompute)
        later = board(core, session, "city.coordinator", EARLIER + timedelta(minutes=10))
    assert later["typhoon.inside7"].rows
