"""Reading a GeoPackage or a shapefile through GDAL (pyogrio): attributes as they are, and
each feature's geometry decoded on its own, so one broken polygon is named by its feature
number instead of failing the whole read with GEOS's text."""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path

import numpy as np
import pyogrio
import pyogrio.raw
import pyproj
import shapely
from shapely.errors import GEOSException

from layers.importing.limits import MAX_FEATURES
from layers.importing.records import (
    Record,
    Records,
    ring_not_closed,
    ring_too_short,
    too_many_features,
)
from layers.importing.report import Rejected, file_error

LOGGER = logging.getLogger(__name__)
KIND_NAMES = {"gpkg": ("GeoPackage", "GeoPackage"), "shapefile": ("shapefile", "Shapefile")}
_TOO_FEW = re.compile(r"found (\d+) - must be")


def read_vector(path: Path, kind: str, name: str) -> Records:
    """The first layer of a GeoPackage or shapefile; Rejected when GDAL cannot read it."""
    label, label_zh = KIND_NAMES[kind]
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            # GDAL's warnings (measured geometries, field widths) change nothing we read.
            warnings.simplefilter("ignore")
            layers = pyogrio.list_layers(path)
            if len(layers) == 0:
                raise Rejected(
                    [
                        file_error(
                            f"{name} holds no layer: export the boundaries into it again",
                            f"{name} 中没有图层，请重新导出边界数据",
                        )
                    ]
                )
            meta, _fids, wkbs, values = pyogrio.raw.read(path, max_features=MAX_FEATURES + 1)
    except Rejected:
        raise
    except UnicodeDecodeError:
        raise Rejected(
            [
                file_error(
                    f"the attributes of {name} are not in the encoding it declares: save it "
                    "again as UTF-8 (or add a .cpg file holding the encoding, e.g. GBK)",
                    f"{name} 的属性表编码与声明不符：请另存为 UTF-8，或添加写明编码（如 GBK）的 "
                    ".cpg 文件",
                )
            ]
        ) from None
    except Exception as error:  # pyogrio raises several kinds; all mean "cannot read"
        detail = " ".join(str(error).split())[:300]
        LOGGER.info("GDAL could not read %s: %s", path, detail)
        raise Rejected(
            [
                file_error(
                    f"{name} could not be read as a {label}: it is damaged or not a {label}; "
                    f"export it again from your GIS (GDAL: {detail})",
                    f"无法读取 {name}：文件已损坏或不是 {label_zh}，请在 GIS 软件中重新导出",
                )
            ]
        ) from None
    if len(layers) > 1:
        notes.append(f"{name} has {len(layers)} layers; read the first one, '{layers[0][0]}'")
    if len(wkbs) > MAX_FEATURES:
        raise too_many_features(name)
    columns = [str(c) for c in meta["fields"]]
    columns_values = [array.tolist() for array in values]
    if kind == "shapefile" and not path.with_suffix(".cpg").exists():
        columns_values, changed = _redecoded(columns_values)
        if changed:
            notes.append(f"{name} has no .cpg file; its attributes were read as UTF-8 or GBK")
    records = []
    for index, wkb in enumerate(wkbs):
        properties = {c: column[index] for c, column in zip(columns, columns_values, strict=True)}
        geometry, problems = _decoded(wkb)
        records.append(Record(properties, geometry, problems))
    crs = None
    if meta.get("crs"):
        try:
            crs = pyproj.CRS.from_user_input(meta["crs"])
        except pyproj.exceptions.CRSError:
            notes.append(f"the coordinate system {name} declares is not understood; ignored")
    return Records(records, columns, crs, notes)


def _redecoded(columns: list[list]) -> tuple[list[list], bool]:
    """Text GDAL read as Latin-1 (a shapefile without .cpg) read again as UTF-8 or else GBK,
    which is what Chinese GIS software writes; text that is neither is left as it was."""
    changed = False

    def fixed(value):
        nonlocal changed
        if not isinstance(value, str) or value.isascii():
            return value
        try:
            raw = value.encode("latin-1")
        except UnicodeEncodeError:  # GDAL knew the encoding after all
            return value
        for encoding in ("utf-8", "gb18030"):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            changed = True
            return text
        return value

    return [[fixed(value) for value in column] for column in columns], changed


def _decoded(wkb: bytes | None) -> tuple[shapely.Geometry | None, list[tuple[str, str]]]:
    if wkb is None:
        return None, []
    try:
        with np.errstate(invalid="ignore"):  # NaN coordinates: the checks name them
            return shapely.from_wkb(wkb), []
    except GEOSException as error:
        return None, [wkb_problem(str(error))]


def wkb_problem(message: str) -> tuple[str, str]:
    """GEOS's reason a geometry cannot be built, as a sentence that says what to do."""
    if "closed linestring" in message:
        return ring_not_closed("a ring", "一个环")
    found = _TOO_FEW.search(message)
    if found:
        return ring_too_short(int(found.group(1)), "a ring", "一个环")
    return (
        f"geometry cannot be decoded ({message}): repair it in your GIS and export again",
        "几何图形无法解析：请在 GIS 软件中修复后重新导出",
    )
