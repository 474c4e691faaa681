"""RSMC Tokyo (JMA) best track, the format of bst_all.txt.

Header: `66666 AAAA BBB CCCC DDDD E F NAME DATE` (AAAA the international number, the storm's
id here, e.g. 1521; BBB the number of data lines). Data lines, fixed columns:
1-8 time yymmddhh (UTC), 10-12 indicator (002), 14 grade, 16-18 lat (0.1°), 20-23 lon
(0.1°), 25-28 pressure (hPa), 34-36 max wind (kt), 42 direction of the longest radius of
50-kt winds, 43-46 that radius (nm), 48-51 the shortest radius of 50-kt winds (nm), 53-57 and
59-62 the same for 30-kt winds. Direction codes 1-8: NE E SE S SW W NW N; 9 symmetric.

30 kt is read as CMA level 7 and 50 kt as level 10 (a documented approximation: JMA winds are
10-min means, CMA levels 2-min). JMA has no 64-kt radii here: level 12 is unavailable.
"""

from __future__ import annotations

from datetime import UTC, datetime

from modules.typhoon.parsers.common import Storms, pressure_of
from modules.typhoon.track import (
    KT,
    NM,
    Bad,
    Fix,
    StormData,
    check_position,
    given_by_axes,
    grade_from_wind,
    quadrants_from_axes,
)

SOURCE = "Best track data: RSMC Tokyo - Typhoon Center, Japan Meteorological Agency"
DIRECTIONS = {"1": "ne", "2": "e", "3": "se", "4": "s", "5": "sw", "6": "w", "7": "nw", "8": "n"}
HEADER = "66666 AAAA BBB CCCC DDDD E F NAME DATE"


def _radius(line: str, start: int) -> tuple[float, float, float, float] | None:
    """The four quadrant radii (km) from the direction code at 1-based column `start`, the
    longest radius (nm) after it and the shortest (nm) after that; None when blank."""
    chunk = line[start - 1 : start + 9]
    if not chunk.strip():
        return None
    direction, longest, shortest = chunk[0], chunk[1:5].strip(), chunk[6:10].strip()
    if direction not in "0123456789" or not longest.isdigit() or not shortest.isdigit():
        raise Bad(
            f"columns {start}-{start + 9} ({chunk!r}) should be a direction code (0-9), the "
            "longest and the shortest radius in nm",
            f"第{start}–{start + 9}列（{chunk!r}）应为 方向代码(0-9) 最长半径 最短半径（海里）",
        )
    long_nm, short_nm = int(longest), int(shortest)
    if short_nm > long_nm:
        raise Bad(
            f"the shortest radius {short_nm} nm is longer than the longest {long_nm} nm",
            f"最短半径 {short_nm} 海里大于最长半径 {long_nm} 海里",
        )
    return quadrants_from_axes(DIRECTIONS.get(direction, ""), long_nm * NM, short_nm * NM)


def _fix(line: str, number: int) -> Fix:
    padded = line.ljust(80)
    stamp = padded[0:8]
    if not stamp.isdigit():
        raise Bad(
            f"columns 1-8 ({stamp.strip()!r}) should be the time as yymmddhh",
            f"第1–8列（{stamp.strip()!r}）应为时间 yymmddhh（年月日时，8位数字）",
        )
    try:
        time = datetime.strptime(stamp, "%y%m%d%H").replace(tzinfo=UTC)
    except ValueError:
        raise Bad(f"time {stamp} is not a date", f"时间 {stamp} 不是有效日期") from None
    try:
        lat = int(padded[15:18]) / 10
        lon = int(padded[19:23]) / 10
        pressure = int(padded[24:28])
        wind_text = padded[33:36].strip()
        wind_kt = int(wind_text) if wind_text else 0
    except ValueError:
        raise Bad(
            "latitude, longitude, pressure or wind (columns 16-18, 20-23, 25-28, 34-36) is "
            "not a whole number: the line may be cut short or its columns shifted",
            "纬度/经度/气压/风速（第16–18、20–23、25–28、34–36列）不是整数：此行可能不完整或列错位",
        ) from None
    check_position(lat, lon)
    if not 0 <= wind_kt <= 250:
        raise Bad(
            f"wind {wind_kt} kt is outside 0-250 kt",
            f"风速 {wind_kt} 节不合理（应在 0–250 节之间）",
        )
    wind = wind_kt * KT if wind_kt else None
    fix = Fix(time, lon, lat, pressure_of(pressure), wind, grade_from_wind(wind), line=number)
    r10 = _radius(padded, 42)
    r7 = _radius(padded, 53)
    # A fix without radii fields is a depression JMA analyses no gale for: no circle (0).
    fix.radii = {7: r7 or (0.0,) * 4, 10: r10 or (0.0,) * 4, 12: None}
    fix.given = {lv: given_by_axes(fix.radii[lv]) or 4 for lv in (7, 10)}
    return fix


def parse(text: str, storm: str | None = None) -> list[StormData]:
    found = Storms("JMA", HEADER, storm)
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not raw.strip():
            continue
        if raw.startswith("66666"):
            parts = raw.split()
            if len(parts) < 3 or not parts[1].isdigit() or not parts[2].isdigit():
                found.bad_header(number)
                continue
            name = parts[7] if len(parts) > 7 else ""
            data = StormData(id=parts[1], name_en=name.title(), source=SOURCE, line=number)
            found.open(data, int(parts[2]), keep=True)
            continue
        found.fix(number, lambda raw=raw, number=number: _fix(raw, number))
    return found.close()
