"""CMA tropical cyclone advisories as sent on the GTS: the `WTPQ20 BABJ` text bulletin.

One bulletin (a file may hold several, each between `ZCZC` and `NNNN`):

    ZCZC
    WTPQ20 BABJ 280300
    SUBJECTIVE FORECAST
    TY DUJUAN 1521 (1521) INITIAL TIME 280000 UTC
    00HR 23.2N 123.8E 935HPA 52M/S
    30KTS WINDS 350KM NORTHEAST
                330KM SOUTHEAST
                300KM SOUTHWEST
                320KM NORTHWEST
    50KTS WINDS 120KM NORTHEAST
    ...
    64KTS WINDS 60KM NORTHEAST
    ...
    MOVE WNW 18KM/H
    P+12HR 24.0N 121.9E 940HPA 50M/S
    P+24HR 24.8N 119.9E 975HPA 33M/S
    ...
    P+120HR 30.2N 114.0E 1000HPA 15M/S=
    NNNN

The header's DDHHMM is the issue time, INITIAL TIME the analysis time (UTC); the bulletin names
neither month nor year, so they are those of the import: the latest such time not after now
(plus the 6 hours a clock may be off). 30/50/64 KTS radii per quadrant (km) are read as the
level 7/10/12 circles; CMA usually sends them for the analysis (00HR) only, and a forecast step
without them has those circles unavailable (nothing is carried over or invented). The storm's
id is its China number (e.g. 1521); a depression not yet numbered needs `--storm`.

Each bulletin becomes a forecast of agency CMA issued at its issue time, whose first point is
the analysis: a newer bulletin is the forecast in force, the older stay stored for the record.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from modules.typhoon.parsers.common import pressure_of, wind_of
from modules.typhoon.track import (
    Bad,
    Fix,
    Forecast,
    ParseError,
    Problem,
    Problems,
    StormData,
    check_position,
    grade_from_wind,
    shown,
)

SOURCE = "Tropical cyclone advisories: China Meteorological Administration (WTPQ20 BABJ, GTS)"
AGENCY = "CMA"
SLACK = timedelta(hours=6)  # a bulletin's time may be this much ahead of our clock
MAX_LEAD = 120  # hours: CMA's advisories reach 5 days
# The radii of 30, 50 and 64 kt winds, read as the Chinese levels 7, 10 and 12 (GB/T 28591:
# 30 kt = 15.4 m/s in 13.9-17.1, 50 kt = 25.7 m/s in 24.5-28.4, 64 kt = 32.9 m/s in 32.7-36.9).
LEVEL_OF_KNOTS = {"30": 7, "50": 10, "64": 12}
QUADRANT_NAMES = {"NORTHEAST": 0, "SOUTHEAST": 1, "SOUTHWEST": 2, "NORTHWEST": 3}
QUADRANT_ZH = ("东北", "东南", "西南", "西北")
# The bulletin's category of the analysis, as the CMA grade code.
CATEGORIES = {"TD": "1", "TS": "2", "STS": "3", "TY": "4", "STY": "5", "SUPERTY": "6"}

HEADER = re.compile(r"^WTPQ2\d\s+BABJ\s+(\d{6})(?:\s+[A-Z]{3})?$")
OTHER_HEADER = re.compile(r"^WT[A-Z]{2}\d{2}\s+[A-Z]{4}\b")
STORM = re.compile(
    r"^(TD|TS|STS|TY|STY|SUPERTY)\s+(?:([A-Z][A-Z-]*)\s+)?(\d{2}|\d{4})(?:\s+\((\d{4})\))?"
    r"\s+INITIAL\s+TIME\s+(\d{6})\s+UTC$"
)
POSITION = re.compile(
    r"^(?:00HR|P\+(\d{1,3})HR)\s+(\d{1,2}(?:\.\d)?)([NS])\s+(\d{1,3}(?:\.\d)?)([EW])"
    r"\s+(\d{3,4})HPA\s+(\d{1,3})M/S$"
)
RADIUS_FIRST = re.compile(r"^(30|50|64)KTS\s+WINDS\s+(\d{1,4})KM(?:\s+([A-Z]+))?$")
RADIUS_MORE = re.compile(r"^(\d{1,4})KM\s+([A-Z]+)$")
MOVE = re.compile(r"^MOVE\s+([NSEW]{1,3}|STATIONARY|SLOWLY|ERRATIC|QUASI-STATIONARY)\b.*$")
FORMAT_ZH = "WTPQ20 BABJ 报文"


def looks_like(text: str) -> bool:
    return any(HEADER.match(line.strip()) for line in text.splitlines()[:5])


def _resolve(stamp: str, latest: datetime) -> datetime:
    """The latest UTC time not after `latest` whose day, hour and minute are DDHHMM."""
    day, hour, minute = int(stamp[:2]), int(stamp[2:4]), int(stamp[4:])
    if not (1 <= day <= 31 and hour <= 23 and minute <= 59):
        raise Bad(
            f"{stamp} is not a day, hour and minute (DDHHMM)",
            f"{stamp} 不是有效的 日时分（DDHHMM）",
        )
    year, month = latest.year, latest.month
    for _ in range(13):
        try:
            found = datetime(year, month, day, hour, minute, tzinfo=UTC)
        except ValueError:  # no such day in this month
            found = None
        if found is not None and found <= latest:
            return found
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    raise Bad(f"{stamp} is not a date", f"{stamp} 不是有效日期")


class Bulletin:
    """One bulletin being read: its lines' values and the problems found on them."""

    def __init__(self, line: int, issued: datetime | None) -> None:
        self.line = line
        self.issued = issued
        self.storm: str | None = None
        self.name = ""
        self.grade = "0"
        self.initial: datetime | None = None
        self.points: list[Fix] = []
        self.leads: list[int] = []
        self.radii: dict | None = None  # the radius group being read: level, quadrants, line
        self.ended = False  # the `=` that closes a bulletin was seen
        self.seen_storm = False
        self.seen_analysis = False  # a 00HR line, good or bad
        self.position_ok = False  # the last position line was read (its radii go to it)
        self.position_seen = False


def parse(text: str, storm: str | None = None, now: datetime | None = None) -> list[StormData]:
    """The advisories in `text` (only `storm`'s when given), one forecast per bulletin, by
    storm; ParseError lists every bad line and nothing is returned when any is bad."""
    latest = (now or datetime.now(UTC)) + SLACK
    problems = Problems()
    bulletins: list[Bulletin] = []
    current: Bulletin | None = None

    def close_radii() -> None:
        if current is None or current.radii is None:
            return
        group = current.radii
        current.radii = None
        missing = [QUADRANT_ZH[i] for i in range(4) if group["values"][i] is None]
        if missing:
            problems.add(
                group["line"],
                Bad(
                    f"the {group['knots']}KTS radii need all four quadrants (NORTHEAST, "
                    f"SOUTHEAST, SOUTHWEST, NORTHWEST); {len(missing)} missing",
                    f"{group['knots']}KTS（{group['level']}级）风圈应有东北、东南、西南、西北"
                    f"四个象限的半径，缺少{'、'.join(missing)}象限",
                ),
            )
            return
        if not current.position_ok:
            return  # the position line above is refused: its radii are checked, not used
        point = current.points[-1]
        radii = tuple(float(v) for v in group["values"])
        point.radii[group["level"]] = radii
        inner = {10: 7, 12: 10}.get(group["level"])
        outer = point.radii.get(inner) if inner else None
        if outer is not None and any(r > o for r, o in zip(radii, outer, strict=True)):
            problems.add(
                group["line"],
                Bad(
                    f"the {group['knots']}KTS radii are longer than the level-{inner} radii "
                    "in some quadrant: a stronger wind's circle lies inside a weaker one's",
                    f"{group['level']}级风圈半径在某象限大于{inner}级风圈：强风圈应在弱风圈之内，"
                    "请检查数字",
                ),
            )

    def close(number: int) -> None:
        nonlocal current
        if current is None:
            return
        close_radii()
        if not current.seen_storm:
            problems.add(
                current.line,
                Bad(
                    "the bulletin has no storm line (category, name, number, INITIAL TIME)",
                    "报文缺少台风行（等级 名称 编号 INITIAL TIME 时间）",
                ),
            )
        elif not current.seen_analysis:
            problems.add(
                current.line,
                Bad(
                    "the bulletin has no 00HR analysis line",
                    "报文缺少 00HR 实况行（位置、气压、风速）",
                ),
            )
        if not current.ended:
            problems.add(
                current.line,
                Bad(
                    "the bulletin does not end with '=': it may be cut short",
                    "报文没有以“=”结束：报文可能不完整",
                ),
            )
        bulletins.append(current)
        current = None

    def bad(number: int, reason: str, reason_zh: str) -> None:
        problems.add(number, Bad(reason, reason_zh))

    started = skipping = False
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = " ".join(raw.split()).upper()
        if not line or line == "ZCZC":
            continue
        if line == "NNNN":
            close(number)
            skipping = False
            continue
        header = HEADER.match(line)
        if header:
            close(number)
            skipping = False
            started = True
            try:
                issued = _resolve(header.group(1), latest)
            except Bad as error:
                problems.add(number, error)
                issued = None
            current = Bulletin(number, issued)
            continue
        if OTHER_HEADER.match(line):  # another centre's or product's bulletin: skipped
            close(number)
            started = skipping = True
            heading = " ".join(line.split()[:2])
            bad(
                number,
                f"{heading} is not a CMA advisory (WTPQ20 BABJ): choose the format the file "
                "is in, or take this bulletin out",
                f"{heading} 不是中国气象局台风预报报文（WTPQ20 BABJ）：请选择与文件相符的格式，"
                "或删去这份报文",
            )
            continue
        if current is None:
            if skipping:
                continue
            if not started:
                raise ParseError(
                    [
                        Problem(
                            None,
                            "the file does not start with a WTPQ20 BABJ header line: it is not "
                            "a CMA advisory (choose the format the file is in)",
                            "文件不是以 WTPQ20 BABJ 报头开始，不是中国气象局台风预报报文："
                            "请选择与文件相符的格式",
                        )
                    ]
                )
            bad(
                number,
                "a line outside any bulletin",
                "此行不在任何报文之内（报头之前或 NNNN 之后）",
            )
            continue
        if current.ended:
            bad(number, "a line after the bulletin's closing '='", "报文已以“=”结束，此行多余")
            continue
        if line.endswith("="):
            current.ended = True
            line = line[:-1].rstrip()
        if line == "SUBJECTIVE FORECAST":
            continue
        more = RADIUS_MORE.match(line)
        if more and current.radii is not None:
            _quadrant(current.radii, more.group(2), more.group(1), number, problems)
            continue
        close_radii()
        found = STORM.match(line)
        if found:
            _storm_line(current, found, number, problems, storm)
            continue
        found = POSITION.match(line)
        if found:
            _position(current, found, number, problems)
            continue
        found = RADIUS_FIRST.match(line)
        if found:
            if not current.position_seen:
                bad(number, "wind radii before any position line", "风圈半径之前没有位置行")
                continue
            knots = found.group(1)
            current.radii = {
                "knots": knots,
                "level": LEVEL_OF_KNOTS[knots],
                "values": [None] * 4,
                "line": number,
            }
            if found.group(3) is None:  # one radius for the whole circle
                current.radii["values"] = [int(found.group(2))] * 4
            else:
                _quadrant(current.radii, found.group(3), found.group(2), number, problems)
            continue
        if MOVE.match(line):
            continue
        bad(
            number,
            f"{shown(raw.strip())} is not a line of a WTPQ20 BABJ bulletin",
            f"{shown(raw.strip())} 不是 {FORMAT_ZH}的内容（应为报头、台风行、00HR/P+nnHR "
            "位置行、风圈行或 MOVE 行）",
        )
    close(0)
    if not started:
        raise ParseError([Problem(None, "the file holds no bulletin", "文件中没有报文")])
    if storm is not None and not any(b.storm == storm for b in bulletins):
        problems.add(
            None,
            Bad(
                f"the file holds no advisory for storm {storm}",
                f"文件中没有编号为 {storm} 的台风的报文：请检查台风编号",
            ),
        )
    problems.raise_any()
    return _storms(bulletins, storm, problems)


def _quadrant(group: dict, name: str, value: str, number: int, problems: Problems) -> None:
    index = QUADRANT_NAMES.get(name)
    if index is None:
        problems.add(
            number,
            Bad(
                f"{shown(name)} is not a quadrant (NORTHEAST, SOUTHEAST, SOUTHWEST, NORTHWEST)",
                f"{shown(name)} 不是象限（应为 NORTHEAST、SOUTHEAST、SOUTHWEST、NORTHWEST）",
            ),
        )
        return
    if group["values"][index] is not None:
        problems.add(
            number,
            Bad(
                f"the {name} radius of {group['knots']}KTS is given twice",
                f"{group['knots']}KTS 风圈的{QUADRANT_ZH[index]}象限半径出现两次",
            ),
        )
        return
    radius = int(value)
    if radius > 2000:
        problems.add(
            number,
            Bad(
                f"a radius of {radius} km is beyond any storm's (at most 2000 km)",
                f"风圈半径 {radius} 公里不合理（应不超过2000公里）",
            ),
        )
        return
    group["values"][index] = radius


def _storm_line(
    current: Bulletin, found: re.Match, number: int, problems: Problems, wanted: str | None
) -> None:
    category, name, number_text, _international, stamp = found.groups()
    current.seen_storm = True
    current.grade = CATEGORIES[category]
    current.name = (name or "").title()
    if len(number_text) == 4:
        current.storm = number_text
    elif wanted is not None:
        current.storm = wanted  # a depression not yet numbered: the importer names it
    else:
        problems.add(
            number,
            Bad(
                f"the depression has no China number yet ({number_text}): give the storm "
                "number to import it under",
                f"热带低压尚未编号（{number_text}）：请在导入时填写台风编号",
            ),
        )
    if current.issued is None:
        return
    try:
        current.initial = _resolve(stamp, current.issued)
    except Bad as error:
        problems.add(number, error)
        return
    if current.issued - current.initial > timedelta(days=1):
        problems.add(
            number,
            Bad(
                f"INITIAL TIME {stamp} is more than a day before the bulletin's time",
                f"起报时间 {stamp} 比报头时间早一天以上：请检查时间",
            ),
        )


def _position(current: Bulletin, found: re.Match, number: int, problems: Problems) -> None:
    lead_text, lat, ns, lon, ew, pressure, wind = found.groups()
    lead = int(lead_text) if lead_text is not None else 0
    current.position_seen, current.position_ok = True, False
    current.seen_analysis = current.seen_analysis or lead_text is None
    if current.initial is None:
        if not current.seen_storm:
            problems.add(
                number,
                Bad("a position before the storm line", "位置行之前没有台风行"),
            )
        return
    if lead_text is not None and (lead == 0 or lead > MAX_LEAD or lead % 6):
        problems.add(
            number,
            Bad(
                f"P+{lead}HR is not a forecast step (6 to {MAX_LEAD} hours, every 6)",
                f"P+{lead}HR 不是预报时效（应为6–{MAX_LEAD}小时，6的倍数）",
            ),
        )
        return
    if current.leads and lead <= current.leads[-1]:
        problems.add(
            number,
            Bad(
                f"P+{lead}HR does not come after P+{current.leads[-1]}HR: steps go in order",
                f"P+{lead}HR 不在 P+{current.leads[-1]}HR 之后：预报时效应递增",
            ),
        )
        return
    if lead_text is None and current.leads:
        problems.add(number, Bad("a second 00HR line", "00HR 实况行出现两次"))
        return
    try:
        lat_v = float(lat) * (1 if ns == "N" else -1)
        lon_v = float(lon) * (1 if ew == "E" else -1)
        check_position(lat_v, lon_v)
        pressure_v = pressure_of(int(pressure))
        wind_v = wind_of(int(wind))
    except Bad as error:
        problems.add(number, error)
        return
    grade = current.grade if lead == 0 else grade_from_wind(wind_v)
    time = current.initial + timedelta(hours=lead)
    current.points.append(
        Fix(time, lon_v, lat_v, pressure_v, wind_v or None, grade, line=number, given={})
    )
    current.leads.append(lead)
    current.position_ok = True


def _storms(bulletins: list[Bulletin], wanted: str | None, problems: Problems) -> list[StormData]:
    by_storm: dict[str, StormData] = {}
    seen: dict[tuple[str, datetime], int] = {}
    for bulletin in bulletins:
        if bulletin.storm is None or (wanted is not None and bulletin.storm != wanted):
            continue
        key = (bulletin.storm, bulletin.issued)
        if key in seen:
            problems.add(
                bulletin.line,
                Bad(
                    f"the bulletin of storm {bulletin.storm} issued {bulletin.issued:%d%H%M} "
                    f"appears twice (lines {seen[key]} and {bulletin.line})",
                    f"台风 {bulletin.storm} 同一时间的报文出现两次（第{seen[key]}行和第"
                    f"{bulletin.line}行）：请删去重复的一份",
                ),
            )
            continue
        seen[key] = bulletin.line
        for point in bulletin.points:  # every level a bulletin gives, it gives per quadrant
            point.given = {lv: 4 for lv, r in point.radii.items() if r is not None}
        data = by_storm.setdefault(
            bulletin.storm,
            StormData(
                id=bulletin.storm,
                name_en=bulletin.name,
                season=bulletin.initial.year,
                source=SOURCE,
                line=bulletin.line,
            ),
        )
        data.name_en = bulletin.name or data.name_en
        data.forecasts.append(Forecast(AGENCY, bulletin.issued, bulletin.points))
    problems.raise_any()
    return list(by_storm.values())
