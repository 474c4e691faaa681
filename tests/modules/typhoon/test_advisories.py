"""CMA advisories (WTPQ20 BABJ) read as a forecaster reads them: one bulletin per phase of a
storm (tests/modules/typhoon/bulletins/, written from the published format), 30/50/64 KTS
radii per quadrant as the level 7/10/12 circles, the same advisory in OneMap's CSV and JSON,
and exposure decided by the radius of each quadrant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import shapely

from modules.typhoon.circles import GEOD
from modules.typhoon.exposure import Target, Targets, at_time
from modules.typhoon.parsers import ours, wtpq
from modules.typhoon.service import approximation_text
from modules.typhoon.track import Fix, ParseError

BULLETINS = Path(__file__).resolve().parent / "bulletins"
NOW = datetime(2026, 9, 30, 18, tzinfo=UTC)  # the bulletins name days of this September


def text(name: str) -> str:
    return (BULLETINS / name).read_text(encoding="utf-8")


def read(name: str, storm: str | None = None, now: datetime = NOW):
    (data,) = wtpq.parse(text(name), storm, now)
    (forecast,) = data.forecasts
    return data, forecast


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 9, day, hour, minute, tzinfo=UTC)


def leads(forecast) -> list[float]:
    start = forecast.points[0].time
    return [(p.time - start) / timedelta(hours=1) for p in forecast.points]


def test_forming_an_unnumbered_depression_is_imported_under_the_number_given():
    with pytest.raises(ParseError) as refused:
        read("1_forming.txt")
    assert "第4行：热带低压尚未编号（01）：请在导入时填写台风编号" in refused.value.text_zh()
    data, forecast = read("1_forming.txt", "9921")
    assert data.id == "9921" and forecast.agency == "CMA"
    assert forecast.issued_at == at(26, 3)  # the header's DDHHMM; the analysis at 00 UTC
    first = forecast.points[0]
    assert (first.time, first.lat, first.lon, first.pressure, first.wind, first.grade) == (
        at(26, 0),
        18.5,
        131.0,
        1000,
        15,
        "1",  # TD: 热带低压
    )
    assert leads(forecast) == [0, 12, 24, 36, 48, 60, 72, 96, 120]
    # A depression's bulletin gives no radii: every circle unavailable, none invented.
    assert all(p.radii == {7: None, 10: None, 12: None} for p in forecast.points)


def test_a_typhoon_gives_the_30_50_64_kt_radii_per_quadrant_as_levels_7_10_12():
    data, forecast = read("2_typhoon.txt")
    assert (data.id, data.name_en, data.season) == ("9921", "Mock", 2026)
    analysis, twelve, twenty_four, *later = forecast.points
    assert analysis.grade == "4" and (analysis.lat, analysis.lon) == (23.5, 122.6)
    assert analysis.radii == {
        7: (350, 330, 260, 300),  # 30KTS NE SE SW NW
        10: (150, 140, 100, 120),  # 50KTS
        12: (70, 60, 50, 60),  # 64KTS
    }
    assert analysis.given == {7: 4, 10: 4, 12: 4}  # every quadrant stated
    assert twelve.time == at(28, 12) and twelve.radii[7] == (340, 320, 250, 290)
    assert twelve.radii[12] is None and twenty_four.radii[10] == (80, 80, 60, 60)
    assert leads(forecast) == [0, 12, 24, 36, 48, 72]
    assert all(p.radii[7] is None for p in later)  # steps without radii stay without


def test_landfall_weakening_and_the_final_bulletin():
    _, landfall = read("3_landfall.txt")
    assert landfall.points[0].grade == "3" and landfall.points[0].radii[12] is None
    assert landfall.points[1].radii[7] == (180, 180, 150, 150)
    _, weakening = read("4_weakening.txt")
    assert weakening.points[0].grade == "2" and weakening.points[0].radii[10] is None
    assert weakening.points[0].radii[7] == (120, 100, 80, 100)
    _, final = read("5_final.txt")  # the last advisory: the analysis only, closed on MOVE=
    assert final.issued_at == at(30, 15) and len(final.points) == 1
    assert final.points[0].time == at(30, 12) and final.points[0].grade == "1"


def test_a_file_of_the_storms_bulletins_is_one_storm_with_a_forecast_each():
    names = sorted(p.name for p in BULLETINS.glob("*.txt"))
    whole = "".join(text(name) for name in names)
    (data,) = wtpq.parse(whole, "9921", NOW)
    issued = [f.issued_at for f in data.forecasts]
    assert issued == [at(26, 3), at(28, 3), at(29, 3), at(30, 3), at(30, 15)]


def test_the_bulletins_month_and_year_are_the_imports():
    _, forecast = read("2_typhoon.txt", now=datetime(2026, 10, 2, tzinfo=UTC))
    assert forecast.issued_at == at(28, 3)
    # Imported before the 28th (beyond a clock's 6 hours), the 28th is last month's.
    _, early = read("2_typhoon.txt", now=datetime(2026, 9, 27, tzinfo=UTC))
    assert early.issued_at == datetime(2026, 8, 28, 3, tzinfo=UTC)


def test_csv_and_json_carry_the_same_advisory():
    _, bulletin = read("2_typhoon.txt")
    (from_csv,) = ours.parse_csv(text("2_typhoon.csv"))
    (from_json,) = ours.parse_json(text("2_typhoon.json"))
    for data in (from_csv, from_json):
        (forecast,) = data.forecasts
        assert (forecast.agency, forecast.issued_at) == ("CMA", bulletin.issued_at)
        assert forecast.points == bulletin.points  # times, positions, winds, grades, radii
        assert [p.given for p in forecast.points] == [p.given for p in bulletin.points]


def _square(lon: float, lat: float, half: float = 0.02) -> shapely.Polygon:
    return shapely.box(lon - half, lat - half, lon + half, lat + half)


def test_a_place_inside_the_ne_radius_but_outside_the_sw_one_is_exposed_alone():
    _, forecast = read("2_typhoon.txt")
    analysis = forecast.points[0]  # level 7: NE 350 km, SW 260 km
    ne_lon, ne_lat, _ = GEOD.fwd(analysis.lon, analysis.lat, 45, 300_000)
    sw_lon, sw_lat, _ = GEOD.fwd(analysis.lon, analysis.lat, 225, 300_000)
    targets = Targets(
        [
            Target("ne-site", "东北 300 公里", "site", shapely.Point(ne_lon, ne_lat)),
            Target("sw-site", "西南 300 公里", "site", shapely.Point(sw_lon, sw_lat)),
            Target("ne-unit", "东北村", "village", _square(ne_lon, ne_lat, 0.005)),
            Target("sw-unit", "西南村", "village", _square(sw_lon, sw_lat, 0.005)),
        ]
    )
    units, sites = at_time([analysis], analysis.time, targets)[7]
    assert [t.key for t in sites] == ["ne-site"] and [t.key for t in units] == ["ne-unit"]
    # Level 10 (NE 150 km) reaches neither; with the SW quadrant's radius as long as the
    # NE one, both would be inside.
    assert at_time([analysis], analysis.time, targets)[10] == ([], [])
    even = Fix(analysis.time, analysis.lon, analysis.lat, radii={7: (350.0,) * 4})
    units, sites = at_time([even], even.time, targets)[7]
    assert {t.key for t in sites} == {"ne-site", "sw-site"}


def test_the_page_says_how_much_of_a_circle_is_the_quadrant_rules():
    stated = Fix(NOW, 119.0, 25.0, radii={7: (300.0,) * 4, 10: None, 12: None}, given={7: 4})
    assert approximation_text(stated) == ""
    jma = Fix(
        NOW,
        119.0,
        25.0,
        radii={7: (400.0, 300.0, 200.0, 300.0), 10: (100.0, 80.0, 60.0, 80.0), 12: None},
        given={7: 1, 10: 2},
    )
    said = approximation_text(jma)
    assert "7级风圈：4个象限中3个为推算" in said and "10级风圈：4个象限中2个为推算" in said
    assert "12级" not in said
