"""Import key points from CSV, XLSX or GeoJSON: all or nothing, with a row-by-row report.

Columns (Chinese or English names; the export's own columns read back): 名称/name,
类别/category, 风险等级/risk_level (红橙黄蓝 or red…), 责任人, 联系电话, 巡查周期（天）,
经度/lon and 纬度/lat (or the Point geometry of a GeoJSON feature). Coordinates are read in
`crs` (wgs84 | gcj02 | bd09 | EPSG:n) and converted to WGS84; the village is found by
point-in-polygon. A point already registered under the same name in the same village is
updated, so importing an export again changes nothing but what was edited.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.flood.models import FloodKeyPoint
from modules.flood.points import CATEGORIES, EDIT_PERMISSIONS, RISK_LABELS
from modules.sdk import (
    CRS_NAMES,
    Columns,
    FileRefused,
    Forbidden,
    RowError,
    UnknownCRS,
    Viewer,
    VillageIndex,
    assign_villages,
    parse_crs,
    read_rows,
    to_wgs84_arrays,
)

LOGGER = logging.getLogger(__name__)

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
FIELDS = {
    "name": ("名称", "name", "部位名称"),
    "category": ("类别", "category", "类型"),
    "risk_level": ("风险等级", "risk_level", "risk"),
    "responsible_name": ("责任人", "responsible_name"),
    "responsible_phone": ("联系电话", "responsible_phone", "phone", "电话"),
    "patrol_every_days": ("巡查周期（天）", "巡查周期", "patrol_every_days"),
    "lon": ("经度", "lon", "longitude", "x"),
    "lat": ("纬度", "lat", "latitude", "y"),
}
REQUIRED = ("name", "category", "risk_level")
# A table needs its coordinate columns too; a GeoJSON feature carries them as its geometry.
COLUMNS = Columns(FIELDS, required=(*REQUIRED, "lon", "lat"))
PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}")
RISK_KEYS = {**{label: key for key, label in RISK_LABELS.items()}, **{k: k for k in RISK_LABELS}}
# Projected systems a Putian file is likely to be in (for the hint on a point that misses).
LIKELY_PROJECTED = ("EPSG:4549", "EPSG:4527", "EPSG:32650", "EPSG:3857")
CRS_LABELS = {"wgs84": "WGS84", "gcj02": "GCJ-02", "bd09": "BD-09"}


@dataclass
class ImportResult:
    kind: str
    crs: str
    dry_run: bool = False
    rows: int = 0
    added: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def text(self) -> str:
        lines = [
            f"Key points from a {self.kind.upper()} file, coordinates {self.crs}: {self.rows} rows"
        ]
        if not self.ok:
            lines.append(f"REJECTED: {len(self.errors)} problem(s); nothing was changed.")
            lines += [f"  - {e.text()}" for e in self.errors]
        elif self.dry_run:
            lines.append(
                f"DRY RUN: the file is valid; nothing was changed. Importing it would add "
                f"{self.added} and update {self.updated} key points."
            )
        else:
            lines.append(f"OK: added {self.added}, updated {self.updated} key points.")
        return "\n".join(lines)

    def summary_zh(self) -> str:
        if not self.ok:
            return f"未导入：发现 {len(self.errors)} 处问题，未做任何修改。"
        if self.dry_run:
            return f"检查通过（未导入）：将新增 {self.added} 个、更新 {self.updated} 个重点部位。"
        return f"导入成功：新增 {self.added} 个、更新 {self.updated} 个重点部位。"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value) -> float | None:
    try:
        number = float(_text(value))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _check_row(number: int, row: dict) -> tuple[dict | None, list[RowError]]:
    errors: list[RowError] = []

    def refuse(name, reason, reason_zh):
        errors.append(COLUMNS.error(number, name, reason, reason_zh))

    name = _text(row.get("name"))
    if not name:
        refuse("name", "a key point needs a name", "名称不能为空")
    elif len(name) > 200:
        refuse("name", "name longer than 200 characters", "名称超过 200 字")
    category = _text(row.get("category"))
    if category not in CATEGORIES:
        refuse(
            "category",
            f"unknown category {category!r}",
            f"未知类别“{category}”，应为：{'、'.join(CATEGORIES)}",
        )
    risk = RISK_KEYS.get(_text(row.get("risk_level")).lower()) or RISK_KEYS.get(
        _text(row.get("risk_level"))
    )
    if risk is None:
        refuse("risk_level", "unknown risk level", "风险等级应为 红、橙、黄 或 蓝")
    phone = _text(row.get("responsible_phone")).replace(" ", "")
    if phone and not PHONE.fullmatch(phone):
        refuse(
            "responsible_phone", "bad phone number", "联系电话格式不对（手机 11 位或带区号的固话）"
        )
    days_text = _text(row.get("patrol_every_days"))
    days = 7
    if days_text:
        try:
            days = int(days_text)
        except ValueError:
            days = 0
        if days < 1 or days > 366:
            refuse(
                "patrol_every_days",
                "patrol period must be 1–366 days",
                "巡查周期应为 1–366 天的整数",
            )
    lon, lat = _number(row.get("lon")), _number(row.get("lat"))
    if "_geometry" in row:
        refuse(
            "lon", f"geometry must be a Point, not {row['_geometry']}", "几何类型应为点（Point）"
        )
    elif lon is None or lat is None:
        refuse("lon" if lon is None else "lat", "coordinates must be numbers", "经纬度应为数字")
    if errors:
        return None, errors
    return {
        "name": name,
        "category": category,
        "risk_level": risk,
        "responsible_name": _text(row.get("responsible_name"))[:50],
        "responsible_phone": phone,
        "patrol_every_days": days,
        "x": lon,
        "y": lat,
    }, []


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


def import_points(
    session: Session,
    viewer: Viewer,
    data: bytes,
    filename: str,
    crs: str = "wgs84",
    dry_run: bool = False,
) -> ImportResult:
    """Check every row, then (unless dry_run or any row is wrong) write them all. The caller
    commits; on errors nothing was written."""
    if not any(viewer.can(p) for p in (*EDIT_PERMISSIONS, "import")):
        raise Forbidden("the viewer may not import key points")
    try:
        crs_name = parse_crs(crs)
    except UnknownCRS as exc:
        result = ImportResult("?", str(crs), dry_run)
        result.errors.append(
            RowError(None, None, str(exc), "不支持的坐标系：应为 wgs84、gcj02、bd09 或 EPSG:代码")
        )
        return result
    result = ImportResult("?", crs_name, dry_run)
    try:
        table = read_rows(
            data,
            filename,
            COLUMNS,
            max_rows=MAX_ROWS,
            max_bytes=MAX_BYTES,
            allowed=("csv", "xlsx", "geojson"),
        )
    except FileRefused as refused:
        result.errors += refused.errors
        return result
    result.kind, rows = table.kind, table.rows
    result.rows = len(rows)
    checked = []
    for number, row in rows:
        values, errors = _check_row(number, row)
        result.errors += errors
        if values is not None:
            checked.append((number, values))
    if checked:
        xs = np.array([v["x"] for _, v in checked])
        ys = np.array([v["y"] for _, v in checked])
        try:
            lons, lats = to_wgs84_arrays(xs, ys, crs_name)
        except Exception:  # a projected system's transform outside its domain
            lons, lats = np.full(len(xs), np.nan), np.full(len(ys), np.nan)
        lons, lats = np.atleast_1d(lons), np.atleast_1d(lats)
        index = VillageIndex.from_session(session)
        ok = np.isfinite(lons) & np.isfinite(lats)
        villages = [None] * len(checked)
        if ok.any():
            found = assign_villages(index, lons[ok], lats[ok])
            for position, village in zip(np.flatnonzero(ok), found, strict=True):
                villages[int(position)] = village
        seen: dict[tuple[str, str], int] = {}
        for i, (number, values) in enumerate(checked):
            village = villages[i]
            if village is None:
                english, chinese = _miss_hint(index, values["x"], values["y"], crs_name)
                result.errors.append(
                    COLUMNS.error(
                        number,
                        "lon",
                        f"the point lies outside the city{english}",
                        f"点位不在莆田市范围内{chinese}",
                    )
                )
                continue
            if not viewer.covers(village):
                result.errors.append(
                    COLUMNS.error(
                        number,
                        "lon",
                        "the point lies outside your jurisdiction",
                        "点位不在您的辖区内",
                    )
                )
                continue
            key = (values["name"], village)
            if key in seen:
                result.errors.append(
                    COLUMNS.error(
                        number,
                        "name",
                        f"same name and village as row {seen[key]}",
                        f"与第 {seen[key]} 行名称和村居相同",
                    )
                )
                continue
            seen[key] = number
            values.update(
                lon=round(float(lons[i]), 7), lat=round(float(lats[i]), 7), village_code=village
            )
    result.errors.sort(key=lambda e: e.row or 0)
    if result.errors:
        return result
    existing = {
        (p.name, p.village_code): p
        for p in session.scalars(
            select(FloodKeyPoint).where(
                FloodKeyPoint.name.in_([v["name"] for _, v in checked]),
                viewer.code_filter(FloodKeyPoint.village_code),
            )
        )
    }
    for _, values in checked:
        fields = {
            k: values[k]
            for k in (
                "name",
                "category",
                "risk_level",
                "responsible_name",
                "responsible_phone",
                "patrol_every_days",
                "lon",
                "lat",
                "village_code",
            )
        }
        point = existing.get((values["name"], values["village_code"]))
        if point is None:
            result.added += 1
            if not dry_run:
                session.add(FloodKeyPoint(**fields))
        else:
            result.updated += 1
            if not dry_run:
                for name, value in fields.items():
                    setattr(point, name, value)
    if not dry_run:
        session.flush()
    LOGGER.info(
        "key points import by %s: %d added, %d updated%s",
        viewer.login,
        result.added,
        result.updated,
        " (dry run)" if dry_run else "",
    )
    return result
