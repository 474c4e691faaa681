"""A storm known only from CMA advisories has an observed track: each bulletin's analysis
(00HR), labelled 实况（CMA报文） on the page, in the API and the exports, with exposure along it
as along a best track; a best track imported later wins for its times, the advisories stay
on record; and a viewer reads only the units of their own scope."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from modules.typhoon import importing
from tests.accounts_fixture import viewer_of
from tests.dash_client import call_callback, response_json

BULLETINS = Path(__file__).resolve().parent / "bulletins"
PHASES = ("1_forming.txt", "2_typhoon.txt", "3_landfall.txt", "4_weakening.txt", "5_final.txt")
ANALYSES = [
    "2026-09-26T00:00:00+00:00",
    "2026-09-28T00:00:00+00:00",
    "2026-09-29T00:00:00+00:00",
    "2026-09-30T00:00:00+00:00",
    "2026-09-30T12:00:00+00:00",
]
NOW = datetime(2026, 9, 30, 18, tzinfo=UTC)
LANDFALL = "2026-09-29T00:00:00Z"
XITIANWEI = "350304100"


def run(core, data: bytes, fmt: str, storm: str | None = None) -> None:
    outcome = importing.run(core, viewer_of("city.admin"), data, fmt, storm=storm, now=NOW)
    assert outcome.ok, outcome.text()


def import_phases(core, storm: str) -> None:
    """The five phase bulletins, one by one as they arrive (the forming one under `storm`)."""
    for name in PHASES:
        text = (BULLETINS / name).read_text(encoding="utf-8").replace("9921", storm)
        run(core, text.encode(), "wtpq", storm if name.startswith("1_") else None)


def observed(track: dict) -> list[dict]:
    return [f for f in track["features"] if f["properties"]["kind"] in ("best", "analysis")]


def best_csv(storm: str, points: list[dict], shift: float = 0.0) -> bytes:
    """The given observed points as a OneMap best track (radii as they are), moved by `shift`
    degrees of latitude."""
    header = "storm,kind,time,lat,lon,pressure_hpa,wind_ms," + ",".join(
        f"r{lv}_{q}" for lv in (7, 10, 12) for q in ("ne", "se", "sw", "nw")
    )
    rows = [header]
    for point in points:
        props = point["properties"]
        lon, lat = point["geometry"]["coordinates"]
        radii = []
        for level in ("7", "10", "12"):
            given = props["radii_km"][level]
            radii += (
                [""] * 4 if given is None else [str(given[q]) for q in ("ne", "se", "sw", "nw")]
            )
        rows.append(
            ",".join(
                [storm, "best", props["time"], str(lat + shift), str(lon)]
                + [str(props["pressure_hpa"]), str(props["wind_ms"])]
                + radii
            )
        )
    return ("\n".join(rows) + "\n").encode()


def units(client, storm: str, time: str = LANDFALL, level: str = "7") -> dict[str, list]:
    body = client.get(f"/api/v1/typhoon/storms/{storm}/exposure?time={time}").json
    return {u["code"]: u["intervals"] for u in body["levels"][level]["units"]}


def test_the_five_bulletins_analyses_are_the_observed_track(core, client_as):
    import_phases(core, "9961")
    client = client_as("xtw.staff")
    track = client.get("/api/v1/typhoon/storms/9961/track").json
    points = observed(track)
    assert [p["properties"]["time"] for p in points] == ANALYSES
    assert {p["properties"]["kind"] for p in points} == {"analysis"}
    assert {p["properties"]["observed_zh"] for p in points} == {"实况（CMA报文）"}
    assert [p["properties"]["issued_at"][:13] for p in points] == [
        "2026-09-26T03",
        "2026-09-28T03",
        "2026-09-29T03",
        "2026-09-30T03",
        "2026-09-30T15",
    ]
    landfall = points[2]
    assert landfall["geometry"]["coordinates"] == [119.3, 25.2]
    assert landfall["properties"]["pressure_hpa"] == 975 and landfall["properties"]["wind_ms"] == 30
    assert landfall["properties"]["radii_km"]["7"] == {"ne": 250, "se": 250, "sw": 200, "nw": 220}
    (line,) = [f for f in track["features"] if f["properties"]["kind"] == "best-line"]
    assert len(line["geometry"]["coordinates"]) == 5
    assert line["properties"]["observed_from"] == ["实况（CMA报文）"]
    # Each bulletin is still a forecast on record, the last in force.
    assert [a["in_force"] for a in track["advisories"]] == [False] * 4 + [True]
    storms = {s["id"]: s for s in client.get("/api/v1/typhoon/storms").json["storms"]}
    assert storms["9961"]["start"] == ANALYSES[0] and storms["9961"]["end"] == ANALYSES[-1]
    assert storms["9961"]["has_radii"] is True
    # At landfall 西天尾镇 lies in the 7-level circle of the analysis.
    inside = units(client, "9961")
    assert inside and all(code.startswith(XITIANWEI) for code in inside)


def test_exposure_along_the_analyses_is_the_best_tracks_for_the_same_points(core, client_as):
    import_phases(core, "9962")
    client = client_as("xtw.staff")
    points = observed(client.get("/api/v1/typhoon/storms/9962/track").json)
    run(core, best_csv("9963", points), "csv")
    for time in (LANDFALL, "2026-09-28T18:00:00Z", "2026-09-29T12:00:00Z"):
        for level in ("7", "10"):
            assert units(client, "9962", time, level) == units(client, "9963", time, level)
    assert units(client, "9962")


def test_a_later_best_track_wins_for_its_times_and_the_advisories_stay_on_record(core, client_as):
    import_phases(core, "9964")
    client = client_as("xtw.staff")
    before = observed(client.get("/api/v1/typhoon/storms/9964/track").json)
    # The best track covers 28 00Z – 30 00Z, a little north of the bulletins' analyses.
    run(core, best_csv("9964", before[1:4], shift=0.1), "csv")
    track = client.get("/api/v1/typhoon/storms/9964/track").json
    after = observed(track)
    assert [(p["properties"]["time"], p["properties"]["kind"]) for p in after] == [
        (ANALYSES[0], "analysis"),
        (ANALYSES[1], "best"),
        (ANALYSES[2], "best"),
        (ANALYSES[3], "best"),
        (ANALYSES[4], "analysis"),
    ]
    assert after[2]["geometry"]["coordinates"] == [119.3, 25.3]
    assert after[2]["properties"]["observed_zh"] == "最佳路径"
    (line,) = [f for f in track["features"] if f["properties"]["kind"] == "best-line"]
    assert line["properties"]["observed_from"] == ["实况（CMA报文）", "最佳路径"]
    assert len(track["advisories"]) == 5
    # The bulletins' own analyses are still there as the forecasts' first points.
    analyses = [
        f
        for f in track["features"]
        if f["properties"]["kind"] == "forecast"
        and f["properties"]["time"] == ANALYSES[2]
        and f["properties"]["issued_at"].startswith("2026-09-29T03")
    ]
    assert [a["geometry"]["coordinates"] for a in analyses] == [[119.3, 25.2]]


def test_the_page_shows_the_track_labelled_and_the_export_says_so(core, client_as):
    import_phases(core, "9965")
    client = client_as("xtw.staff")
    response = call_callback(
        client,
        [
            ("typhoon-map", "figure"),
            ("typhoon-status", "children"),
            ("typhoon-exposure", "children"),
        ],
        [
            ("typhoon-storm", "value", "9965"),
            ("typhoon-time", "value", 72),  # 09-29 00Z, three days after the first analysis
            ("typhoon-replay", "value", []),
        ],
    )
    answer = response_json(response)["response"]
    status = json.dumps(answer["typhoon-status"], ensure_ascii=False)
    assert "还没有" not in status and "实况（CMA报文）" in status and "975 hPa" in status
    names = [t.get("name") for t in answer["typhoon-map"]["figure"]["data"]]
    assert "路径（含实况（CMA报文））" in names
    hovers = json.dumps(answer["typhoon-map"]["figure"]["data"], ensure_ascii=False)
    assert hovers.count("实况（CMA报文）") >= 5
    listing = json.dumps(answer["typhoon-exposure"], ensure_ascii=False)
    assert "预报报文记录" in listing
    body = client.get("/api/v1/typhoon/storms/9965/exposure.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[1][0] == "实况路径" and rows[1][1].startswith("实况（CMA报文） 5个")
    codes = {r[0] for r in rows if r and r[0][:1].isdigit()}
    assert codes and all(code.startswith(XITIANWEI) for code in codes)


def test_a_viewer_reads_the_advisory_tracks_exposure_only_inside_their_scope(core, client_as):
    import_phases(core, "9966")
    xiuyu = client_as("xiuyu.staff")
    inside = units(xiuyu, "9966")
    assert inside and all(code.startswith("350305") for code in inside)
    outside = f"/api/v1/typhoon/storms/9966/exposure?time={LANDFALL}&unit={XITIANWEI}000"
    assert xiuyu.get(outside).status_code == 403
    assert xiuyu.get(outside.replace("exposure?", "exposure.csv?")).status_code == 403
    staff = client_as("xtw.staff")
    assert not set(units(staff, "9966")) & set(inside)
    assert staff.get("/api/v1/typhoon/storms/9966/exposure?unit=350305000000").status_code == 403
