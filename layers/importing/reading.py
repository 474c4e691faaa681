"""Reading the file to import: its features, their code, name and parent fields.

`files` decides what the file is and whether it may be read (size, zip contents), then
`geojson` (our own reader, structure checked member by member) or `vector` (GDAL, for
GeoPackages and shapefiles) reads it. What is wrong with one feature travels with it to the
checks, so every bad feature is named in one run; what is wrong with the file raises Rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyproj
from shapely.geometry.base import BaseGeometry

from layers import codes
from layers.crs import UnknownCRS, parse_crs
from layers.importing.coordinates import Coordinates, coordinates_for
from layers.importing.files import opened
from layers.importing.geojson import read_geojson
from layers.importing.limits import MAX_FILE_BYTES
from layers.importing.records import json_kind
from layers.importing.report import FeatureError, ImportReport, Rejected, file_error
from layers.importing.vector import read_vector

# Tried in this order when --code-field is not given.
CODE_FIELDS: tuple[str, ...] = ("code", "adcode", "区划代码", "CODE", "ADCODE")
NAME_FIELDS: tuple[str, ...] = ("name", "名称", "区划名称", "NAME")
PARENT_FIELDS: tuple[str, ...] = ("parent_code", "parent", "上级代码")
# GeoJSON without a 'crs' member is WGS84 longitude/latitude (RFC 7946).
GEOJSON_CRS = pyproj.CRS.from_user_input("OGC:CRS84")


@dataclass
class RawFeature:
    """One feature as the file has it, before any check."""

    number: int  # 1-based
    code_value: Any
    geometry: BaseGeometry | None
    name: str | None
    parent_value: Any
    # What the reader found wrong with it (English, zh-CN); its geometry is then not checked.
    problems: list[tuple[str, str]] = field(default_factory=list)
    # False when its code could not be read at all (its problems say why).
    code_readable: bool = True


@dataclass
class SourceFile:
    """The features of the file and how to read their coordinates."""

    features: list[RawFeature]
    coordinates: Coordinates
    code_field: str = "code"


def read_source(
    path: Path,
    crs: str | None,
    code_field: str | None,
    report: ImportReport,
    max_bytes: int = MAX_FILE_BYTES,
) -> SourceFile:
    """Read every feature of `path`; raises Rejected when the file as a whole is unusable."""
    if crs is not None:
        try:
            parse_crs(crs)
        except UnknownCRS as error:
            raise Rejected([file_error(str(error), f"无法识别的坐标系：{crs}")]) from None
    with opened(path, max_bytes) as dataset:
        if dataset.kind == "geojson":
            table = read_geojson(dataset.data or b"", path.name)
            table.crs = _geojson_crs(table.crs, crs, report, path.name)
        else:
            table = read_vector(dataset.path, dataset.kind, path.name)
        if dataset.note:
            report.notes.append(dataset.note)
    report.notes.extend(table.notes)
    report.features_read = len(table.records)
    if not table.records:
        level = codes.LEVEL_LABELS.get(report.level, report.level)
        raise Rejected(
            [
                file_error(
                    f"{path.name} contains no features: it must hold the {report.level} "
                    "polygons, one feature each with its division code",
                    f"文件 {path.name} 中没有要素：文件应包含{level}边界面，每个要素带区划代码",
                )
            ]
        )
    try:
        field_name = _code_field(table.columns, code_field)
    except Rejected as rejected:
        # Features whose attributes could not be read explain a missing field best.
        broken = [
            FeatureError(number, None, reason, reason_zh)
            for number, record in enumerate(table.records, 1)
            for reason, reason_zh in record.problems
            if record.properties is None
        ]
        if not broken:
            raise
        readable = any(record.properties for record in table.records)
        raise Rejected(broken + (rejected.errors if readable else [])) from None
    report.code_field = field_name
    coordinates = coordinates_for(crs, table.crs, report)
    report.crs = coordinates.label
    name_field = next((name for name in NAME_FIELDS if name in table.columns), None)
    parent_field = next((name for name in PARENT_FIELDS if name in table.columns), None)
    return SourceFile(
        [
            _feature(number, record, field_name, name_field, parent_field)
            for number, record in enumerate(table.records, 1)
        ],
        coordinates,
        field_name,
    )


def _geojson_crs(
    declared: str | None, crs: str | None, report: ImportReport, name: str
) -> pyproj.CRS | None:
    if declared is None:
        return GEOJSON_CRS
    try:
        return pyproj.CRS.from_user_input(declared)
    except pyproj.exceptions.CRSError:
        if crs is not None:
            report.notes.append(f"{name} names an unknown coordinate system {declared!r}; ignored")
            return None
        raise Rejected(
            [
                file_error(
                    f"{name} declares a coordinate system that is not understood ({declared}): "
                    "remove its 'crs' member, or name the system with --crs",
                    f"文件声明的坐标系无法识别（{declared[:60]}）：请删除其 crs 成员，"
                    "或用 --crs 指定坐标系",
                )
            ]
        ) from None


def _feature(
    number: int,
    record,
    field_name: str,
    name_field: str | None,
    parent_field: str | None,
) -> RawFeature:
    problems = list(record.problems)
    properties = record.properties
    if properties is None:
        return RawFeature(number, None, None, None, None, problems, code_readable=False)
    code_value = properties.get(field_name)
    readable = True
    if not _scalar(code_value):
        kind, kind_zh = json_kind(code_value)
        problems.append(
            (
                f"the '{field_name}' field holds {kind}; a division code is text or a number "
                "such as 350304100000",
                f"“{field_name}”字段是{kind_zh}，区划代码应为文字或数字，如 350304100000",
            )
        )
        code_value, readable = None, False
    parent_value = properties.get(parent_field) if parent_field else None
    if not _scalar(parent_value):
        kind, kind_zh = json_kind(parent_value)
        problems.append(
            (
                f"the '{parent_field}' field holds {kind}; a parent code is text or a number",
                f"“{parent_field}”字段是{kind_zh}，上级代码应为文字或数字",
            )
        )
        parent_value = None
    name = properties.get(name_field) if name_field else None
    if not isinstance(name, str | int | float) or isinstance(name, bool) or is_missing(name):
        name = None
    return RawFeature(
        number,
        code_value,
        record.geometry,
        None if name is None else str(name).strip() or None,
        parent_value,
        problems,
        readable,
    )


def _scalar(value: Any) -> bool:
    """Text, a whole number or nothing: what a code field may hold."""
    if value is None or isinstance(value, str):
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return is_missing(value)


def _code_field(columns: list[str], code_field: str | None) -> str:
    """The field holding the division code: the one named, else the first of CODE_FIELDS."""
    present = ", ".join(columns) if columns else "none"
    present_zh = "、".join(columns) if columns else "无"
    if code_field is not None:
        if code_field not in columns:
            raise Rejected(
                [
                    file_error(
                        f"the file has no field '{code_field}' (fields present: {present})",
                        f"文件中没有字段“{code_field}”（现有字段：{present_zh}）",
                    )
                ]
            )
        return code_field
    found = next((name for name in CODE_FIELDS if name in columns), None)
    if found is None:
        raise Rejected(
            [
                file_error(
                    f"no division code field found: expected one of "
                    f"{', '.join(CODE_FIELDS)}, or name it with --code-field "
                    f"(fields present: {present})",
                    f"找不到区划代码字段（应为 {'、'.join(CODE_FIELDS)} 之一），请用 --code-field "
                    f"指定（现有字段：{present_zh}）",
                )
            ]
        )
    return found


def is_missing(value: Any) -> bool:
    """True for an empty attribute: None, NaN or NaT as the file's driver gives them."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
