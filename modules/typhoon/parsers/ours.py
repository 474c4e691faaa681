"""OneMap's own storm format, CSV or JSON, for observations and forecasts (docs/typhoon.md).

CSV: a header with these columns (any order; radii columns may be left out):
  storm, name_zh, name_en, kind (best | forecast), agency, issued_at, time, lat, lon,
  pressure_hpa, wind_ms, r7_ne, r7_se, r7_sw, r7_nw, r10_ne, ..., r12_nw
Times ISO 8601 with an offset (or Z); radii in km, empty = unavailable, 0 = no such wind.
`issued_at` is required for forecasts (a forecast is identified by agency and issue time).

JSON: {"storm": "2305", "name_zh": "杜苏芮", "name_en": "Doksuri", "kind": "forecast",
  "agency": "CMA", "issued_at": "2023-07-27T00:00:00Z", "points": [{"time": ..., "lat": ...,
  "lon": ..., "pressure_hpa": ..., "wind_ms": ..., "radii": {"7": {"ne": 300, "se": ...,
  "sw": ..., "nw": ...}, "10": {...}}}]} — or a list of such objects. Its structure is
checked before any value is used: a wrong type anywhere is a problem named by track and
point, never an exception.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from modules.sdk import Unreadable, load_json
from modules.typhoon.parsers.common import PRESSURE, WIND, csv_syntax
from modules.typhoon.track import (
    LEVELS,
    QUADRANTS,
    Bad,
    Fix,
    Forecast,
    ParseError,
    Problem,
    Problems,
    StormData,
    check_position,
    grade_from_wind,
    problem,
    shown,
)

REQUIRED = ("storm", "kind", "time", "lat", "lon")
KINDS = ("best", "forecast")
FIELDS_ZH = {
    "storm": "台风编号",
    "name_zh": "中文名",
    "name_en": "英文名",
    "kind": "类型",
    "agency": "机构",
    "issued_at": "发布时间",
    "time": "时间",
    "lat": "纬度",
    "lon": "经度",
    "pressure_hpa": "气压",
    "wind_ms": "风速",
}
TEXT_LIMITS = {"storm": 16, "name_zh": 50, "name_en": 50, "agency": 32}
RADIUS_MAX = 2000  # km: no gale reaches further from a storm's centre
LOOKAHEAD = 200  # lines searched for a JSON point's time

# An advisory's first point is its analysis, a few hours before the issue (WTPQ20 BABJ:
# analysis at 00 UTC, issued about 03 UTC).
ANALYSIS_BEFORE_ISSUE = timedelta(days=1)


@dataclass
class Record:
    """One point as read, with where it was (a CSV line; a JSON track and point)."""

    line: int | None
    where: str  # "" for CSV; "track 1, point 2" for JSON
    where_zh: str
    values: dict
    fix: Fix


def _at(line: int | None, where: str, where_zh: str, error: Bad) -> tuple[int | None, Bad]:
    if not where:
        return line, error
    return line, Bad(f"{where}: {error.reason}", f"{where_zh}：{error.reason_zh}")


def _time(value, field: str) -> datetime:
    name_zh = FIELDS_ZH[field]
    if not isinstance(value, str) or not value.strip():
        raise Bad(
            f"{field} should be an ISO 8601 time such as 2026-07-01T06:00:00Z",
            f"{name_zh}应为 ISO 8601 时间，如 2026-07-01T06:00:00Z",
        )
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Bad(
            f"{field} {shown(value)} is not an ISO 8601 time (e.g. 2026-07-01T06:00:00Z)",
            f"{name_zh} {shown(value)} 不是 ISO 8601 时间（如 2026-07-01T06:00:00Z）",
        ) from None
    if parsed.tzinfo is None:
        raise Bad(
            f"{field} {shown(value)} has no time zone (add Z or +08:00)",
            f"{name_zh} {shown(value)} 缺少时区（请加 Z 或 +08:00）",
        )
    return parsed.astimezone(UTC)


def _number(value, field: str, field_zh: str, low: float, high: float) -> float | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Bad(f"{field} should be a number", f"{field_zh}应为数字")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise Bad(
            f"{field} {shown(value)} is not a number", f"{field_zh} {shown(value)} 不是数字"
        ) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise Bad(
            f"{field} {shown(value, quoted=False)} is outside {low:g} to {high:g}",
            f"{field_zh} {shown(value, quoted=False)} 超出 {low:g}–{high:g}",
        )
    return number


def _text(values: dict, field: str) -> str:
    value = values.get(field)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Bad(f"{field} should be text", f"{FIELDS_ZH[field]}应为文字")
    text = str(value).strip()
    limit = TEXT_LIMITS.get(field)
    if limit and len(text) > limit:
        raise Bad(
            f"{field} is longer than {limit} characters",
            f"{FIELDS_ZH[field]}超过{limit}个字符",
        )
    return text


def _radii(given, level: int):
    if given is None:
        return None
    if not isinstance(given, dict):
        raise Bad(
            f'level-{level} radii should be {{"ne": km, "se": km, "sw": km, "nw": km}}',
            f'{level}级风圈应写为 {{"ne": 公里, "se": 公里, "sw": 公里, "nw": 公里}}',
        )
    numbers = [
        _number(given.get(q), f"r{level}_{q}", f"{level}级风圈{q.upper()}半径", 0, RADIUS_MAX)
        for q in QUADRANTS
    ]
    if all(n is None for n in numbers):
        return None
    if any(n is None for n in numbers):
        raise Bad(
            f"level-{level} radii need all four quadrants (ne, se, sw, nw) or none",
            f"{level}级风圈需四个象限（NE、SE、SW、NW）的半径都填写或都留空",
        )
    return tuple(numbers)


def _point(values: dict, radii: dict, line: int | None) -> Fix:
    time = _time(values.get("time"), "time")
    lat = _number(values.get("lat"), "lat", "纬度", -90, 90)
    lon = _number(values.get("lon"), "lon", "经度", -180, 360)
    if lat is None or lon is None:
        raise Bad("lat and lon are both needed", "纬度和经度都必须填写")
    check_position(lat, lon)
    pressure = _number(values.get("pressure_hpa"), "pressure_hpa", "气压", *PRESSURE)
    wind = _number(values.get("wind_ms"), "wind_ms", "风速", *WIND)
    fix = Fix(time, lon, lat, pressure, wind, grade_from_wind(wind), line=line)
    for level in LEVELS:
        fix.radii[level] = _radii(radii.get(level), level)
    # OneMap's own formats state a radius per quadrant.
    fix.given = {lv: 4 for lv, r in fix.radii.items() if r is not None}
    return fix


def _head(values: dict) -> tuple[str, str]:
    """The storm id and the kind of a point, checked."""
    for field in REQUIRED:
        value = values.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise Bad(f"{field} is missing", f"缺少{FIELDS_ZH[field]}（{field}）")
    sid = _text(values, "storm")
    if not sid.replace("-", "").isalnum() or not sid.isascii():
        raise Bad(
            f"storm {sid!r} should be letters and digits, at most 16 (e.g. 2305)",
            f"台风编号 {sid!r} 无效（字母数字，至多16位，如 2305）",
        )
    kind = values.get("kind")
    kind = kind.strip().lower() if isinstance(kind, str) else kind
    if kind not in KINDS:
        raise Bad(
            f"kind {values.get('kind')!r} should be best or forecast",
            f"类型 {values.get('kind')!r} 应为 best（观测）或 forecast（预报）",
        )
    for field in ("name_zh", "name_en", "agency"):
        _text(values, field)
    return sid, kind


def _assemble(records: list[Record], storm: str | None, problems: Problems) -> list[StormData]:
    """Group points into storms (by id), their best track and forecasts (agency, issue)."""
    storms: dict[str, StormData] = {}
    forecasts: dict[tuple[str, str, datetime], Forecast] = {}
    for record in records:
        values, fix = record.values, record.fix

        def bad(error: Bad, record=record) -> None:
            problems.add(*_at(record.line, record.where, record.where_zh, error))

        sid = _text(values, "storm")
        data = storms.setdefault(sid, StormData(id=sid, source="OneMap 导入", line=record.line))
        data.name_zh = data.name_zh or _text(values, "name_zh")
        data.name_en = data.name_en or _text(values, "name_en")
        if values["kind"] == "best":
            if data.fixes and fix.time <= data.fixes[-1].time:
                bad(
                    Bad(
                        f"the time is not after the previous best-track point of storm {sid}",
                        f"时间没有递增（不晚于台风 {sid} 的上一个最佳路径点）：请按时间排列，"
                        "同一台风不要重复",
                    )
                )
                continue
            data.fixes.append(fix)
            continue
        agency = _text(values, "agency")
        if not agency or values.get("issued_at") in (None, ""):
            bad(
                Bad(
                    "a forecast point needs agency and issued_at",
                    "预报点需要机构（agency）和发布时间（issued_at）",
                )
            )
            continue
        try:
            issued = _time(values.get("issued_at"), "issued_at")
        except Bad as error:
            bad(error)
            continue
        if fix.time < issued - ANALYSIS_BEFORE_ISSUE:
            bad(
                Bad(
                    "a forecast point's time is more than a day before its issued_at (only "
                    "the analysis a forecast starts from comes before its issue)",
                    "预报时间比发布时间早一天以上（只有预报起始的实况分析可早于发布时间）",
                )
            )
            continue
        key = (sid, agency, issued)
        if key not in forecasts:
            forecasts[key] = Forecast(agency, issued, [])
            data.forecasts.append(forecasts[key])
        points = forecasts[key].points
        if points and fix.time <= points[-1].time:
            bad(
                Bad(
                    "the time is not after the previous point of the same forecast",
                    "预报时间没有递增（不晚于同一预报的上一个点）",
                )
            )
            continue
        points.append(fix)
    chosen = [s for s in storms.values() if storm is None or s.id == storm]
    if not problems and not chosen:
        problems.add(
            None,
            Bad(f"the file holds no storm numbered {storm}", f"文件中没有编号为 {storm} 的台风")
            if storm
            else Bad("the file holds no points", "文件中没有任何数据点"),
        )
    problems.raise_any()
    for data in chosen:
        first = data.fixes[0] if data.fixes else data.forecasts[0].points[0]
        data.season = first.time.year
    return chosen


# --- CSV -----------------------------------------------------------------------------------


def parse_csv(text: str, storm: str | None = None) -> list[StormData]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        fields = [f.strip() for f in reader.fieldnames or [] if f]
    except csv.Error as error:
        raise ParseError([problem(1, csv_syntax(error))]) from None
    missing = [c for c in REQUIRED if c not in fields]
    if missing:
        raise ParseError(
            [
                Problem(
                    1,
                    f"the header lacks columns: {', '.join(missing)} (is this OneMap's CSV?)",
                    f"表头缺少列：{', '.join(missing)}（请用 OneMap 台风 CSV 的表头，见说明）",
                )
            ]
        )
    problems = Problems()
    records: list[Record] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.add(reader.line_num + 1, csv_syntax(error))  # the row it began
            break
        number = reader.line_num
        values = {k.strip(): (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        if not any(values.values()):
            continue
        radii = {lv: {q: values.get(f"r{lv}_{q}") for q in QUADRANTS} for lv in LEVELS}
        try:
            _, values["kind"] = _head(values)
            records.append(Record(number, "", "", values, _point(values, radii, number)))
        except Bad as error:
            problems.add(number, error)
    if not records and not problems:
        raise ParseError(
            [Problem(None, "the file has a header but no rows", "文件只有表头，没有数据行")]
        )
    return _assemble(records, storm, problems)


# --- JSON ----------------------------------------------------------------------------------


def _tracks(document) -> list:
    if isinstance(document, dict) and document.get("type") in ("FeatureCollection", "Feature"):
        raise ParseError(
            [
                Problem(
                    None,
                    "this is GeoJSON, not OneMap's typhoon JSON (an object with storm, kind "
                    "and a list of points)",
                    "这是 GeoJSON，不是 OneMap 台风 JSON"
                    "（应为含 storm、kind 和 points 列表的对象）",
                )
            ]
        )
    tracks = document if isinstance(document, list) else [document]
    if not tracks or not all(isinstance(t, dict) for t in tracks):
        raise ParseError(
            [
                Problem(
                    None,
                    "the JSON should be a track object (storm, kind, points) or a list of them",
                    "JSON 应为一条路径对象（含 storm、kind、points）或这样的对象列表",
                )
            ]
        )
    return tracks


def parse_json(text: str, storm: str | None = None) -> list[StormData]:
    try:
        document = load_json(text.lstrip("\ufeff"), "typhoon JSON")
    except Unreadable as error:
        raise ParseError([Problem(None, error.reason, error.reason_zh)]) from None
    tracks = _tracks(document)
    lines = text.lstrip("\ufeff").splitlines()
    cursor = 0

    def line_of(value) -> int | None:
        """The line a point's time is on, searched in reading order (None if not found)."""
        nonlocal cursor
        if not isinstance(value, str):
            return None
        needle = json.dumps(value, ensure_ascii=False)
        # A point spans a few lines: look a little ahead only, so that times written in
        # another way (escaped) cost no scan of the whole file per point.
        for index in range(cursor, min(cursor + LOOKAHEAD, len(lines))):
            if needle in lines[index]:
                cursor = index + 1
                return index + 1
        return None

    problems = Problems()
    records: list[Record] = []
    seen: dict[tuple, int] = {}
    for t_index, track in enumerate(tracks, start=1):
        where, where_zh = f"track {t_index}", f"第{t_index}条路径"
        points = track.get("points")
        if not isinstance(points, list) or not points:
            problems.add(
                *_at(
                    None,
                    where,
                    where_zh,
                    Bad("points should be a non-empty list", "points 应为非空的点列表"),
                )
            )
            continue
        head = {k: track.get(k) for k in ("storm", "name_zh", "name_en", "kind", "agency")}
        head["issued_at"] = track.get("issued_at")
        identity = (
            str(head["storm"]),
            str(head["kind"]),
            str(head["agency"]),
            str(head["issued_at"]),
        )
        if identity in seen:
            problems.add(
                *_at(
                    None,
                    where,
                    where_zh,
                    Bad(
                        f"the same storm and kind as track {seen[identity]}: a file holds each "
                        "track once",
                        f"与第{seen[identity]}条路径是同一台风的同一类数据：每条路径只能出现一次",
                    ),
                )
            )
            continue
        seen[identity] = t_index
        for p_index, point in enumerate(points, start=1):
            p_where = f"{where}, point {p_index}"
            p_where_zh = f"{where_zh}第{p_index}个点"
            if not isinstance(point, dict):
                problems.add(
                    *_at(
                        None, p_where, p_where_zh, Bad("a point should be an object", "点应为对象")
                    )
                )
                continue
            number = line_of(point.get("time"))
            raw = point.get("radii")
            try:
                if raw is not None and not isinstance(raw, dict):
                    raise Bad(
                        'radii should be an object such as {"7": {"ne": 300, ...}}',
                        'radii 应为对象，如 {"7": {"ne": 300, ...}}',
                    )
                unknown = sorted(set(raw or {}) - {str(lv) for lv in LEVELS})
                if unknown:
                    raise Bad(
                        f"radii keys {', '.join(unknown)} are not levels 7, 10 or 12",
                        f"radii 的键 {', '.join(unknown)} 不是风圈等级 7、10、12",
                    )
                values = {**head, **{k: v for k, v in point.items() if k != "radii"}}
                values["kind"] = _head(values)[1]
                radii = {lv: (raw or {}).get(str(lv)) for lv in LEVELS}
                records.append(
                    Record(number, p_where, p_where_zh, values, _point(values, radii, number))
                )
            except Bad as error:
                problems.add(*_at(number, p_where, p_where_zh, error))
    return _assemble(records, storm, problems)
