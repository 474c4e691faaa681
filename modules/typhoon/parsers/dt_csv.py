"""JMA best track as the CSV tables of Digital Typhoon (National Institute of Informatics).

Columns: Year, Month, Day, Hour (UTC), Lat., Long., Wind (kt), Gust (kt), then for the storm
(50 kt) and gale (30 kt) axes: direction of the major axis (N, NE, ..., `symmetric circle`),
radius of the major and minor axis (nm); `-` where there is none. UTF-8 with a BOM.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, datetime

from modules.typhoon.parsers.common import csv_syntax
from modules.typhoon.track import (
    KT,
    NM,
    Bad,
    Fix,
    ParseError,
    Problem,
    Problems,
    StormData,
    check_position,
    given_by_axes,
    grade_from_wind,
    problem,
    quadrants_from_axes,
    shown,
)

SOURCE = (
    "Best track data: RSMC Tokyo - Typhoon Center, Japan Meteorological Agency, "
    "via Digital Typhoon, National Institute of Informatics"
)
HEADER_START = ("Year", "Month", "Day", "Hour", "Lat.", "Long.")
COLUMNS = 14
DIRECTIONS = ("n", "ne", "e", "se", "s", "sw", "w", "nw")


def looks_like(text: str) -> bool:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return first.startswith("Year,Month,Day,Hour")


def _float(text: str, what: str, what_zh: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise Bad(
            f"{what} {shown(text)} is not a number", f"{what_zh} {shown(text)} 不是数字"
        ) from None
    if not math.isfinite(value):
        raise Bad(f"{what} {shown(text)} is not a number", f"{what_zh} {shown(text)} 不是数字")
    return value


def _axes(direction: str, major: str, minor: str) -> tuple | None:
    if major.strip() in ("", "-"):
        return (0.0,) * 4
    direction = direction.strip().lower()
    long_nm = _float(major, "the major axis radius", "长轴半径")
    short_nm = (
        _float(minor, "the minor axis radius", "短轴半径")
        if minor.strip() not in ("", "-")
        else 0.0
    )
    if not 0 <= short_nm <= long_nm <= 1000:
        raise Bad(
            f"axis radii {long_nm}/{short_nm} nm should be 0-1000 nm, the minor not longer",
            f"风圈半径 {long_nm}/{short_nm} 海里不合理（应在 0–1000 海里之间，短轴不长于长轴）",
        )
    if direction.startswith("symmetric"):
        direction = ""
    elif direction not in DIRECTIONS:
        raise Bad(
            f"axis direction {direction!r} is not N, NE, E, ... or symmetric circle",
            f"长轴方向 {direction!r} 无法识别（应为 N、NE、E… 或 symmetric circle）",
        )
    return quadrants_from_axes(direction, long_nm * NM, short_nm * NM)


def _fix(row: list[str], number: int) -> Fix:
    if len(row) < COLUMNS:
        raise Bad(
            f"a row needs at least {COLUMNS} columns, this one has {len(row)}: it may be cut short",
            f"应有至少{COLUMNS}列，实有{len(row)}列：此行可能不完整",
        )
    try:
        y, mo, d, h = (int(v) for v in row[:4])
        time = datetime(y, mo, d, h, tzinfo=UTC)
    except ValueError:
        raise Bad(
            f"Year, Month, Day, Hour ({','.join(row[:4])}) is not a date",
            f"年、月、日、时（{','.join(row[:4])}）不是有效时间",
        ) from None
    lat = _float(row[4], "latitude", "纬度")
    lon = _float(row[5], "longitude", "经度")
    check_position(lat, lon)
    wind_kt = _float(row[6] or "0", "wind", "风速")
    if not 0 <= wind_kt <= 250:
        raise Bad(
            f"wind {wind_kt} kt is outside 0-250 kt",
            f"风速 {wind_kt} 节不合理（应在 0–250 节之间）",
        )
    wind = wind_kt * KT if wind_kt else None
    fix = Fix(time, lon, lat, None, wind, grade_from_wind(wind), line=number)
    fix.radii = {7: _axes(*row[11:14]), 10: _axes(*row[8:11]), 12: None}
    fix.given = {lv: n for lv in (7, 10) if (n := given_by_axes(fix.radii[lv])) is not None}
    return fix


def parse(text: str, storm_id: str) -> StormData:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    problems = Problems()
    try:
        header = next(reader, [])
    except csv.Error as error:
        raise ParseError([problem(1, csv_syntax(error))]) from None
    if tuple(c.strip() for c in header[:6]) != HEADER_START:
        raise ParseError(
            [
                Problem(
                    1,
                    "the header should start Year,Month,Day,Hour,Lat.,Long.",
                    "表头应以 Year,Month,Day,Hour,Lat.,Long. 开始",
                )
            ]
        )
    if not storm_id:
        raise ParseError(
            [
                Problem(
                    None,
                    "a Digital Typhoon CSV carries no storm number: give it (--storm)",
                    "Digital Typhoon CSV 不含台风编号：请填写台风编号（命令行用 --storm）",
                )
            ]
        )
    data = StormData(id=storm_id, source=SOURCE, line=1)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.add(reader.line_num + 1, csv_syntax(error))  # the row it began
            break
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        try:
            fix = _fix(row, number)
        except Bad as error:
            problems.add(number, error)
            continue
        if data.fixes and fix.time <= data.fixes[-1].time:
            problems.add(
                number,
                Bad(
                    "the time is not after the previous row's: rows go in time order",
                    "时间没有递增（与上一行相同或更早）：各行应按时间先后排列",
                ),
            )
        data.fixes.append(fix)
    problems.raise_any()
    data.season = data.fixes[0].time.year if data.fixes else 0
    return data
