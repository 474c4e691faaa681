"""What a reader makes of a file, whatever its format: the features' attributes, geometries
and what was wrong with each, before the division code is looked at."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry

from layers.importing.limits import MAX_FEATURES
from layers.importing.report import Rejected, file_error


@dataclass
class Record:
    """One feature as read: `properties` is None when the file's attributes for it could not
    be read at all (then `problems` says why)."""

    properties: dict[str, Any] | None
    geometry: BaseGeometry | None
    problems: list[tuple[str, str]] = field(default_factory=list)  # (English, zh-CN)


@dataclass
class Records:
    """The features of a file, its attribute names in order, and its declared CRS."""

    records: list[Record]
    columns: list[str]
    crs: Any = None  # pyproj.CRS, or None when the file names no system
    notes: list[str] = field(default_factory=list)


def json_kind(value: Any) -> tuple[str, str]:
    """What a JSON value is, in English and zh-CN, for messages ('an array', '数组')."""
    if value is None:
        return "null", "空值"
    if isinstance(value, bool):
        return "true/false", "布尔值"
    if isinstance(value, int | float):
        return "a number", "数字"
    if isinstance(value, str):
        return "text", "文字"
    if isinstance(value, list):
        return "an array", "数组"
    if isinstance(value, dict):
        return "an object", "对象"
    return type(value).__name__, "未知类型"


def not_polygonal(kind: str) -> tuple[str, str]:
    """The reason a feature whose geometry is not an area is refused."""
    return (
        f"geometry is a {kind}; expected a Polygon or MultiPolygon: export the boundaries as "
        "areas (polygons), not as points or lines",
        f"几何类型为 {kind}，应为面（Polygon 或 MultiPolygon）："
        "请把边界导出为面图层，不要导出为点或线",
    )


def ring_too_short(count: int, where: str, where_zh: str) -> tuple[str, str]:
    return (
        f"geometry: {where} has only {count} point{'s' if count != 1 else ''}; a ring needs at "
        "least 4 (three corners, then the first point again): redraw it or remove it",
        f"几何图形：{where_zh}只有 {count} 个点，一个环至少需要 4 个点"
        "（3 个顶点，末尾再重复起点）：请重新绘制或删除",
    )


def ring_not_closed(where: str, where_zh: str, first: str = "", last: str = "") -> tuple[str, str]:
    ends = f": it starts at {first} but ends at {last}" if first else ""
    return (
        f"geometry: {where} is not closed{ends}; repeat its first point at the end",
        f"几何图形：{where_zh}未闭合（终点与起点不同），请在末尾重复起点坐标",
    )


def too_many_features(name: str) -> Rejected:
    return Rejected(
        [
            file_error(
                f"{name} holds more than {MAX_FEATURES:,} features, more than one import "
                "takes (Putian has 979 villages): split it, one county per file",
                f"文件要素超过 {MAX_FEATURES:,} 个，超出单次导入上限（莆田市共 979 个村居）："
                "请按区县拆分后分批导入",
            )
        ]
    )
