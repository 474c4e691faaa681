"""JMA best track as the CSV tables of Digital Typhoon (National Institute of Informatics).

Columns: Year, Month, Day, Hour (UTC), Lat., Long., Wind (kt), Gust (kt), then for the storm
(50 kt) and gale (30 kt) axes: direction of the major axis (N, NE, ..., `symmetric circle`),
radius of the major and minor axis (nm); `-` where there is none. UTF-8 with a BOM.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from modules.typhoon.track import (
    KT,
    NM,
    Fix,
    ParseError,
    StormData,
    check_position,
    grade_from_wind,
    quadrants_from_axes,
)

SOURCE = (
    "Best track data: RSMC Tokyo - Typhoon Center, Japan Meteorological Agency, "
    "via Digital Typhoon, National Institute of Informatics"
)
HEADER_START = ("Year", "Month", "Day", "Hour", "Lat.", "Long.")


def looks_like(text: str) -> bool:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return first.startswith("Year,Month,Day,Hour")


def _axes(direction: str, major: str, minor: str) -> tuple | None:
    if major.strip() in ("", "-"):
        return (0.0,) * 4
    direction = direction.strip().lower()
    try:
        long_nm, short_nm = float(major), float(minor) if minor.strip() not in ("", "-") else 0.0
    except ValueError as error:
        raise ValueError(f"风圈半径 {major!r}/{minor!r} 不是数字") from error
    if direction.startswith("symmetric"):
        direction = ""
    elif direction not in ("n", "ne", "e", "se", "s", "sw", "w", "nw"):
        raise ValueError(f"长轴方向 {direction!r} 无法识别")
    return quadrants_from_axes(direction, long_nm * NM, short_nm * NM)


def parse(text: str, storm_id: str) -> StormData:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or tuple(c.strip() for c in rows[0][:6]) != HEADER_START:
        raise ParseError([(1, "表头应以 Year,Month,Day,Hour,Lat.,Long. 开始")])
    if not storm_id:
        raise ParseError([(0, "Digital Typhoon CSV 不含台风编号：请用 --storm 指定")])
    errors: list[tuple[int, str]] = []
    fixes: list[Fix] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 14:
            errors.append((number, f"应有至少14列，实有{len(row)}列"))
            continue
        try:
            y, mo, d, h = (int(v) for v in row[:4])
            time = datetime(y, mo, d, h, tzinfo=UTC)
            lat, lon, wind_kt = float(row[4]), float(row[5]), float(row[6] or 0)
            problem = check_position(lat, lon)
            if problem:
                raise ValueError(problem)
            wind = wind_kt * KT if wind_kt else None
            fix = Fix(time, lon, lat, None, wind, grade_from_wind(wind))
            fix.radii = {7: _axes(*row[11:14]), 10: _axes(*row[8:11]), 12: None}
        except ValueError as error:
            errors.append((number, str(error) or "数值无效"))
            continue
        if fixes and time <= fixes[-1].time:
            errors.append((number, "时间没有递增"))
        fixes.append(fix)
    if errors:
        raise ParseError(errors)
    return StormData(
        id=storm_id, season=fixes[0].time.year if fixes else 0, source=SOURCE, fixes=fixes
    )
