"""The live-risk rules, on plain objects: stations over thresholds near a point, exposure
signals from other modules, and how causes combine with the base level."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from modules.flood import risk
from modules.flood.models import FloodKeyPoint, FloodReading, FloodStation
from modules.flood.stations import state_of
from modules.sdk import Signal

AT = datetime(2015, 9, 28, 8, 0, tzinfo=UTC)


def point(pid=1, base="blue", lon=119.0, lat=25.45, village="350304100001"):
    return FloodKeyPoint(
        id=pid,
        name=f"点{pid}",
        category="低洼易涝点",
        risk_level=base,
        lon=lon,
        lat=lat,
        village_code=village,
        patrol_every_days=7,
    )


def level_station(sid=1, lon=119.0, lat=25.46):
    return FloodStation(
        id=sid,
        code=f"S{sid}",
        name="木兰溪某站",
        kind="level",
        lon=lon,
        lat=lat,
        village_code="350304100001",
        warning_level=7.6,
        guarantee_level=8.6,
        level_min=2.0,
        level_max=14.0,
        token_hash="x",
    )


def rain_station(sid=2, lon=119.0, lat=25.46):
    return FloodStation(
        id=sid,
        code=f"R{sid}",
        name="某雨量站",
        kind="rain",
        lon=lon,
        lat=lat,
        village_code="350304100001",
        rain_1h=40.0,
        rain_3h=80.0,
        rain_24h=150.0,
        token_hash="y",
    )


def readings(values, step=timedelta(minutes=30), end=AT):
    n = len(values)
    return [FloodReading(at=end - (n - 1 - i) * step, value=v) for i, v in enumerate(values)]


def exposure(sites=(), units=()):
    return Signal(
        "exposure",
        "typhoon",
        {"hazard": "台风", "event": "1521 杜鹃", "sites": list(sites), "units": list(units)},
    )


def test_wind_levels_map_to_colours():
    assert risk.wind_risk(12) == "red" and risk.wind_risk(13) == "red"
    assert risk.wind_risk(10) == "orange" and risk.wind_risk(11) == "orange"
    assert risk.wind_risk(7) == "yellow"
    assert risk.wind_risk(6) is None


def test_a_cause_raises_but_never_lowers_the_base():
    assert risk.combine("blue", []) == ("blue", None)
    up = risk.Cause("orange", "原因A")
    assert risk.combine("blue", [up]) == ("orange", "原因A")
    assert risk.combine("red", [up]) == ("red", "原因A")  # stays red, still says why
    live, reason = risk.combine("yellow", [up, risk.Cause("red", "原因B")])
    assert live == "red" and reason == "原因B；原因A"  # the strongest first


def test_level_station_states_and_the_excess_in_the_reason():
    station = level_station()
    assert state_of(station, readings([6.0, 7.0]), AT).state == "normal"
    warning = state_of(station, readings([7.0, 7.92]), AT)
    assert (warning.state, warning.label) == ("warning", "超警戒")
    assert warning.reason == "木兰溪某站超警戒 0.32 m"
    danger = state_of(station, readings([8.0, 9.0]), AT)
    assert (danger.state, danger.label) == ("danger", "超保证")
    # A level seven hours old says nothing about now.
    assert state_of(station, readings([9.0], end=AT - timedelta(hours=7)), AT).state == "nodata"


def test_rain_states_sum_the_windows():
    station = rain_station()
    light = state_of(station, readings([5.0] * 6), AT)
    assert light.state == "normal" and light.rain == {"1h": 10.0, "3h": 30.0, "24h": 30.0}
    burst = state_of(station, readings([1.0] * 4 + [22.0, 21.0]), AT)  # 43 mm in the last hour
    assert burst.state == "warning" and "1小时雨量 43 mm" in burst.reason
    soaked = state_of(station, readings([4.0] * 40), AT)  # 160 mm over 20 h, 8 mm an hour
    assert soaked.state == "warning" and "24小时雨量 160 mm，超警戒 150 mm" in soaked.reason


def test_a_station_over_warning_raises_points_within_the_radius_only():
    near = point(1, lon=119.0, lat=25.45)  # ~1.1 km from the station
    far = point(2, lon=119.1, lat=25.45)  # ~10 km
    station = level_station()
    states = {station.id: state_of(station, readings([7.0, 7.92]), AT)}
    levels = risk.live_levels([near, far], [station], states, [], AT)
    assert levels[1][0] == "orange" and levels[1][1].startswith(
        "木兰溪某站超警戒 0.32 m（距 1.1 km"
    )
    assert levels[2] == ("blue", None)
    states = {station.id: state_of(station, readings([9.0]), AT)}
    assert risk.live_levels([near], [station], states, [], AT)[1][0] == "red"


def test_exposure_raises_by_wind_level_with_the_window_in_beijing_time():
    p = point(12, base="yellow")
    site = {
        "site": "flood:12",
        "level": 10,
        "from": "2015-09-28T06:00:00+00:00",
        "until": "2015-09-28T11:00:00+00:00",
    }
    live, reason = risk.live_levels([p], [], {}, [exposure([site])], AT)[12]
    assert live == "orange"
    assert reason == "台风1521 杜鹃 10级风圈 09-28 14:00–19:00"
    twelve = {**site, "level": 12}
    assert risk.live_levels([p], [], {}, [exposure([twelve])], AT)[12][0] == "red"
    seven = {**site, "level": 7}
    assert risk.live_levels([p], [], {}, [exposure([seven])], AT)[12] == (
        "yellow",
        "台风1521 杜鹃 7级风圈 09-28 14:00–19:00",
    )
    # `until` is the first minute outside (half-open): at that minute it raises nothing, a
    # minute before it still does.
    until = datetime.fromisoformat(site["until"])
    assert risk.live_levels([p], [], {}, [exposure([site])], until)[12] == ("yellow", None)
    before = until - timedelta(minutes=1)
    assert risk.live_levels([p], [], {}, [exposure([site])], before)[12][0] == "orange"
    # Once the circle has passed, it raises nothing; another point's entry neither.
    later = AT + timedelta(hours=12)
    assert risk.live_levels([p], [], {}, [exposure([site])], later)[12] == ("yellow", None)
    other = {**site, "site": "flood:13"}
    assert risk.live_levels([p], [], {}, [exposure([other])], AT)[12] == ("yellow", None)


def test_exposure_of_a_unit_raises_the_points_inside_it():
    inside = point(1, village="350305101001")
    outside = point(2, village="350304100001")
    unit = {"code": "350305101", "level": 12, "from": None, "until": None}
    levels = risk.live_levels([inside, outside], [], {}, [exposure(units=[unit])], AT)
    assert levels[1][0] == "red" and "12级风圈" in levels[1][1]
    assert levels[2] == ("blue", None)
    # A malformed entry from another module is skipped, not a crash.
    broken = exposure(sites=[{"site": "flood:1", "level": "strong"}], units=[{"code": "x"}])
    assert risk.live_levels([inside], [], {}, [broken], AT)[1] == ("blue", None)


def test_a_drill_says_so_in_the_reason():
    p = point(3)
    drill = Signal(
        "exposure",
        "typhoon",
        {
            "hazard": "台风",
            "event": "1521 杜鹃",
            "drill": True,
            "sites": [{"site": "flood:3", "level": 12}],
        },
    )
    assert risk.live_levels([p], [], {}, [drill], AT)[3] == (
        "red",
        "【演练】台风1521 杜鹃 12级风圈",
    )
    labelled = Signal(
        "exposure",
        "typhoon",
        {
            "hazard": "台风",
            "event": "1521 杜鹃（演练）",
            "drill": True,
            "sites": [{"site": "flood:3", "level": 7}],
        },
    )
    assert risk.live_levels([p], [], {}, [labelled], AT)[3][1] == "台风1521 杜鹃（演练） 7级风圈"
