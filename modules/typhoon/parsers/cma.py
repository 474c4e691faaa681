"""CMA best track (tcdata.typhoon.org.cn, CH{year}BST.txt).

A header line per storm: `66666 BBBB CCC DDDD EEEE F G NAME DATE` (BBBB the international
number, CCC the number of fix lines that follow, DDDD the serial, EEEE the China number, used
here as the storm's id, e.g. 1521; F the end flag; G the hours between the last analyses),
then one line per fix: `YYYYMMDDHH I LAT LONG PRES WND [OWD]` with I the grade code (0-6, 9),
LAT/LONG in 0.1°, PRES hPa, WND the 2-min mean maximum wind (m/s), all UTC. No wind radii.
Storms without a China number (EEEE 0000) are read for their lines' sake and not imported.
"""

from __future__ import annotations

from datetime import UTC, datetime

from modules.typhoon.parsers.common import Storms, not_numbers, pressure_of, wind_of
from modules.typhoon.track import GRADES, Bad, Fix, StormData, check_position

SOURCE = (
    "Tropical cyclone data: CMA Tropical Cyclone Data Center (tcdata.typhoon.org.cn); "
    "Ying et al., 2014, doi:10.1175/JTECH-D-12-00119.1; Lu et al., 2021, "
    "doi:10.1007/s00376-020-0211-7"
)
HEADER = "66666 BBBB CCC DDDD EEEE F G NAME"
FIELDS = "YYYYMMDDHH grade lat lon pressure wind"
FIELDS_ZH = "时间 等级 纬度 经度 气压 风速"
UNNUMBERED = "0000"


def _fix(parts: list[str], line: int) -> Fix:
    if len(parts) < 6:
        raise Bad(
            f"a fix line needs at least 6 fields ({FIELDS}), this one has {len(parts)}: "
            "the line may be cut short",
            f"定位行应有至少6个字段（{FIELDS_ZH}），实有{len(parts)}个：此行可能不完整",
        )
    stamp, grade, lat, lon, pres, wind = parts[:6]
    if len(stamp) != 10 or not stamp.isdigit():
        raise Bad(
            f"time {stamp!r} is not YYYYMMDDHH",
            f"时间 {stamp!r} 不是 YYYYMMDDHH（年月日时，10位数字）",
        )
    try:
        time = datetime.strptime(stamp, "%Y%m%d%H").replace(tzinfo=UTC)
    except ValueError:
        raise Bad(f"time {stamp} is not a date", f"时间 {stamp} 不是有效日期") from None
    if grade not in GRADES:
        raise Bad(f"grade {grade!r} is not one of 0-6 or 9", f"强度等级 {grade!r} 应为 0-6 或 9")
    try:
        lat_v, lon_v, pres_v, wind_v = int(lat) / 10, int(lon) / 10, int(pres), int(wind)
    except ValueError:
        raise not_numbers(
            " ".join(parts[2:6]), "lat lon pressure wind", "纬度 经度 气压 风速"
        ) from None
    check_position(lat_v, lon_v)
    return Fix(
        time,
        lon_v,
        lat_v,
        pressure_of(pres_v),
        wind_of(wind_v) or None,
        grade,
        line=line,
    )


def parse(text: str, storm: str | None = None) -> list[StormData]:
    """Every numbered storm in the file (or only `storm`); ParseError lists every bad line."""
    found = Storms("CMA", HEADER, storm)
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        parts = raw.split()
        if not parts:
            continue
        if parts[0] == "66666":
            if len(parts) < 7 or not all(p.isdigit() for p in parts[1:5]):
                found.bad_header(number)
                continue
            name = " ".join(p for p in parts[7:] if not p.isdigit())
            data = StormData(id=parts[4], name_en=name.title(), source=SOURCE, line=number)
            found.open(data, int(parts[2]), keep=parts[4] != UNNUMBERED)
            continue
        found.fix(number, lambda number=number, parts=parts: _fix(parts, number))
    return found.close()
