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


@dataclass(slots=True)  # files hold up to a few hundred thousand of them
class Fix:
    time: datetime
    lon: float
    lat: float
    pressure: float | None = None
    wind: float | None = None
    grade: str = "0"
    radii: dict[int, Radii | None] = field(default_factory=lambda: dict.fromkeys(LEVELS))
    # Per level, how many of the four quadrant radii the source states (4: a radius per
    # quadrant; JMA's longest/shortest: 1 or 2, the rest by the quadrant rule); no entry:
    # not known (rows stored before this was kept).
    given: dict[int, int] = field(default_factory=dict, compare=False)
    # A hand correction of its radii (人工订正): who and when (UTC); None when none.
    edited: tuple[str, datetime] | None = field(default=None, compare=False)
    line: int | None = field(default=None, compare=False)  # where the file has it
    # On the observed track, an advisory's analysis (实况（CMA报文）): its agency and issue
    # time; None for a best-track fix.
    advisory: tuple[str, datetime] | None = field(default=None, compare=False)


def observed_label(fix: Fix) -> str:
    """Where an observed fix comes from: 最佳路径, or 实况（CMA报文） (an advisory's analysis)."""
    return f"实况（{fix.advisory[0]}报文）" if fix.advisory else "最佳路径"


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
    line: int | None = field(default=None, compare=False)  # its header line, or first row


class Bad(ValueError):
    """One value or line that cannot be used: why in English (`reason`, for the CLI, logs
    and the API's `error`) and in zh-CN (`reason_zh`, on pages and in `error_zh`)."""

    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_zh = reason_zh


@dataclass(frozen=True)
class Problem:
    """One problem of a file: its line (None: the file as a whole) and why, in both languages."""

    line: int | None
    reason: str
    reason_zh: str

    def text(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line else self.reason

    def text_zh(self) -> str:
        return f"第{self.line}行：{self.reason_zh}" if self.line else self.reason_zh


def problem(line: int | None, error: Bad) -> Problem:
    return Problem(line or None, error.reason, error.reason_zh)


# A file of garbage has as many problems as lines: the first ones say enough.
MAX_PROBLEMS = 200


class ParseError(ValueError):
    """A file that cannot be imported: `errors` are its problems (the first MAX_PROBLEMS;
    `total` counts them all). Nothing of such a file is loaded."""

    def __init__(self, errors: list[Problem], total: int | None = None) -> None:
        self.errors = errors[:MAX_PROBLEMS]
        self.total = max(total or 0, len(errors))
        super().__init__(self.text())

    def text(self) -> str:
        return summary(self.errors, self.total)

    def text_zh(self) -> str:
        return summary_zh(self.errors, self.total)


def summary(errors: list[Problem], total: int, shown: int = 20) -> str:
    if total == 1 and errors[0].line is None:
        return f"nothing was imported: {errors[0].reason}"
    lines = "; ".join(p.text() for p in errors[:shown])
    more = f" (and {total - shown} more)" if total > shown else ""
    return f"nothing was imported, the file has {total} problem(s): {lines}{more}"


def summary_zh(errors: list[Problem], total: int, shown: int = 20) -> str:
    if total == 1 and errors[0].line is None:
        return f"未导入任何数据：{errors[0].reason_zh}"
    lines = "；".join(p.text_zh() for p in errors[:shown])
    more = f"（另有{total - shown}处）" if total > shown else ""
    return f"文件有{total}处错误，未导入任何数据：{lines}{more}"


class Problems:
    """Problems collected while reading a file, in line order, the first MAX_PROBLEMS kept."""

    def __init__(self) -> None:
        self.found: list[Problem] = []
        self.total = 0

    def add(self, line: int | None, error: Bad) -> None:
        self.total += 1
        if len(self.found) < MAX_PROBLEMS:
            self.found.append(problem(line, error))

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_any(self) -> None:
        if self.total:
            ordered = sorted(self.found, key=lambda p: (p.line is not None, p.line or 0))
            raise ParseError(ordered, self.total)


def shown(value, limit: int = 40, quoted: bool = True) -> str:
    """A value as a message quotes it: text in quotes (unless not `quoted`), anything cut to
    `limit` characters."""
    text = repr(value) if isinstance(value, str) and quoted else str(value).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def storm_id_ok(value: str) -> bool:
    """A storm number fit for storage and URLs: letters, digits and dashes, at most 16."""
    return 0 < len(value) <= 16 and value.isascii() and value.replace("-", "").isalnum()


def check_position(lat: float, lon: float) -> None:
    """Bad unless the position is a latitude and longitude (east up to 360, as JMA writes)."""
    if not -90 <= lat <= 90:
        raise Bad(
            f"latitude {lat} is outside -90 to 90",
            f"纬度 {lat} 超出 -90–90：请检查纬度与经度是否写反、单位是否为度",
        )
    if not -180 <= lon <= 360:
        raise Bad(
            f"longitude {lon} is outside -180 to 360",
            f"经度 {lon} 超出 -180–360：请检查经度是否写错、单位是否为度",
        )


def given_by_axes(radii: Radii | None) -> int | None:
    """How many quadrants of a circle made by quadrants_from_axes the source states: those
    holding the longest radius (1 for a diagonal direction, 2 for a cardinal one), all four
    when the circle is the same everywhere; the others are the quadrant rule's."""
    if radii is None:
        return None
    longest = max(radii)
    return sum(1 for r in radii if r == longest) if min(radii) != longest else 4


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
