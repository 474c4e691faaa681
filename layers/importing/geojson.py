"""Reading a GeoJSON file ourselves: its structure checked member by member before a
geometry is built, so a malformed file is refused with the feature and the member at fault
instead of an exception or GDAL's text.

The document is parsed by `layers.uploads.load_json` (encoding, syntax with line and column,
nesting bounded). What is wrong with the file as a whole raises Rejected; what is wrong with
one feature goes into its Record's problems, so every bad feature is named in one run.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from layers.importing.limits import MAX_FEATURES, OBJECTS_PER_FEATURE
from layers.importing.records import (
    Record,
    Records,
    json_kind,
    not_polygonal,
    ring_not_closed,
    ring_too_short,
    too_many_features,
)
from layers.importing.report import Rejected, file_error
from layers.uploads import Unreadable, load_json

GEOMETRY_TYPES = frozenset(
    {
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }
)
EXAMPLE = (
    '{"type": "FeatureCollection", "features": [{"type": "Feature", '
    '"properties": {"code": "350304100000"}, "geometry": {"type": "Polygon", ...}}]}'
)


class _Bad(Exception):
    """A feature's member is malformed: (English, zh-CN)."""

    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.pair = (reason, reason_zh)


def read_geojson(data: bytes, name: str) -> Records:
    """The features of a GeoJSON document; raises Rejected when the file as a whole is wrong."""
    if data.count(b"{") > OBJECTS_PER_FEATURE * MAX_FEATURES + 16:
        raise too_many_features(name)
    try:
        document = load_json(data, "GeoJSON file")
    except Unreadable as error:
        raise Rejected([file_error(error.reason, error.reason_zh)]) from None
    items = _features(document, name)
    if len(items) > MAX_FEATURES:
        raise too_many_features(name)
    records = [_record(item) for item in items]
    columns: dict[str, None] = {}
    for record in records:
        if record.properties:
            columns.update(dict.fromkeys(record.properties))
    return Records(records, list(columns), crs=_declared_crs(document))


def _features(document: Any, name: str) -> list:
    if not isinstance(document, dict):
        kind, kind_zh = json_kind(document)
        raise Rejected(
            [
                file_error(
                    f"{name} is {kind}, not a GeoJSON FeatureCollection: the file must be "
                    f"an object like {EXAMPLE}",
                    f"文件的顶层是{kind_zh}，不是 GeoJSON FeatureCollection："
                    "请从 GIS 软件中把边界图层导出为 GeoJSON。",
                )
            ]
        )
    kind = document.get("type")
    if kind == "Feature":
        return [document]
    if isinstance(kind, str) and kind in GEOMETRY_TYPES:
        raise Rejected(
            [
                file_error(
                    f"{name} holds a bare {kind} geometry without attributes, so no division "
                    f"code: save it as a FeatureCollection, each feature with its code ({EXAMPLE})",
                    f"文件只有一个 {kind} 几何图形，没有属性（区划代码）："
                    "请导出为 FeatureCollection，每个要素带区划代码。",
                )
            ]
        )
    if kind not in (None, "FeatureCollection"):
        shown = kind if isinstance(kind, str) else json_kind(kind)[0]
        raise Rejected(
            [
                file_error(
                    f"{name} is of type {shown!r}, not a GeoJSON FeatureCollection "
                    "(TopoJSON and other JSON formats cannot be imported): export the layer "
                    "as GeoJSON",
                    f"文件类型为“{str(shown)[:40]}”，不是 GeoJSON FeatureCollection"
                    "（不支持 TopoJSON 等其他格式）：请把图层导出为 GeoJSON。",
                )
            ]
        )
    if "features" not in document:
        raise Rejected(
            [
                file_error(
                    f"{name} has no 'features' array: a GeoJSON FeatureCollection lists its "
                    f"features under 'features' ({EXAMPLE})",
                    "GeoJSON 文件缺少 features 要素数组：请从 GIS 软件中重新导出。",
                )
            ]
        )
    features = document["features"]
    if not isinstance(features, list):
        kind_en, kind_zh = json_kind(features)
        raise Rejected(
            [
                file_error(
                    f"'features' must be an array of features, not {kind_en}: "
                    f"write it as [{{...}}, {{...}}] ({EXAMPLE})",
                    f"features 应为要素数组 [ ... ]，而不是{kind_zh}：请从 GIS 软件中重新导出。",
                )
            ]
        )
    return features


def _declared_crs(document: dict) -> str | None:
    """The system a (2008-style) 'crs' member names, e.g. 'EPSG:4549'; None when absent."""
    member = document.get("crs")
    if member is None:
        return None
    properties = member.get("properties") if isinstance(member, dict) else None
    if isinstance(properties, dict):
        value = properties.get("name")
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
        code = properties.get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            return f"EPSG:{code}"
    return "(unreadable crs member)"


def _record(item: Any) -> Record:
    if not isinstance(item, dict):
        kind, kind_zh = json_kind(item)
        return Record(
            None,
            None,
            [
                (
                    f"the feature is {kind}, not a GeoJSON Feature object "
                    '({"type": "Feature", "properties": {...}, "geometry": {...}}): '
                    "export the file again from your GIS",
                    f"该要素是{kind_zh}，不是 GeoJSON 要素对象"
                    '（{"type": "Feature", "properties": {…}, "geometry": {…}}）：'
                    "请从 GIS 软件中重新导出。",
                )
            ],
        )
    kind = item.get("type")
    if isinstance(kind, str) and kind in GEOMETRY_TYPES:
        return Record(
            None,
            None,
            [
                (
                    f"the feature is a bare {kind} geometry, not a Feature: put it under "
                    "'geometry' of a Feature that has the division code under 'properties'",
                    f"该要素只是一个 {kind} 几何图形，不是 Feature：请放在 Feature 的 geometry 中，"
                    "并在 properties 中填写区划代码。",
                )
            ],
        )
    problems: list[tuple[str, str]] = []
    if kind is not None and kind != "Feature":
        shown = kind if isinstance(kind, str) else json_kind(kind)[0]
        problems.append(
            (
                f"its 'type' is {str(shown)[:40]!r}, not 'Feature'",
                f"要素的 type 为“{str(shown)[:40]}”，应为 Feature",
            )
        )
    properties = item.get("properties")
    if properties is None:
        properties = {}
    elif not isinstance(properties, dict):
        kind_en, kind_zh = json_kind(properties)
        problems.append(
            (
                f"'properties' must be an object of named values such as "
                f'{{"code": "350304100000"}}, not {kind_en}',
                f'properties 应为键值对象（如 {{"code": "350304100000"}}），而不是{kind_zh}',
            )
        )
        properties = None
    try:
        geometry = _geometry(item.get("geometry"))
    except _Bad as bad:
        problems.append(bad.pair)
        geometry = None
    return Record(properties, geometry, problems)


def _geometry(value: Any) -> BaseGeometry | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        kind, kind_zh = json_kind(value)
        raise _Bad(
            "'geometry' must be an object such as "
            f'{{"type": "Polygon", "coordinates": [...]}}, not {kind}',
            f'geometry 应为几何对象（如 {{"type": "Polygon", "coordinates": [...]}}），'
            f"而不是{kind_zh}",
        )
    kind = value.get("type")
    if not isinstance(kind, str) or kind not in GEOMETRY_TYPES:
        shown = str(kind)[:40] if isinstance(kind, str) else json_kind(kind)[0]
        raise _Bad(
            f"geometry: {shown!r} is not a GeoJSON geometry type; expected Polygon or MultiPolygon",
            f"几何图形：“{shown}”不是 GeoJSON 几何类型，应为 Polygon 或 MultiPolygon",
        )
    if kind not in ("Polygon", "MultiPolygon"):
        raise _Bad(*not_polygonal(kind))
    coordinates = value.get("coordinates")
    if kind == "Polygon":
        return _polygon(coordinates, None)
    if not isinstance(coordinates, list):
        raise _coordinates_not_array(coordinates, "polygons")
    if not coordinates:
        raise _Bad(
            "geometry: the MultiPolygon has no polygons: draw the boundary or remove the feature",
            "几何图形：MultiPolygon 中没有任何多边形，请绘制边界或删除该要素",
        )
    return MultiPolygon([_polygon(part, number) for number, part in enumerate(coordinates, 1)])


def _coordinates_not_array(value: Any, of: str) -> _Bad:
    kind, kind_zh = json_kind(value)
    return _Bad(
        f"geometry: 'coordinates' must be an array of {of}, not {kind}",
        f"几何图形：coordinates 应为数组，而不是{kind_zh}",
    )


def _polygon(coordinates: Any, number: int | None) -> Polygon:
    of, of_zh = (f" of polygon {number}", f"第 {number} 个多边形的") if number else ("", "")
    if not isinstance(coordinates, list):
        raise _coordinates_not_array(coordinates, "rings")
    if not coordinates:
        raise _Bad(
            f"geometry: polygon{f' {number}' if number else ''} has no rings (empty "
            "coordinates): draw its boundary or remove the feature",
            f"几何图形：{of_zh or '多边形'}没有坐标（空的 coordinates），请绘制边界或删除该要素",
        )
    rings = []
    for index, ring in enumerate(coordinates, 1):
        where = ("the outer ring" if index == 1 else f"hole {index - 1}") + of
        where_zh = of_zh + ("外环" if index == 1 else f"第 {index - 1} 个内环")
        rings.append(_ring(ring, where, where_zh))
    return Polygon(rings[0], rings[1:])


def _ring(ring: Any, where: str, where_zh: str) -> np.ndarray:
    """The ring's [x, y] as an array; _Bad naming the first point that is not two numbers."""
    if not isinstance(ring, list):
        kind, kind_zh = json_kind(ring)
        raise _Bad(
            f"geometry: {where} must be an array of [longitude, latitude] points, not {kind}",
            f"几何图形：{where_zh}应为 [经度, 纬度] 坐标点的数组，而不是{kind_zh}",
        )
    xy = _plain(ring)
    if xy is None:  # the slow way, which names the first bad point
        xy = np.array(
            [
                _point(position, f"point {index} of {where}", f"{where_zh}第 {index} 个点")
                for index, position in enumerate(ring, 1)
            ],
            dtype=float,
        ).reshape(-1, 2)
    bad = np.flatnonzero(~np.isfinite(xy).all(axis=1))
    if len(bad):
        index = int(bad[0])
        raise _not_finite(
            f"point {index + 1} of {where}", f"{where_zh}第 {index + 1} 个点", tuple(xy[index])
        )
    if len(xy) < 4:
        raise _Bad(*ring_too_short(len(xy), where, where_zh))
    if not (xy[0] == xy[-1]).all():
        raise _Bad(*ring_not_closed(where, where_zh, _xy(tuple(xy[0])), _xy(tuple(xy[-1]))))
    return xy


def _plain(ring: list) -> np.ndarray | None:
    """A ring of [x, y] (or [x, y, z]) numbers as an (n, 2) array, without a Python object
    per point; None when any point is anything else."""
    if not all(
        type(p) is list and 2 <= len(p) <= 3 and all(type(v) in (int, float) for v in p)
        for p in ring
    ):
        return None
    try:
        xy = np.asarray(ring, dtype=float)
    except (ValueError, OverflowError):  # [x, y] mixed with [x, y, z]; a huge integer
        return None
    return xy[:, :2] if xy.ndim == 2 else None


def _point(position: Any, where: str, where_zh: str) -> tuple[float, float]:
    if not isinstance(position, list) or len(position) < 2:
        kind, kind_zh = json_kind(position)
        if isinstance(position, list):
            kind, kind_zh = f"an array of {len(position)}", f"只有 {len(position)} 个值的数组"
        raise _Bad(
            f"geometry: {where} must be [longitude, latitude], not {kind}",
            f"几何图形：{where_zh}应为 [经度, 纬度]，而不是{kind_zh}",
        )
    x, y = position[0], position[1]
    for value in (x, y):
        if isinstance(value, bool) or not isinstance(value, int | float):
            kind, kind_zh = json_kind(value)
            raise _Bad(
                f"geometry: {where} holds {kind} where a number belongs: write coordinates "
                "as plain numbers, without quotes",
                f"几何图形：{where_zh}的坐标是{kind_zh}，应为数字（不加引号）",
            )
    try:
        return float(x), float(y)
    except OverflowError:  # an int too large for a float
        return math.inf, math.inf


def _not_finite(where: str, where_zh: str, point: tuple[float, float]) -> _Bad:
    return _Bad(
        f"geometry: {where} is not a finite number {_xy(point)}: fix or remove that point",
        f"几何图形：{where_zh}的坐标不是有效数字 {_xy(point)}，请修正或删除该点",
    )


def _xy(point: tuple[float, float]) -> str:
    return f"({float(point[0])!r}, {float(point[1])!r})"
