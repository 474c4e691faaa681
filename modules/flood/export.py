"""The viewer's key points as a table: CSV (UTF-8 with BOM, opens in Excel) or XLSX, with
their live risk level and patrol status.

Phones follow the same rule as on screen (masked unless the viewer's role and scope allow),
so an export never shows more than the map does. Every cell goes through the SDK's writers,
so a name such as =HYPERLINK(...) is written as text, never as a formula; the import reads
an export back unchanged (coordinates carry the 7 decimals the import stores).
"""

from __future__ import annotations

from modules.flood.features import COORDINATE_DECIMALS, properties
from modules.flood.live import PointNow
from modules.flood.models import FloodKeyPoint
from modules.sdk import Viewer, csv_bytes, xlsx_bytes

SHEET = "重点部位"

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
            "lon": round(point.lon, COORDINATE_DECIMALS),
            "lat": round(point.lat, COORDINATE_DECIMALS),
        }
        table.append([values[key] if values[key] is not None else "" for key, _ in COLUMNS])
    return table


def header() -> list[str]:
    return [label for _, label in COLUMNS]


def to_csv(viewer: Viewer, points: list[FloodKeyPoint], now: dict[int, PointNow]) -> bytes:
    return csv_bytes(header(), rows(viewer, points, now))


def to_xlsx(viewer: Viewer, points: list[FloodKeyPoint], now: dict[int, PointNow]) -> bytes:
    return xlsx_bytes([(SHEET, header(), rows(viewer, points, now))])
