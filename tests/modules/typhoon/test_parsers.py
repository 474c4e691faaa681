"""Each storm format, good and bad: bad lines are reported with their number and reason,
and nothing of a bad file is returned."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from modules.typhoon.parsers import parse
from modules.typhoon.storage import shipped
from modules.typhoon.track import ParseError

DATA = Path(__file__).resolve().parents[3] / "modules" / "typhoon" / "data"

CMA = """66666 0000    3 0022 1521 0 6 Dujuan
2015092806 6 237 1221  935      55
2015092812 5 245 1208  955      45
2015092818 4 252 1193  970      38
"""
JMA = """66666 1521 002 0022 1521 0 6 DUJUAN              20151127
15092806 002 5 237 1221  935     095     90080 0080 80240 0180
15092812 002 5 245 1208  950     085     20080 0060 90180 0180
"""


def test_cma_reads_positions_grades_and_utc_times():
    (storm,) = parse(CMA, "cma")
    assert storm.id == "1521" and storm.name_en == "Dujuan" and storm.season == 2015
    first = storm.fixes[0]
    assert first.time == datetime(2015, 9, 28, 6, tzinfo=UTC)
    assert (first.lat, first.lon, first.pressure, first.wind, first.grade) == (
        23.7,
        122.1,
        935,
        55,
        "6",
    )
    assert first.radii[7] is None  # CMA carries no radii


def test_cma_bad_lines_are_reported_by_number_and_reason():
    bad = CMA.replace("2015092812 5 245", "2015092812 7 245").replace(" 970 ", " 97x ")
    with pytest.raises(ParseError) as caught:
        parse(bad, "cma")
    lines = {p.line: p.reason_zh for p in caught.value.errors}
    assert "强度等级" in lines[3] and "整数" in lines[4]
    assert "第3行" in caught.value.text_zh() and "line 3: grade" in caught.value.text()


def test_cma_header_count_must_match():
    with pytest.raises(ParseError) as caught:
        parse(CMA.replace("    3 0022", "    4 0022"), "cma")
    assert caught.value.errors[0].line == 1
    assert "头行说有4条定位，实有3条" in caught.value.errors[0].reason_zh


def test_jma_radii_become_level_7_and_10_quadrants():
    (storm,) = parse(JMA, "jma")
    first, second = storm.fixes
    assert first.radii[10] == pytest.approx((80 * 1.852,) * 4)
    # 30 kt: longest 240 nm towards the N (code 8), shortest 180 nm: NE and NW longest.
    assert first.radii[7] == pytest.approx((240 * 1.852, 180 * 1.852, 180 * 1.852, 240 * 1.852))
    # 50 kt: longest 80 nm towards the E (code 2): NE/SE 80 nm, SW/NW 60 nm.
    assert second.radii[10] == pytest.approx((148.16, 148.16, 111.12, 111.12))
    assert first.radii[12] is None
    assert first.wind == pytest.approx(95 * 0.514444)


def test_jma_bad_line():
    with pytest.raises(ParseError) as caught:
        parse(JMA.replace("15092812 002 5 245", "15092812 002 5 2x5"), "jma")
    assert caught.value.errors[0].line == 3


def test_digital_typhoon_csv_reads_axes():
    text = (DATA / "dt_202305.csv").read_text(encoding="utf-8")
    (storm,) = parse(text, "csv", "2305")
    with_radii = [f for f in storm.fixes if f.radii[7] and max(f.radii[7]) > 0]
    assert with_radii and storm.fixes[0].time.year == 2023
    bad = text.replace("2023,7,22,0,14.3,131.7", "2023,7,22,0,14.3,abc", 1)
    with pytest.raises(ParseError) as caught:
        parse(bad, "csv", "2305")
    assert (
        caught.value.errors[0].line
        == bad.splitlines().index(next(row for row in bad.splitlines() if "abc" in row)) + 1
    )


HEADER = (
    "storm,name_zh,kind,agency,issued_at,time,lat,lon,pressure_hpa,wind_ms,"
    "r7_ne,r7_se,r7_sw,r7_nw,r10_ne,r10_se,r10_sw,r10_nw\n"
)
OURS_CSV = (
    HEADER
    + """9901,演练台风,best,,,2026-07-01T00:00:00Z,22.0,124.0,960,40,300,300,250,250,100,100,80,80
9901,演练台风,best,,,2026-07-01T06:00:00Z,23.0,122.5,955,42,300,300,250,250,100,100,80,80
9901,演练台风,forecast,CMA,2026-07-01T06:00:00Z,2026-07-01T18:00:00+08:00,24.0,121.0,950,45,320,320,260,260,,,,
"""
)


def test_our_csv_reads_best_track_and_forecast():
    (storm,) = parse(OURS_CSV, "csv")
    assert storm.id == "9901" and storm.name_zh == "演练台风"
    assert len(storm.fixes) == 2 and storm.fixes[0].radii[10] == (100, 100, 80, 80)
    (forecast,) = storm.forecasts
    assert forecast.agency == "CMA" and forecast.points[0].time.hour == 10  # 18:00+08 = 10Z
    assert forecast.points[0].radii[10] is None and forecast.points[0].radii[12] is None


def test_our_csv_bad_lines_load_nothing():
    bad = (
        OURS_CSV.replace("22.0,124.0", "95.0,124.0")
        .replace("2026-07-01T06:00:00Z,23.0", "yesterday,23.0")
        .replace("320,320,260,260", "320,320,,260")
    )
    with pytest.raises(ParseError) as caught:
        parse(bad, "csv")
    numbers = [p.line for p in caught.value.errors]
    assert numbers == [2, 3, 4]
    assert "纬度" in caught.value.errors[0].reason_zh and "时间" in caught.value.errors[1].reason_zh
    assert "四个象限" in caught.value.errors[2].reason_zh


def test_our_json_reads_a_forecast_and_reports_bad_points_by_line():
    document = {
        "storm": "9902",
        "kind": "forecast",
        "agency": "CMA",
        "issued_at": "2026-07-02T00:00:00Z",
        "points": [
            {
                "time": "2026-07-02T12:00:00Z",
                "lat": 24,
                "lon": 121,
                "wind_ms": 40,
                "radii": {"7": {"ne": 300, "se": 300, "sw": 200, "nw": 200}},
            },
            {"time": "2026-07-03T00:00:00Z", "lat": 25, "lon": 119.5, "wind_ms": 30},
        ],
    }
    (storm,) = parse(json.dumps(document), "json")
    assert storm.forecasts[0].points[0].radii[7] == (300, 300, 200, 200)
    document["points"][1]["lat"] = "north"
    text = json.dumps(document, indent=1)
    with pytest.raises(ParseError) as caught:
        parse(text, "json")
    ((line, _, reason),) = [(p.line, p.reason, p.reason_zh) for p in caught.value.errors]
    assert "2026-07-03T00:00:00Z" in text.splitlines()[line - 1]
    assert "第2个点" in reason and "纬度" in reason


def test_shipped_storms_carry_cma_positions_and_jma_radii():
    storms = {data.id: (data, note) for data, note in shipped()}
    assert set(storms) == {"1513", "1521", "1614", "1808", "2305", "2403"}
    dujuan, note = storms["1521"]
    assert dujuan.name_zh == "杜鹃" and "30节" in note
    assert any(f.radii[10] and max(f.radii[10]) > 0 for f in dujuan.fixes)
    gaemi, note = storms["2403"]
    assert note == "" and all(f.radii[7] is None for f in gaemi.fixes)
    assert "tcdata.typhoon.org.cn" in dujuan.source and "RSMC Tokyo" in dujuan.source
