"""OneMap's own storm format, CSV or JSON, for observations and forecasts (docs/typhoon.md).

CSV: a header with these columns (any order; radii columns may be left out):
  storm, name_zh, name_en, kind (best | forecast), agency, issued_at, time, lat, lon,
  pressure_hpa, wind_ms, r7_ne, r7_se, r7_sw, r7_nw, r10_ne, ..., r12_nw
Times ISO 8601 with an offset (or Z); radii in km, empty = unavailable, 0 = no such wind.
`issued_at` is required for forecasts (a forecast is identified by agency and issue time).

JSON: {"storm": "2305", "name_zh": "杜苏芮", "name_en": "Doksuri", "kind": "forecast",
  "agency": "CMA", "issued_at": "2023-07-27T00:00:00Z", "points": [{"time": ..., "lat": ...,
  "lon": ..., "pressure_hpa": ..., "wind_ms": ..., "radii": {"7": {"ne": 300, "se": ...,
  "sw": ..., "nw": ...}, "10": {...}}}]} — or a list of such objects.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from modules.typhoon.track import (
    LEVELS,
    QUADRANTS,
    Fix,
    Forecast,
    ParseError,
    StormData,
    check_position,
    grade_from_wind,
)

REQUIRED = ("storm", "kind", "time", "lat", "lon")
KINDS = ("best", "forecast")


def _time(value: str, what: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise ValueError(f"{what} {value!r} 不是 ISO 8601 时间") from error
    if parsed.tzinfo is None:
        raise ValueError(f"{what} {value!r} 缺少时区（如 +08:00 或 Z）")
    return parsed.astimezone(UTC)


def _number(value, what: str, low: float, high: float) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what} {value!r} 不是数字") from error
    if not low <= number <= high:
        raise ValueError(f"{what} {number} 超出 {low}–{high}")
    return number


def _point(values: dict, radii: dict) -> Fix:
    time = _time(values.get("time", ""), "时间")
    lat = _number(values.get("lat"), "纬度", -90, 90)
    lon = _number(values.get("lon"), "经度", -180, 360)
    if lat is None or lon is None:
        raise ValueError("缺少经纬度")
    problem = check_position(lat, lon)
    if problem:
        raise ValueError(problem)
    pressure = _number(values.get("pressure_hpa"), "气压", 850, 1100)
    wind = _number(values.get("wind_ms"), "风速", 0, 120)
    fix = Fix(time, lon, lat, pressure, wind, grade_from_wind(wind))
    for level in LEVELS:
        given = radii.get(level) or {}
        numbers = [
            _number(given.get(q), f"{level}级风圈{q.upper()}半径", 0, 2000) for q in QUADRANTS
        ]
        if all(n is None for n in numbers):
            fix.radii[level] = None
        elif any(n is None for n in numbers):
            raise ValueError(f"{level}级风圈需四个象限的半径都填写或都留空")
        else:
            fix.radii[level] = tuple(numbers)  # type: ignore[assignment]
    return fix


def _assemble(records: list[tuple[int, dict, Fix]], storm: str | None) -> list[StormData]:
    """Group points into storms (by id), their best track and forecasts (agency, issue)."""
    errors: list[tuple[int, str]] = []
    storms: dict[str, StormData] = {}
    forecasts: dict[tuple[str, str, datetime], Forecast] = {}
    for number, values, fix in records:
        sid = str(values["storm"]).strip()
        data = storms.setdefault(sid, StormData(id=sid, source="OneMap 导入"))
        data.name_zh = data.name_zh or str(values.get("name_zh") or "").strip()
        data.name_en = data.name_en or str(values.get("name_en") or "").strip()
        if values["kind"] == "best":
            if data.fixes and fix.time <= data.fixes[-1].time:
                errors.append((number, "最佳路径时间没有递增"))
            data.fixes.append(fix)
        else:
            agency = str(values.get("agency") or "").strip()
            issued_raw = values.get("issued_at")
            if not agency or not issued_raw:
                errors.append((number, "预报点需要 agency（机构）和 issued_at（发布时间）"))
                continue
            issued = _time(issued_raw, "发布时间")
            if fix.time < issued:
                errors.append((number, "预报时间早于发布时间"))
                continue
            key = (sid, agency, issued)
            if key not in forecasts:
                forecasts[key] = Forecast(agency, issued, [])
                data.forecasts.append(forecasts[key])
            points = forecasts[key].points
            if points and fix.time <= points[-1].time:
                errors.append((number, "预报时间没有递增"))
            points.append(fix)
    if errors:
        raise ParseError(errors)
    chosen = [s for s in storms.values() if storm is None or s.id == storm]
    if not chosen:
        raise ParseError([(0, f"文件中没有编号为 {storm} 的台风" if storm else "文件中没有数据")])
    for data in chosen:
        first = data.fixes[0] if data.fixes else data.forecasts[0].points[0]
        data.season = first.time.year
    return chosen


def _check_kind(values: dict) -> None:
    for column in REQUIRED:
        if values.get(column) is None or str(values.get(column)).strip() == "":
            raise ValueError(f"缺少 {column}")
    if values["kind"] not in KINDS:
        raise ValueError(f"kind {values['kind']!r} 应为 best 或 forecast")
    sid = str(values["storm"]).strip()
    if not sid.replace("-", "").isalnum() or len(sid) > 16:
        raise ValueError(f"台风编号 {sid!r} 无效（字母数字，至多16位）")


def parse_csv(text: str, storm: str | None = None) -> list[StormData]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ParseError([(1, f"表头缺少列：{', '.join(missing)}")])
    errors: list[tuple[int, str]] = []
    records = []
    for row in reader:
        number = reader.line_num
        values = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        radii = {lv: {q: values.get(f"r{lv}_{q}") for q in QUADRANTS} for lv in LEVELS}
        try:
            _check_kind(values)
            records.append((number, values, _point(values, radii)))
        except ValueError as error:
            errors.append((number, str(error)))
    if errors:
        raise ParseError(errors)
    return _assemble(records, storm)


def parse_json(text: str, storm: str | None = None) -> list[StormData]:
    try:
        document = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as error:
        raise ParseError([(error.lineno, f"JSON 语法错误：{error.msg}")]) from error
    tracks = document if isinstance(document, list) else [document]
    errors: list[tuple[int, str]] = []
    records = []
    lines = text.lstrip("\ufeff").splitlines()
    cursor = 0

    def line_of(value) -> int:
        """The line a point starts on, found by its time string in reading order."""
        nonlocal cursor
        needle = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else None
        for index in range(cursor, len(lines)):
            if needle and needle in lines[index]:
                cursor = index + 1
                return index + 1
        return 0

    for t_index, track in enumerate(tracks, start=1):
        if not isinstance(track, dict) or not isinstance(track.get("points"), list):
            errors.append((0, f"第{t_index}条路径应为含 points 列表的对象"))
            continue
        head = {k: track.get(k) for k in ("storm", "name_zh", "name_en", "kind", "agency")}
        head["issued_at"] = track.get("issued_at")
        for p_index, point in enumerate(track["points"], start=1):
            if not isinstance(point, dict):
                errors.append((0, f"第{t_index}条路径第{p_index}个点不是对象"))
                continue
            number = line_of(point.get("time"))
            values = {
                **head,
                **{k: v for k, v in point.items() if k != "radii"},
                "time": point.get("time"),
            }
            raw = point.get("radii") or {}
            radii = {lv: raw.get(str(lv)) if isinstance(raw, dict) else None for lv in LEVELS}
            try:
                _check_kind(values)
                if any(r is not None and not isinstance(r, dict) for r in radii.values()):
                    raise ValueError('radii 应为 {"7": {"ne": 半径, ...}}')
                records.append((number, values, _point(values, radii)))
            except ValueError as error:
                errors.append((number, f"第{t_index}条路径第{p_index}个点：{error}"))
    if errors:
        raise ParseError(errors)
    return _assemble(records, storm)
