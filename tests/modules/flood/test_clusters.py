"""The key-point layer at a town's view: every point while the screen can show them; when
they are more, the points sharing a ~50 px cell are one marker that says how many, coloured
by the highest live risk, whose click selects the village most of them are in."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from modules.flood import layers
from modules.flood.live import PointNow
from modules.flood.models import RISK_LEVELS
from modules.flood.patrol import PatrolState
from modules.flood.points import RISK_COLOURS
from tests.accounts_fixture import viewer_of

VILLAGES = ["350304100001", "350304100002"]


def town_points(count: int, seed: int = 7):
    """`count` points around two spots of 西天尾镇 (~1 km apart), and one far off alone."""
    rng = np.random.default_rng(seed)
    points = []
    for i in range(count):
        village = VILLAGES[i % 2]
        centre = (119.00, 25.45) if village == VILLAGES[0] else (119.01, 25.45)
        lon, lat = rng.normal(centre, 0.0005)
        points.append(
            SimpleNamespace(
                id=i,
                lon=float(lon),
                lat=float(lat),
                village_code=village,
                name=f"点{i}",
                category="桥梁",
                risk_level="blue",
                responsible_name="张三",
                responsible_phone="13800000000",
            )
        )
    alone = SimpleNamespace(
        **{**vars(points[0]), "id": count, "name": f"点{count}", "lon": 119.2, "lat": 25.6}
    )
    return [*points, alone]


def now_for(points, high: set[int] = frozenset()) -> dict[int, PointNow]:
    state = PatrolState("已巡查正常", None, None, False, None)
    return {
        p.id: PointNow(RISK_LEVELS[0] if p.id in high else RISK_LEVELS[-1], None, state)
        for p in points
    }


def test_a_town_with_more_points_than_the_screen_shows_gets_a_few_markers():
    points = town_points(20_000)
    now = now_for(points, high={5})
    trace = layers._clustered_trace(viewer_of("xitianwei.staff"), points, now)
    counts = [t for t in trace["text"] if "个重点部位" in t]
    # Two dense spots and the far point: a handful of markers, never 20,001.
    assert 2 <= len(trace["lon"]) <= 50
    assert sum(int(t.split(" 个")[0]) for t in counts) + (len(trace["lon"]) - len(counts)) == len(
        points
    )
    # The far point is drawn as itself, with its own hover text and no unit to open.
    alone = trace["lon"].index(119.2)
    assert trace["customdata"][alone] is None and "点20000" in trace["text"][alone]
    # The cell holding the high-risk point takes its colour; its click selects a village.
    assert RISK_COLOURS[RISK_LEVELS[0]] in trace["marker"]["color"]
    assert all(
        d is None or d.removeprefix(layers.UNIT_PREFIX) in VILLAGES for d in trace["customdata"]
    )


def test_the_city_s_gathered_counts_are_the_points_live_levels(sessions, monkeypatch):
    """The city view counts base levels in SQL and reads only the points something raises:
    with a station over its warning level beside a county's points and a typhoon's wind
    circle over a town, each county's marker counts what the points say one by one."""
    from modules.flood import live, stations
    from modules.flood.points import points_for
    from modules.flood.stations import state_of
    from tests.modules.flood.test_risk import AT, exposure, level_station, readings

    leader = viewer_of("city.leader")
    with sessions() as session:
        every = points_for(session, leader)
        target = every[0]
        station = level_station(lon=target.lon, lat=target.lat + 0.01)
        state = state_of(station, readings([7.0, 7.92]), AT)
        monkeypatch.setattr(stations, "all_stations", lambda _session: [station])
        monkeypatch.setattr(stations, "states", lambda _s, _every, _at: {station.id: state})
        wind = exposure(units=[{"code": "350322100000", "level": 12}])  # a town of 仙游县
        monkeypatch.setattr(live, "exposures", lambda _s, _core, _at: [wind])
        layer = layers.key_points_layer(session, leader, "350300000000")
        now = live.annotate(session, None, every)
    trace = layer.traces[0]
    assert len(trace["lon"]) == 5
    for code, text in zip(trace["customdata"], trace["text"], strict=True):
        prefix = code.removeprefix(layers.UNIT_PREFIX)[:6]
        members = [p for p in every if p.village_code.startswith(prefix)]
        levels = [now[p.id].live_risk_level for p in members]
        raised = sum(now[p.id].live_risk_level != p.risk_level for p in members)
        assert f"{len(members)} 个重点部位" in text
        for level in RISK_LEVELS:
            if levels.count(level):
                assert f"{layers.RISK_LABELS[level]} {levels.count(level)}" in text
        assert (f"实时风险升高 {raised} 个" in text) == bool(raised)
    assert any("实时风险升高" in text for text in trace["text"])
