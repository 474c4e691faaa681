"""The viewer's key points as a table: CSV (UTF-8 with BOM, opens in Excel) or XLSX, with
their live risk level and patrol status.

Phones follow the same rule as on screen (masked unless the viewer's role and scope allow),
so an export never shows more than the map does.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from modules.flood.features import properties
from modules.flood.live import PointNow
from modules.flood.models import FloodKeyPoint
from modules.sdk import Viewer

COLUMNS = (
    ("id", "编号"),
    ("name", "名称"),
    ("category", "类别"),
    ("risk_level_label", "风险等级"),
    ("village_code", "村居代码"),
    ("lon", "经度"),
    ("lat", "纬度"),
    ("responsible_name", "责任人"),
    ("responsible_phone", "联系电话"),
    ("patrol_every_days", "巡查周期（天）"),
    ("patrol_status", "巡查状态"),
    ("live_risk_level_label", "实时风险等级"),
    ("live_risk_reason", "实时风险原因"),
)


def rows(viewer: Viewer, points: list[FloodKeyPoint], now: dict[int, PointNow]) -> list[list]:
    table = []
    for point in points:
        values = {
            **properties(viewer, point, now[point.id]),
            "lon": round(point.lon, 6),
            "lat": round(point.lat, 6),
        }
        table.append([values[key] if values[key] is not None else "" for key, _ in COLUMNS])
    return table


def to_csv(viewer: Viewer, points: list[FloodKeyPoint], now: dict[int, PointNow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _, label in COLUMNS])
    writer.writerows(rows(viewer, points, now))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(viewer: Viewer, points: list[FloodKeyPoint], now: dict[int, PointNow]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "重点部位"
    sheet.append([label for _, label in COLUMNS])
    for row in rows(viewer, points, now):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
