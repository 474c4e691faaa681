"""How a file's coordinates become WGS84: from --crs, from the file's own system, or as-is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from layers.crs import CRS_NAMES, UnknownCRS, geometry_to_wgs84, parse_crs
from layers.importing.report import ImportReport


@dataclass
class Coordinates:
    """How the file's coordinates become WGS84 longitude/latitude."""

    label: str
    convert: Callable[[BaseGeometry], BaseGeometry]
    # "wgs84", "gcj02" or "bd09" when the raw coordinates are lon/lat in that datum: then a
    # misplaced feature can be retried in the other two to hint at the right --crs.
    datum: str | None


def coordinates_for(
    crs: str | None, file_crs: pyproj.CRS | None, report: ImportReport
) -> Coordinates:
    """--crs if given (already checked by the caller), else the file's own system, else WGS84."""
    if crs is not None:
        name = parse_crs(crs)
        if file_crs is not None and file_crs.is_projected and not _same_crs(file_crs, name):
            report.notes.append(
                f"the file declares {_crs_name(file_crs)}, but its coordinates were read as "
                f"{name} because --crs says so"
            )
        return Coordinates(
            f"{name} (from --crs)",
            lambda geom: geometry_to_wgs84(geom, name),
            name if name in CRS_NAMES else None,
        )
    if file_crs is None:
        return Coordinates(
            "wgs84 (the file names no coordinate system)", lambda geom: geom, "wgs84"
        )
    if _is_wgs84(file_crs):
        return Coordinates("wgs84 (the file's own)", lambda geom: geom, "wgs84")
    epsg = file_crs.to_epsg()
    if epsg is not None:
        try:
            name = parse_crs(f"EPSG:{epsg}")
        except UnknownCRS:
            name = None
        if name is not None:
            return Coordinates(
                f"{name} (the file's own, {file_crs.name})",
                lambda geom: geometry_to_wgs84(geom, name),
                None,
            )
    # A system without an EPSG code that layers.crs could name: convert with it directly.
    transformer = pyproj.Transformer.from_crs(file_crs, "EPSG:4326", always_xy=True)
    return Coordinates(
        f"{file_crs.name} (the file's own)", lambda geom: _transformed(geom, transformer), None
    )


def _is_wgs84(crs: pyproj.CRS) -> bool:
    # CGCS2000 is within centimetres of WGS84 (see layers.crs); GeoJSON reports OGC:CRS84.
    return any(
        crs.equals(pyproj.CRS.from_epsg(code), ignore_axis_order=True) for code in (4326, 4490)
    )


def _same_crs(file_crs: pyproj.CRS, name: str) -> bool:
    if name in CRS_NAMES:
        return name == "wgs84" and _is_wgs84(file_crs)
    return file_crs.equals(pyproj.CRS.from_user_input(name), ignore_axis_order=True)


def _crs_name(crs: pyproj.CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} ({crs.name})" if epsg else crs.name


def _transformed(geom: BaseGeometry, transformer: pyproj.Transformer) -> BaseGeometry:
    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack((np.asarray(x, dtype=float), np.asarray(y, dtype=float)))

    return shapely.transform(geom, fn)
