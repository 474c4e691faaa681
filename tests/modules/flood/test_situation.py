"""The flood module's answer to the `situation` hook: stations over their thresholds at a
moment (and which entered between two moments), key points raised by stations and by a
drill's exposure signal read in the storm's time, patrol coverage per town, each inside the
viewer's scope and the event's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from modules.flood import situation
from modules.flood.models import FloodKeyPoint, FloodReading, FloodStation
from modules.sdk import EXPOSURE, Signal, SituationEvent
from tests.accounts_fixture import viewer_as, viewer_of

# A past storm's day, far from the demo storm (which ends when the demo is seeded).
BEFORE = datetime(2015, 9, 28, 7, 0, tzinfo=UTC)
AFTER = datetime(2015, 9, 28, 8, 0, tzinfo=UTC)
# A drill's replay clock, on another day without readings.
REPLAYED = datetime(2016, 9, 14, 12, 0, tzinfo=UTC)
XITIANWEI = "350304100"
XINDU = "350304101"  # the next town, where 木兰溪黄石站 (MLX-06) stands


def event(kind="typhoon", scope="350300000000", drill=False, ref="1521") -> SituationEvent:
    return SituationEvent(
        id=1,
        kind=kind,
        ref=ref,
        scope=scope,
        title="1521 杜鹃",
        started_at=BEFORE - timedelta(hours=6),
        drill=drill,
        level=4,
    )


def by_id(answer) -> dict:
    return {item.id: item for item in answer}


def board(context, viewer, at, **kwargs) -> dict:
    with context.sessions() as session:
        return by_id(situation.items(viewer, session, event(**kwargs), at, context.core))


@pytest.fixture(scope="module")
def context(flood_app):
    """The app's services, with two stations going over between BEFORE and AFTER: the rain
    gauge of 西天尾镇 (50 mm in the hour to AFTER, over 40 mm) and 黄石站 in 新度镇 (5.0 m,
    over 警戒 4.8 m)."""
    context = flood_app.server.extensions["onemap"]
    readings = {
        "YL-XTW": [(BEFORE - timedelta(hours=1), 5.0), (AFTER - timedelta(minutes=30), 25.0)]
        + [(AFTER, 25.0)],
        "MLX-06": [(BEFORE, 3.0), (AFTER, 5.0)],
    }
    with context.sessions() as session, session.begin():
        for code, values in readings.items():
            station = session.scalar(select(FloodStation).where(FloodStation.code == code))
            session.add_all(FloodReading(station_id=station.id, at=t, value=v) for t, v in values)
    return context


def xtw_points(context) -> dict[int, FloodKeyPoint]:
    with context.sessions() as session:
        found = session.scalars(
            select(FloodKeyPoint).where(FloodKeyPoint.village_code.startswith(XITIANWEI))
        )
        return {p.id: p for p in found}


def test_stations_that_went_over_between_two_moments_are_the_entered_set(context):
    coordinator = viewer_of("city.coordinator")
    before = board(context, coordinator, BEFORE)["flood.stations_over"]
    after = board(context, coordinator, AFTER)["flood.stations_over"]
    assert before.value == 0 and before.rows == ()
    assert after.value == 2 and after.severity == "warn"
    entered = {r["station"] for r in after.rows} - {r["station"] for r in before.rows}
    assert entered == {"YL-XTW", "MLX-06"}
    assert after.key == "station" and (after.entered, after.left) == ("新超警戒", "回落至警戒以下")
    rows = {r["station"]: r for r in after.rows}
    assert rows["MLX-06"]["reading"] == "5.00 m" and rows["MLX-06"]["threshold"] == "警戒 4.80 m"
    assert rows["YL-XTW"]["reading"] == "1小时雨量 50 mm"
    assert rows["YL-XTW"]["threshold"] == "1小时 40 mm"
    # Over since AFTER (16:00 in Beijing): at 07:30 the hour held 25 mm, MLX-06 was at 3.0 m.
    assert {r["since"] for r in after.rows} == {"2015-09-28 16:00"}
    assert rows["YL-XTW"]["unit"].startswith(XITIANWEI)
    assert rows["MLX-06"]["unit"].startswith(XINDU)
    assert [f["geometry"]["type"] for f in after.features] == ["Point", "Point"]
    assert {f["properties"]["unit"] for f in after.features} == {r["unit"] for r in after.rows}


def test_since_is_the_start_of_the_unbroken_spell_over_the_threshold(context):
    with context.sessions() as session:
        station = session.scalar(select(FloodStation).where(FloodStation.code == "MLX-06"))
        spell = [
            FloodReading(at=BEFORE + timedelta(minutes=10 * k), value=v)
            for k, v in enumerate([5.0, 4.0, 4.9, 5.1, 5.3])  # over, under, then over since 3rd
        ]
        assert situation.since_over(station, spell) == BEFORE + timedelta(minutes=20)
        assert situation.since_over(station, spell[:1]) == BEFORE


def test_key_points_near_a_station_over_its_threshold_are_raised_with_the_reason(context):
    coordinator = viewer_of("city.coordinator")
    before = board(context, coordinator, BEFORE)["flood.points_risk"]
    after = board(context, coordinator, AFTER)["flood.points_risk"]
    assert before.value == 0
    assert after.value == len(after.rows) > 0 and after.key == "id"
    reasons = {r["reason"].split("（")[0] for r in after.rows}
    assert reasons <= {"西天尾雨量站1小时雨量 50 mm，超警戒 40 mm", "木兰溪黄石站超警戒 0.20 m"}
    assert all(r["now"] == "橙" and r["base"] in ("蓝", "黄") for r in after.rows)
    colours = {f["properties"]["colour"] for f in after.features}
    assert colours == {"#ff7f0e"} and len(after.features) == after.value


def test_a_staff_member_gets_only_their_town_and_another_town_none_of_it(context):
    xtw = board(context, viewer_of("xtw.staff"), AFTER)
    xindu = board(context, viewer_as(7, "xindu.staff", "新度镇", "staff", [XINDU]), AFTER)
    for item in xtw.values():
        assert item.rows, item.id
        assert all(str(r["unit"]).startswith(XITIANWEI) for r in item.rows), item.id
        assert all(f["properties"]["unit"].startswith(XITIANWEI) for f in item.features)
    for item in xindu.values():
        assert not any(str(r["unit"]).startswith(XITIANWEI) for r in item.rows), item.id
    assert {r["station"] for r in xtw["flood.stations_over"].rows} == {"YL-XTW"}
    assert {r["station"] for r in xindu["flood.stations_over"].rows} == {"MLX-06"}
    mine = xtw_points(context)
    assert {r["id"] for r in xtw["flood.points_risk"].rows} <= set(mine)
    assert not {r["id"] for r in xindu["flood.points_risk"].rows} & set(mine)
    # The demo's campaign: 西天尾镇 at 38 of 46.
    assert xtw["flood.patrol"].value == "38/46（82%）"
    assert [(r["unit"], r["done"], r["total"]) for r in xtw["flood.patrol"].rows] == [
        ("350304100000", 38, 46)
    ]


def test_the_event_scope_narrows_a_city_viewer_and_outside_it_nothing(context):
    narrowed = board(context, viewer_of("city.coordinator"), AFTER, scope="350304100000")
    assert {r["station"] for r in narrowed["flood.stations_over"].rows} == {"YL-XTW"}
    assert [r["unit"] for r in narrowed["flood.patrol"].rows] == ["350304100000"]
    assert board(context, viewer_of("xtw.staff"), AFTER, scope="350305000000") == {}


def test_a_rainstorm_event_gets_the_flood_items_through_the_core(context):
    with context.sessions() as session:
        answer = context.core.situation(
            session, viewer_of("xtw.staff"), event(kind="rainstorm", ref=""), AFTER
        )
    flood = by_id(item for item in answer if item.module == "flood")
    assert set(flood) == {"flood.stations_over", "flood.points_risk", "flood.patrol"}
    assert flood["flood.stations_over"].value == 1


def drill_signal(replayed: datetime, published: datetime, storm: str = "1521") -> Signal:
    """An exposure signal as the typhoon module publishes a replay: the storm shifted so
    that `replayed` is `published`, 西天尾镇 inside the 12-level circle for an hour either
    side of the replayed moment."""
    shift = published - replayed
    entry = {
        "code": f"{XITIANWEI}000",
        "level": 12,
        "from": (replayed - timedelta(hours=1) + shift).isoformat(),
        "until": (replayed + timedelta(hours=1) + shift).isoformat(),
    }
    payload = {
        "hazard": "台风",
        "event": "1521 杜鹃（演练）",
        "storm": storm,
        "drill": True,
        "replayed_from": replayed.isoformat(),
        "scope": ["350300000000"],
        "sites": [],
        "units": [entry],
    }
    return Signal(
        EXPOSURE,
        "typhoon",
        payload,
        at=published,
        key=f"storm:{storm}@test",
        valid_from=published,
        valid_until=published + timedelta(hours=24),
    )


def test_a_drill_reads_the_replayed_exposure_in_the_storm_time(context):
    published = datetime.now(UTC).replace(microsecond=0)
    with context.sessions() as session, session.begin():
        context.core.publish(session, drill_signal(REPLAYED, published))
    try:
        xtw = viewer_of("xtw.staff")
        during = board(context, xtw, REPLAYED, drill=True)["flood.points_risk"]
        not_red = {pid for pid, p in xtw_points(context).items() if p.risk_level != "red"}
        assert {r["id"] for r in during.rows} == not_red and during.severity == "alarm"
        assert all(r["now"] == "红" and "演练" in r["reason"] for r in during.rows)
        # Two hours on in the storm the circle has passed; a live event and a drill on
        # another storm never read a drill's signal.
        later = REPLAYED + timedelta(hours=2)
        assert board(context, xtw, later, drill=True)["flood.points_risk"].value == 0
        assert board(context, xtw, REPLAYED)["flood.points_risk"].value == 0
        other = board(context, xtw, REPLAYED, drill=True, ref="1614")["flood.points_risk"]
        assert other.value == 0
    finally:
        with context.sessions() as session, session.begin():
            context.core.publish(session, Signal(EXPOSURE, "typhoon", {}, key="storm:1521@test"))
