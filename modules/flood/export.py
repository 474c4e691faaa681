"""The viewer's key points as a table: CSV (UTF-8 with BOM, opens in Excel) or XLSX.

Phones follow the same rule as on screen (masked unless the viewer's role and scope allow),
so an export never shows more than the map does.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from layers.viewer import Viewer
from modules.flood.features import properties
from modules.flood.models import FloodKeyPoint

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
)


def rows(viewer: Viewer, points: list[FloodKeyPoint]) -> list[list]:
    table = []
    for point in points:
        values = {
            **properties(viewer, point),
            "lon": round(point.lon, 6),
            "lat": round(point.lat, 6),
        }
        table.append([values[key] for key, _ in COLUMNS])
    return table


def to_csv(viewer: Viewer, points: list[FloodKeyPoint]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _, label in COLUMNS])
    writer.writerows(rows(viewer, points))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(viewer: Viewer, points: list[FloodKeyPoint]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "重点部位"
    sheet.append([label for _, label in COLUMNS])
    for row in rows(viewer, points):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
