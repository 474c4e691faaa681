"""CMA best track (tcdata.typhoon.org.cn, CH{year}BST.txt).

A header line per storm: `66666 BBBB CCC DDDD EEEE F G NAME DATE` (BBBB the international
number, CCC the number of fix lines that follow, DDDD the serial, EEEE the China number, used
here as the storm's id, e.g. 1521; F the end flag; G the hours between the last analyses),
then one line per fix: `YYYYMMDDHH I LAT LONG PRES WND [OWD]` with I the grade code (0-6, 9),
LAT/LONG in 0.1°, PRES hPa, WND the 2-min mean maximum wind (m/s), all UTC. No wind radii.
"""

from __future__ import annotations

from datetime import UTC, datetime

from modules.typhoon.track import GRADES, Fix, ParseError, StormData, check_position

SOURCE = (
    "Tropical cyclone data: CMA Tropical Cyclone Data Center (tcdata.typhoon.org.cn); "
    "Ying et al., 2014, doi:10.1175/JTECH-D-12-00119.1; Lu et al., 2021, "
    "doi:10.1007/s00376-020-0211-7"
)


def _fix(parts: list[str]) -> Fix:
    if len(parts) < 6:
        raise ValueError(f"应有至少6个字段（时间 等级 纬度 经度 气压 风速），实有{len(parts)}个")
    stamp, grade, lat, lon, pres, wind = parts[:6]
    if len(stamp) != 10 or not stamp.isdigit():
        raise ValueError(f"时间 {stamp!r} 不是 YYYYMMDDHH")
    try:
        time = datetime.strptime(stamp, "%Y%m%d%H").replace(tzinfo=UTC)
    except ValueError as error:
        raise ValueError(f"时间 {stamp!r} 无效") from error
    if grade not in GRADES:
        raise ValueError(f"强度等级 {grade!r} 不在 0-6、9 之中")
    try:
        lat_v, lon_v, pres_v, wind_v = int(lat) / 10, int(lon) / 10, int(pres), int(wind)
    except ValueError as error:
        raise ValueError(f"纬度/经度/气压/风速应为整数：{' '.join(parts[2:6])}") from error
    problem = check_position(lat_v, lon_v)
    if problem:
        raise ValueError(problem)
    if not 850 <= pres_v <= 1100:
        raise ValueError(f"气压 {pres_v} hPa 不合理")
    if not 0 <= wind_v <= 120:
        raise ValueError(f"风速 {wind_v} m/s 不合理")
    return Fix(time, lon_v, lat_v, float(pres_v), float(wind_v) if wind_v else None, grade)


def parse(text: str, storm: str | None = None) -> list[StormData]:
    """Every numbered storm in the file (or only `storm`); ParseError lists every bad line."""
    errors: list[tuple[int, str]] = []
    storms: list[StormData] = []
    current: StormData | None = None
    expected = 0
    header_line = 0
    lines = text.lstrip("\ufeff").splitlines()

    def close(line_no: int) -> None:
        if current is not None and len(current.fixes) != expected:
            errors.append(
                (
                    header_line,
                    f"头行说有{expected}条定位，实有{len(current.fixes)}条（至第{line_no}行）",
                )
            )

    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        parts = line.split()
        if parts[0] == "66666":
            close(number)
            if len(parts) < 7 or not all(p.isdigit() for p in parts[1:5]):
                errors.append((number, "头行应为 66666 BBBB CCC DDDD EEEE F G 名称"))
                current = None
                continue
            expected = int(parts[2])
            header_line = number
            name = " ".join(p for p in parts[7:] if not p.isdigit()) if len(parts) > 7 else ""
            current = StormData(id=parts[4], name_en=name.title(), source=SOURCE)
            storms.append(current)
            continue
        if current is None:
            errors.append((number, "定位行之前没有 66666 头行"))
            continue
        try:
            fix = _fix(parts)
        except ValueError as error:
            errors.append((number, str(error)))
            current.fixes.append(None)  # type: ignore[arg-type]  # counted, then dropped
            continue
        if current.fixes and current.fixes[-1] is not None and fix.time <= current.fixes[-1].time:
            errors.append((number, "时间没有递增"))
        current.fixes.append(fix)
    close(len(lines))
    if errors:
        raise ParseError(errors)
    chosen = [s for s in storms if s.id != "0000" and (storm is None or s.id == storm)]
    if storm is not None and not chosen:
        raise ParseError([(0, f"文件中没有编号为 {storm} 的台风")])
    for s in chosen:
        s.season = s.fixes[0].time.year if s.fixes else 0
    return chosen
