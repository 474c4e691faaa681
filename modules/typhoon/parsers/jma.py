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

SOURCE = "Best track data: RSMC Tokyo - Typhoon Center, Japan Meteorological Agency"
DIRECTIONS = {"1": "ne", "2": "e", "3": "se", "4": "s", "5": "sw", "6": "w", "7": "nw", "8": "n"}


def _radius(line: str, start: int) -> tuple[float, float] | None:
    """(direction code, longest nm, shortest nm) at 1-based column `start` (the direction)."""
    chunk = line[start - 1 : start + 9]
    if not chunk.strip():
        return None
    direction, longest, shortest = chunk[0], chunk[1:5].strip(), chunk[6:10].strip()
    if direction not in "0123456789" or not longest.isdigit() or not shortest.isdigit():
        raise ValueError(f"风圈字段 {chunk!r} 应为 方向(0-9) 最长半径 最短半径")
    long_nm, short_nm = int(longest), int(shortest)
    if short_nm > long_nm:
        raise ValueError(f"最短半径 {short_nm} 大于最长半径 {long_nm}")
    return quadrants_from_axes(DIRECTIONS.get(direction, ""), long_nm * NM, short_nm * NM)


def _fix(line: str) -> Fix:
    padded = line.ljust(80)
    stamp = padded[0:8]
    if not stamp.isdigit():
        raise ValueError(f"时间 {stamp!r} 不是 yymmddhh")
    try:
        time = datetime.strptime(stamp, "%y%m%d%H").replace(tzinfo=UTC)
    except ValueError as error:
        raise ValueError(f"时间 {stamp!r} 无效") from error
    try:
        lat = int(padded[15:18]) / 10
        lon = int(padded[19:23]) / 10
        pressure = int(padded[24:28])
        wind_text = padded[33:36].strip()
        wind_kt = int(wind_text) if wind_text else 0
    except ValueError as error:
        raise ValueError("纬度/经度/气压/风速列不是数字（列16-18、20-23、25-28、34-36）") from error
    problem = check_position(lat, lon)
    if problem:
        raise ValueError(problem)
    if not 850 <= pressure <= 1100:
        raise ValueError(f"气压 {pressure} hPa 不合理")
    wind = wind_kt * KT if wind_kt else None
    fix = Fix(time, lon, lat, float(pressure), wind, grade_from_wind(wind))
    r10 = _radius(padded, 42)
    r7 = _radius(padded, 53)
    # A fix without radii fields is a depression JMA analyses no gale for: no circle (0).
    fix.radii = {7: r7 or (0.0,) * 4, 10: r10 or (0.0,) * 4, 12: None}
    return fix


def parse(text: str, storm: str | None = None) -> list[StormData]:
    errors: list[tuple[int, str]] = []
    storms: list[StormData] = []
    current: StormData | None = None
    expected = 0
    header_line = 0
    lines = text.lstrip("\ufeff").splitlines()

    def close() -> None:
        if current is not None and len(current.fixes) != expected:
            errors.append((header_line, f"头行说有{expected}行，实有{len(current.fixes)}行"))

    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        if raw.startswith("66666"):
            close()
            parts = raw.split()
            if len(parts) < 3 or not parts[1].isdigit() or not parts[2].isdigit():
                errors.append((number, "头行应为 66666 AAAA BBB ..."))
                current = None
                continue
            expected = int(parts[2])
            header_line = number
            name = parts[7] if len(parts) > 7 else ""
            current = StormData(id=parts[1], name_en=name.title(), source=SOURCE)
            storms.append(current)
            continue
        if current is None:
            errors.append((number, "数据行之前没有 66666 头行"))
            continue
        try:
            current.fixes.append(_fix(raw))
        except ValueError as error:
            errors.append((number, str(error)))
            current.fixes.append(None)  # type: ignore[arg-type]
    close()
    if errors:
        raise ParseError(errors)
    chosen = [s for s in storms if storm is None or s.id == storm]
    if storm is not None and not chosen:
        raise ParseError([(0, f"文件中没有编号为 {storm} 的台风")])
    for s in chosen:
        s.season = s.fixes[0].time.year if s.fixes else 0
    return chosen
