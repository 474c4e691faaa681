"""Reading the file to import: its features, their code, name and parent fields."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio
from shapely.geometry.base import BaseGeometry

from layers.crs import UnknownCRS, parse_crs
from layers.importing.coordinates import Coordinates, coordinates_for
from layers.importing.report import ImportReport, Rejected, file_error

# Tried in this order when --code-field is not given.
CODE_FIELDS: tuple[str, ...] = ("code", "adcode", "区划代码", "CODE", "ADCODE")
NAME_FIELDS: tuple[str, ...] = ("name", "名称", "区划名称", "NAME")
PARENT_FIELDS: tuple[str, ...] = ("parent_code", "parent", "上级代码")


@dataclass
class RawFeature:
    """One feature as the file has it, before any check."""

    number: int  # 1-based
    code_value: Any
    geometry: BaseGeometry | None
    name: str | None
    parent_value: Any


@dataclass
class SourceFile:
    """The features of the file and how to read their coordinates."""

    features: list[RawFeature]
    coordinates: Coordinates


def read_source(
    path: Path, crs: str | None, code_field: str | None, report: ImportReport
) -> SourceFile:
    """Read every feature of `path`; raises Rejected when the file as a whole is unusable."""
    if crs is not None:
        try:
            parse_crs(crs)
        except UnknownCRS as error:
            raise Rejected([file_error(str(error), f"无法识别的坐标系：{crs}")]) from None
    if not path.exists():
        raise Rejected([file_error(f"{path}: no such file", f"文件不存在：{path}")])
    try:
        layers = pyogrio.list_layers(path)
        frame = pyogrio.read_dataframe(path)
    except Exception as error:  # pyogrio raises several kinds; all mean "cannot read"
        message = str(error).strip() or type(error).__name__
        raise Rejected(
            [
                file_error(
                    f"{path.name} could not be read as GeoJSON, GeoPackage or Shapefile: {message}",
                    f"无法读取文件 {path.name}（应为 GeoJSON、GeoPackage 或 Shapefile）：{message}",
                )
            ]
        ) from None
    if len(layers) > 1:
        report.notes.append(
            f"{path.name} has {len(layers)} layers; read the first one, '{layers[0][0]}'"
        )
    report.features_read = len(frame)
    if len(frame) == 0:
        raise Rejected(
            [file_error(f"{path.name} contains no features", f"文件 {path.name} 中没有要素")]
        )

    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    field_name = _code_field(columns, code_field)
    report.code_field = field_name

    coordinates = coordinates_for(crs, frame.crs, report)
    report.crs = coordinates.label
    name_field = next((name for name in NAME_FIELDS if name in columns), None)
    parent_field = next((name for name in PARENT_FIELDS if name in columns), None)
    names = frame[name_field].tolist() if name_field else [None] * len(frame)
    parents = frame[parent_field].tolist() if parent_field else [None] * len(frame)
    features = [
        RawFeature(
            index + 1, value, geom, None if is_missing(name) else str(name).strip() or None, parent
        )
        for index, (value, geom, name, parent) in enumerate(
            zip(frame[field_name].tolist(), frame.geometry.tolist(), names, parents, strict=True)
        )
    ]
    return SourceFile(features, coordinates)


def _code_field(columns: list[str], code_field: str | None) -> str:
    """The field holding the division code: the one named, else the first of CODE_FIELDS."""
    present = ", ".join(columns) if columns else "none"
    if code_field is not None:
        if code_field not in columns:
            raise Rejected(
                [
                    file_error(
                        f"the file has no field '{code_field}' (fields present: {present})",
                        f"文件中没有字段“{code_field}”（现有字段：{present}）",
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
                    f"找不到区划代码字段，请用 --code-field 指定（现有字段：{present}）",
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
