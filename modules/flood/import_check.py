"""Checking the rows of a key-point file: each value against its rule, each point against the
city, the importer's scope and the file's other rows. Nothing here writes.

A row carries only the fields its file has a column for (GeoJSON: a property), so a missing
column leaves a stored point's field as it is. A masked phone (138****5678, as an export shows
it to a viewer who may not see whole numbers) means "keep the stored phone".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy.orm import Session

from modules.flood.points import CATEGORIES, RISK_LABELS
from modules.sdk import (
    CRS_NAMES,
    Columns,
    RowError,
    Table,
    Viewer,
    VillageIndex,
    assign_villages,
    to_wgs84_arrays,
)

FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("名称", "name", "部位名称", "重点部位", "point_name"),
    "category": ("类别", "category", "类型", "分类", "type", "kind"),
    "risk_level": ("风险等级", "risk_level", "risk", "risk level", "level", "风险级别"),
    "responsible_name": (
        "责任人",
        "responsible_name",
        "responsible",
        "person",
        "contact",
        "contact_name",
        "负责人",
        "联系人",
        "责任人姓名",
    ),
    "responsible_phone": (
        "联系电话",
        "responsible_phone",
        "phone",
        "电话",
        "mobile",
        "tel",
        "telephone",
        "contact_phone",
        "手机",
        "手机号",
        "联系方式",
    ),
    "patrol_every_days": (
        "巡查周期（天）",
        "巡查周期(天)",
        "巡查周期",
        "patrol_every_days",
        "patrol_days",
        "patrol_period",
        "巡查间隔",
    ),
    "lon": ("经度", "lon", "lng", "longitude", "x"),
    "lat": ("纬度", "lat", "latitude", "y"),
}
# What our own exports carry besides the fields above (CSV/XLSX headers, GeoJSON
# properties): known, so read quietly and never stored (the village is found from the point;
# live risk and patrol status are computed).
EXPORT_ONLY: dict[str, tuple[str, ...]] = {
    "_id": ("编号", "id"),
    "_village_code": ("村居代码", "village_code"),
    "_risk_level_label": ("风险等级名称", "risk_level_label"),
    "_patrol_status": ("巡查状态", "patrol_status"),
    "_patrol_overdue": ("巡查超期", "patrol_overdue"),
    "_live_risk_level": ("实时风险", "live_risk_level"),
    "_live_risk_level_label": ("实时风险等级", "live_risk_level_label"),
    "_live_risk_reason": ("实时风险原因", "live_risk_reason"),
}
REQUIRED = ("name", "category", "risk_level")
# A table needs its coordinate columns too; a GeoJSON feature carries them as its geometry.
COLUMNS = Columns({**FIELDS, **EXPORT_ONLY}, required=(*REQUIRED, "lon", "lat"))
# Stored lengths (models.FloodKeyPoint): longer text is refused, never cut.
MAX_LENGTHS = {"name": 200, "responsible_name": 50}
PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}")
MASKED_PHONE = re.compile(r"[0-9-]{0,4}\*{2,}[0-9-]{0,4}")
RISK_KEYS = {
    **{label: key for key, label in RISK_LABELS.items()},
    **{f"{label}色": key for key, label in RISK_LABELS.items()},
    **{k: k for k in RISK_LABELS},
}
COUNTRY_CODE = re.compile(r"^(?:\+|00)86-?")
DEFAULT_PATROL_DAYS = 7
# Projected systems a Putian file is likely to be in (for the hint on a point that misses).
LIKELY_PROJECTED = ("EPSG:4549", "EPSG:4527", "EPSG:32650", "EPSG:3857")
CRS_LABELS = {"wgs84": "WGS84", "gcj02": "GCJ-02", "bd09": "BD-09"}


@dataclass
class CheckedRow:
    """A row that passed: the values to store (only fields the file has), and where."""

    number: int
    values: dict
    masked_phone: bool = False
    x: float = math.nan
    y: float = math.nan
    village: str | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        return self.values["name"], self.village


@dataclass
class Checked:
    """Every row's verdict: the rows that passed, and the problems of those that did not."""

    rows: list[CheckedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def text_of(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _shown(text: str) -> str:
    """A cell's value quoted in a message, cut short."""
    return text if len(text) <= 20 else text[:20] + "…"


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(text_of(value))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def check_row(number: int, row: dict) -> tuple[CheckedRow | None, list[RowError]]:
    """One row's values against their rules; the row keeps only the fields it has."""
    errors: list[RowError] = []

    def refuse(name: str, reason: str, reason_zh: str) -> None:
        errors.append(COLUMNS.error(number, name, reason, reason_zh))

    values: dict = {}
    masked = False
    for name, limit in MAX_LENGTHS.items():
        if name not in row:
            continue
        raw = row.get(name)
        text = text_of(raw)
        if isinstance(raw, str) and ("\n" in raw or "\r" in raw):
            label = COLUMNS.label(name)
            refuse(
                name,
                f'{name} holds a line break: is a quote (") left open on this row?',
                f'{label}中有换行：该行可能有未成对的引号（"），请检查后再导入',
            )
        elif len(text) > limit:
            label = COLUMNS.label(name)
            refuse(
                name,
                f"{name} is {len(text)} characters long; at most {limit} are kept",
                f"{label}有 {len(text)} 个字，最多 {limit} 个，请缩短后再导入",
            )
        values[name] = text
    if not values.get("name"):
        refuse("name", "a key point needs a name", "名称不能为空")
    category = text_of(row.get("category"))
    if category not in CATEGORIES:
        refuse(
            "category",
            f"unknown category {_shown(category)!r}; expected one of {', '.join(CATEGORIES)}",
            f"未知类别“{_shown(category)}”，应为：{'、'.join(CATEGORIES)}",
        )
    values["category"] = category
    risk_text = text_of(row.get("risk_level"))
    risk = RISK_KEYS.get(risk_text.lower()) or RISK_KEYS.get(risk_text)
    if risk is None:
        refuse(
            "risk_level",
            f"unknown risk level {_shown(risk_text)!r}: use 红 橙 黄 蓝 or red orange yellow blue",
            f"风险等级“{_shown(risk_text)}”无法识别，应为 红、橙、黄 或 蓝",
        )
    values["risk_level"] = risk
    if "responsible_phone" in row:
        phone = COUNTRY_CODE.sub("", text_of(row.get("responsible_phone")).replace(" ", ""))
        if MASKED_PHONE.fullmatch(phone):
            masked = True  # as an export masks it: the stored number stays
        elif phone and not PHONE.fullmatch(phone):
            refuse(
                "responsible_phone",
                f"bad phone number {_shown(phone)!r}: a mobile (11 digits) or 0594-2345678",
                f"联系电话“{_shown(phone)}”格式不对（手机 11 位，或带区号的固话如 0594-2345678）",
            )
        else:
            values["responsible_phone"] = phone
    days_text = text_of(row.get("patrol_every_days"))
    if days_text:  # an empty cell keeps a stored point's period (a new point gets the default)
        try:
            amount = float(days_text)
            days = int(amount) if amount.is_integer() else 0
        except (ValueError, OverflowError):
            days = 0
        if days < 1 or days > 366:
            refuse(
                "patrol_every_days",
                f"patrol period {_shown(days_text)!r} must be a whole number of days, 1–366",
                f"巡查周期“{_shown(days_text)}”应为 1–366 天的整数",
            )
        values["patrol_every_days"] = days
    lon, lat = _number(row.get("lon")), _number(row.get("lat"))
    if "_geometry" in row:
        refuse(
            "lon",
            f"geometry must be a Point, not {row['_geometry']}",
            "几何类型应为点（Point）",
        )
    else:
        for name, number_value in (("lon", lon), ("lat", lat)):
            if number_value is None:
                given = _shown(text_of(row.get(name)))
                refuse(
                    name,
                    f"{'longitude' if name == 'lon' else 'latitude'} must be a number"
                    + (f", not {given!r}" if given else " (the cell is empty)"),
                    f"{COLUMNS.label(name)}应为数字"
                    + (f"（本行为“{given}”）" if given else "（单元格为空）"),
                )
    if errors:
        return None, errors
    return CheckedRow(number, values, masked, float(lon), float(lat)), []


def _miss_hint(index: VillageIndex, x: float, y: float, crs: str) -> tuple[str, str]:
    """Why a point lies outside the city: another datum, swapped axes, a projected system."""
    tries: list[tuple[str, float, float, str, str]] = []
    for other in CRS_NAMES:
        if other != crs:
            label = CRS_LABELS[other]
            tries.append(
                (
                    other,
                    x,
                    y,
                    f"it looks like {label}: try --crs {other}",
                    f"看起来是 {label} 坐标，请尝试 --crs {other}",
                )
            )
    tries.append((crs, y, x, "longitude and latitude look swapped", "经纬度似乎颠倒了"))
    for name in LIKELY_PROJECTED:
        if name != crs:
            tries.append(
                (
                    name,
                    x,
                    y,
                    f"it looks like {name}: try --crs {name}",
                    f"看起来是投影坐标，请尝试 --crs {name}",
                )
            )
    for system, a, b, english, chinese in tries:
        try:
            lon, lat = to_wgs84_arrays(a, b, system)
        except Exception:  # outside that system's domain
            continue
        if math.isfinite(lon) and math.isfinite(lat) and assign_villages(index, [lon], [lat])[0]:
            return f"; {english}", f"；{chinese}"
    return "", ""


def _place(session: Session, viewer: Viewer, rows: list[CheckedRow], crs: str) -> list[RowError]:
    """Convert each row's point to WGS84 and find its village; the errors of those that lie
    outside the city or the viewer's scope, or repeat an earlier row."""
    if not rows:
        return []
    xs = np.array([r.x for r in rows])
    ys = np.array([r.y for r in rows])
    try:
        lons, lats = to_wgs84_arrays(xs, ys, crs)
    except Exception:  # a projected system's transform outside its domain
        lons, lats = np.full(len(xs), np.nan), np.full(len(ys), np.nan)
    lons, lats = np.atleast_1d(lons), np.atleast_1d(lats)
    index = VillageIndex.from_session(session)
    ok = np.isfinite(lons) & np.isfinite(lats)
    villages: list[str | None] = [None] * len(rows)
    if ok.any():
        found = assign_villages(index, lons[ok], lats[ok])
        for position, village in zip(np.flatnonzero(ok), found, strict=True):
            villages[int(position)] = village
    errors: list[RowError] = []
    seen: dict[tuple, int] = {}
    for i, row in enumerate(rows):
        village = villages[i]
        if village is None:
            english, chinese = _miss_hint(index, row.x, row.y, crs)
            errors.append(
                COLUMNS.error(
                    row.number,
                    "lon",
                    f"the point lies outside the city{english}",
                    f"点位不在莆田市范围内{chinese}",
                )
            )
            continue
        if not viewer.covers(village):
            errors.append(
                COLUMNS.error(
                    row.number,
                    "lon",
                    "the point lies outside your jurisdiction",
                    "点位不在您的辖区内",
                )
            )
            continue
        row.village = village
        if row.key in seen:
            errors.append(
                COLUMNS.error(
                    row.number,
                    "name",
                    f"same name and village as row {seen[row.key]}",
                    f"与第 {seen[row.key]} 行名称和村居相同",
                )
            )
            continue
        seen[row.key] = row.number
        row.values.update(lon=round(float(lons[i]), 7), lat=round(float(lats[i]), 7))
        row.values["village_code"] = village
    return errors


def check_rows(session: Session, viewer: Viewer, table: Table, crs: str) -> Checked:
    """Every row of `table` (coordinates in `crs`) checked; nothing written."""
    checked = Checked()
    for number, row in table.rows:
        present = {k: v for k, v in row.items() if k in table.present or k == "_geometry"}
        good, errors = check_row(number, present)
        checked.errors += errors
        if good is not None:
            checked.rows.append(good)
    checked.errors += _place(session, viewer, checked.rows, crs)
    checked.errors.sort(key=lambda e: e.row or 0)
    return checked
