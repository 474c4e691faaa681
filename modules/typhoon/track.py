"""A storm as the parsers read it: fixes (best track) and forecasts, before it is stored.

Times are aware UTC datetimes; positions WGS84 degrees; pressure hPa; wind the 2-min mean
maximum in m/s (CMA's measure; JMA's 10-min knots are converted with 1 kt = 0.5144 m/s and
no gust factor, a stated approximation); wind-circle radii in km per quadrant (NE, SE, SW,
NW). A level's radii are None where the source has none ("unavailable"), and 0 where the
source says no wind of that strength.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

LEVELS = (7, 10, 12)
QUADRANTS = ("ne", "se", "sw", "nw")
KT = 0.514444  # m/s per knot
NM = 1.852  # km per nautical mile

# CMA grade codes of the best-track files, and their zh-CN names.
GRADES = {
    "0": "弱于热带低压",
    "1": "热带低压",
    "2": "热带风暴",
    "3": "强热带风暴",
    "4": "台风",
    "5": "强台风",
    "6": "超强台风",
    "9": "变性温带气旋",
}
GRADE_COLOURS = {
    "0": "#9e9e9e",
    "1": "#2e7d32",
    "2": "#1565c0",
    "3": "#f9a825",
    "4": "#ef6c00",
    "5": "#d81b60",
    "6": "#b71c1c",
    "9": "#6d4c41",
}


def grade_from_wind(wind_ms: float | None) -> str:
    """The CMA grade (GB/T 19201-2006) of a 2-min mean maximum wind in m/s."""
    if wind_ms is None:
        return "0"
    for code, low in (("6", 51.0), ("5", 41.5), ("4", 32.7), ("3", 24.5), ("2", 17.2)):
        if wind_ms >= low:
            return code
    return "1" if wind_ms >= 10.8 else "0"


Radii = tuple[float, float, float, float]


@dataclass
class Fix:
    time: datetime
    lon: float
    lat: float
    pressure: float | None = None
    wind: float | None = None
    grade: str = "0"
    radii: dict[int, Radii | None] = field(default_factory=lambda: dict.fromkeys(LEVELS))


@dataclass
class Forecast:
    agency: str
    issued_at: datetime
    points: list[Fix]


@dataclass
class StormData:
    id: str
    name_en: str = ""
    name_zh: str = ""
    season: int = 0
    source: str = ""
    fixes: list[Fix] = field(default_factory=list)
    forecasts: list[Forecast] = field(default_factory=list)


class ParseError(ValueError):
    """A file with bad lines: `errors` is [(line number, reason)], nothing was loaded."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        lines = "; ".join(f"第{line}行：{reason}" for line, reason in errors[:20])
        more = f"（另有{len(errors) - 20}处）" if len(errors) > 20 else ""
        super().__init__(f"文件有{len(errors)}处错误，未导入任何数据：{lines}{more}")


def check_position(lat: float, lon: float) -> str | None:
    if not -90 <= lat <= 90:
        return f"纬度 {lat} 超出范围"
    if not -180 <= lon <= 360:
        return f"经度 {lon} 超出范围"
    return None


def quadrants_from_axes(direction: str, longest: float, shortest: float) -> Radii:
    """JMA gives a longest radius with its direction and a shortest one; OneMap needs one
    radius per quadrant. The documented approximation: a quadrant within 45° of the longest
    direction gets the longest radius, one within 45° of the opposite direction the shortest,
    any other the mean of the two; a symmetric circle (or no direction) gets the longest."""
    bearings = {"n": 0, "ne": 45, "e": 90, "se": 135, "s": 180, "sw": 225, "w": 270, "nw": 315}
    if direction not in bearings:
        return (longest, longest, longest, longest)
    axis = bearings[direction]
    result = []
    for centre in (45, 135, 225, 315):
        gap = abs((centre - axis + 180) % 360 - 180)
        if gap <= 45:
            result.append(longest)
        elif gap >= 135:
            result.append(shortest)
        else:
            result.append((longest + shortest) / 2)
    return tuple(result)  # type: ignore[return-value]
