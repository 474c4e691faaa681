"""Coordinate-system conversions between WGS84, GCJ-02, BD-09 and EPSG systems.

Chinese web basemaps (AutoNavi/Gaode, Tencent, Google China) are drawn in GCJ-02, an
officially obfuscated datum offset by a few hundred metres from WGS84; Baidu adds a second
offset on top (BD-09). Survey data usually arrives in CGCS2000 (EPSG:4490, or a projected
system such as EPSG:4549), which this module treats as equal to WGS84: the two differ by a
few centimetres, far below what a city map can show.

The GCJ-02 and BD-09 formulas are the widely published reverse-engineered ones. The forward
GCJ-02 transform only applies inside a coarse bounding box around China; outside it,
coordinates pass through unchanged. The GCJ-02 inverse is solved by fixed-point iteration
to 1e-10 degrees rather than the common one-step approximation (which is off by metres).

All point functions take scalars or numpy arrays (broadcast against each other) and return
a ``(lon, lat)`` tuple of the broadcast shape; scalar input gives Python floats.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj.exceptions import CRSError

__all__ = [
    "CRS_NAMES",
    "UnknownCRS",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "from_wgs84_arrays",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "geodesic_distance_m",
    "geometry_from_wgs84",
    "geometry_to_wgs84",
    "offset_east_north_m",
    "parse_crs",
    "to_wgs84_arrays",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

CRS_NAMES: tuple[str, ...] = ("wgs84", "gcj02", "bd09")

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 obfuscation.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
# Baidu's constant for the BD-09 rotation/scaling.
_X_PI = math.pi * 3000.0 / 180.0

# Coarse box outside which GCJ-02 is the identity.
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)

# Fixed-point iteration controls for the GCJ-02 inverse.
_INVERSE_TOL_DEG = 1e-10
_INVERSE_MAX_ITER = 30

# EPSG codes treated as WGS84 (CGCS2000 is within centimetres of WGS84).
_WGS84_EPSG = frozenset({4326, 4490})
_EPSG_RE = re.compile(r"^epsg:(\d+)$", re.IGNORECASE)

_GEOD = pyproj.Geod(ellps="WGS84")

FloatOrArray = float | NDArray[np.float64]
_T = TypeVar("_T", bound=shapely.Geometry)


class UnknownCRS(ValueError):
    """A coordinate-system name this module cannot handle."""


# --------------------------------------------------------------------------- helpers


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Broadcast lon/lat to float64 arrays of a common shape (copies, safe to modify)."""
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)


def _out(a: NDArray[np.float64]) -> FloatOrArray:
    """Return a Python float for 0-d results, the array otherwise."""
    return float(a) if a.ndim == 0 else a


def _out_pair(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[FloatOrArray, FloatOrArray]:
    return _out(x), _out(y)


def _in_china(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
    """True where the point falls inside the coarse China box (NaN gives False)."""
    return (
        (lon >= _CHINA_LON[0])
        & (lon <= _CHINA_LON[1])
        & (lat >= _CHINA_LAT[0])
        & (lat <= _CHINA_LAT[1])
    )


def _transform_lat(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    # x, y are lon - 105 and lat - 35.
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64]:
    # x, y are lon - 105 and lat - 35.
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj02_forward(
    lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """WGS84 -> GCJ-02 on float arrays; identity outside the China box."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = np.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def _gcj02_inverse(
    lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """GCJ-02 -> WGS84 on float arrays by fixed-point iteration of the forward transform."""
    flon, flat = _gcj02_forward(lon, lat)
    wlon = lon - (flon - lon)
    wlat = lat - (flat - lat)
    for _ in range(_INVERSE_MAX_ITER):
        flon, flat = _gcj02_forward(wlon, wlat)
        elon = flon - lon
        elat = flat - lat
        # Step only the points not yet converged, so each point follows the same sequence
        # as a scalar call would (array and scalar results agree exactly). NaN never steps.
        active = np.maximum(np.abs(elon), np.abs(elat)) >= _INVERSE_TOL_DEG
        if not active.any():
            break
        wlon = np.where(active, wlon - elon, wlon)
        wlat = np.where(active, wlat - elat, wlat)
    return wlon, wlat


# --------------------------------------------------------------------------- point transforms


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatOrArray, FloatOrArray]:
    """WGS84 -> GCJ-02 (the Chinese web-map datum). Identity outside China."""
    x, y = _as_arrays(lon, lat)
    return _out_pair(*_gcj02_forward(x, y))


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatOrArray, FloatOrArray]:
    """GCJ-02 -> WGS84, an exact inverse of `wgs84_to_gcj02` (to 1e-10 degrees)."""
    x, y = _as_arrays(lon, lat)
    return _out_pair(*_gcj02_inverse(x, y))


def _bd09_forward(
    lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_inverse(
    lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatOrArray, FloatOrArray]:
    """GCJ-02 -> BD-09 (Baidu). Applied everywhere, as Baidu does."""
    x, y = _as_arrays(lon, lat)
    return _out_pair(*_bd09_forward(x, y))


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatOrArray, FloatOrArray]:
    """BD-09 -> GCJ-02 with the standard published inverse (accurate to well under 1 m)."""
    x, y = _as_arrays(lon, lat)
    return _out_pair(*_bd09_inverse(x, y))


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatOrArray, FloatOrArray]:
    """WGS84 -> BD-09, via GCJ-02."""
    x, y = _as_arrays(lon, lat)
    return _out_pair(*_bd09_forward(*_gcj02_forward(x, y)))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatOrArray, FloatOrArray]:
    """BD-09 -> WGS84, via GCJ-02."""
    x, y = _as_arrays(lon, lat)
    return _out_pair(*_gcj02_inverse(*_bd09_inverse(x, y)))


# --------------------------------------------------------------------------- names and dispatch


def parse_crs(name: str) -> str:
    """Normalise a coordinate-system name.

    Accepts "wgs84", "gcj02", "bd09" (any case) and "EPSG:<code>" for any geographic or
    projected system pyproj knows.
    EPSG:4326 and EPSG:4490 (CGCS2000) become "wgs84"; other codes become "EPSG:<code>".
    """
    text = str(name).strip()
    lowered = text.lower()
    if lowered in CRS_NAMES:
        return lowered
    match = _EPSG_RE.match(text)
    if match:
        code = int(match.group(1))
        if code in _WGS84_EPSG:
            return "wgs84"
        try:
            found = pyproj.CRS.from_user_input(f"EPSG:{code}")
        except CRSError as exc:
            raise UnknownCRS(
                f"unknown coordinate system {name!r}: EPSG:{code} is not in the EPSG database"
            ) from exc
        # Only systems with a horizontal position (lon/lat or easting/northing) can be
        # converted from two coordinates; vertical or geocentric systems cannot.
        if not (found.is_geographic or found.is_projected):
            raise UnknownCRS(
                f"unsupported coordinate system {name!r}: EPSG:{code} ({found.name}) is a "
                f"{found.type_name}, not a geographic or projected system"
            )
        return f"EPSG:{code}"
    raise UnknownCRS(
        f"unknown coordinate system {name!r}: expected one of "
        f"{', '.join(repr(n) for n in CRS_NAMES)} (any case) or 'EPSG:<code>'"
    )


@lru_cache(maxsize=32)
def _transformer_to_wgs84(code: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(code, "EPSG:4326", always_xy=True)


@lru_cache(maxsize=32)
def _transformer_from_wgs84(code: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4326", code, always_xy=True)


def _to_wgs84(
    x: NDArray[np.float64], y: NDArray[np.float64], crs: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Arrays in the already-parsed `crs` -> WGS84 arrays."""
    if crs == "wgs84":
        return x, y
    if crs == "gcj02":
        return _gcj02_inverse(x, y)
    if crs == "bd09":
        return _gcj02_inverse(*_bd09_inverse(x, y))
    lon, lat = _transformer_to_wgs84(crs).transform(x, y)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _from_wgs84(
    x: NDArray[np.float64], y: NDArray[np.float64], crs: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """WGS84 arrays -> arrays in the already-parsed `crs`."""
    if crs == "wgs84":
        return x, y
    if crs == "gcj02":
        return _gcj02_forward(x, y)
    if crs == "bd09":
        return _bd09_forward(*_gcj02_forward(x, y))
    ex, ny = _transformer_from_wgs84(crs).transform(x, y)
    return np.asarray(ex, dtype=np.float64), np.asarray(ny, dtype=np.float64)


def to_wgs84_arrays(lon: ArrayLike, lat: ArrayLike, crs: str) -> tuple[FloatOrArray, FloatOrArray]:
    """Coordinates in `crs` -> WGS84 lon/lat. For projected EPSG systems pass x (easting), y."""
    name = parse_crs(crs)
    x, y = _as_arrays(lon, lat)
    return _out_pair(*_to_wgs84(x, y, name))


def from_wgs84_arrays(
    lon: ArrayLike, lat: ArrayLike, crs: str
) -> tuple[FloatOrArray, FloatOrArray]:
    """WGS84 lon/lat -> coordinates in `crs` (x/easting, y/northing for projected systems)."""
    name = parse_crs(crs)
    x, y = _as_arrays(lon, lat)
    return _out_pair(*_from_wgs84(x, y, name))


# --------------------------------------------------------------------------- geometries


def _coords_fn(
    convert: Callable[
        [NDArray[np.float64], NDArray[np.float64]],
        tuple[NDArray[np.float64], NDArray[np.float64]],
    ],
) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """Wrap a lon/lat array converter as a shapely.transform function on (N, 2|3) arrays.

    Only the first two columns are converted; a Z column passes through untouched.
    """

    def fn(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.array(coords, dtype=np.float64, copy=True)
        if out.shape[0]:
            x, y = convert(out[:, 0], out[:, 1])
            out[:, 0] = x
            out[:, 1] = y
        return out

    return fn


def geometry_to_wgs84(geom: _T, crs: str) -> _T:
    """A shapely geometry in `crs` -> the same geometry in WGS84 (unchanged object if wgs84)."""
    name = parse_crs(crs)
    if name == "wgs84":
        return geom
    fn = _coords_fn(lambda x, y: _to_wgs84(x, y, name))
    return shapely.transform(geom, fn, include_z=None, interleaved=True)


def geometry_from_wgs84(geom: _T, crs: str) -> _T:
    """A shapely geometry in WGS84 -> the same geometry in `crs` (unchanged object if wgs84)."""
    name = parse_crs(crs)
    if name == "wgs84":
        return geom
    fn = _coords_fn(lambda x, y: _from_wgs84(x, y, name))
    return shapely.transform(geom, fn, include_z=None, interleaved=True)


# --------------------------------------------------------------------------- distances


def geodesic_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance in metres between two WGS84 points."""
    _, _, dist = _GEOD.inv(lon1, lat1, lon2, lat2)
    return float(dist)


def offset_east_north_m(lon1: float, lat1: float, lon2: float, lat2: float) -> tuple[float, float]:
    """(east, north) metres of the displacement from point 1 to point 2 on the WGS84 ellipsoid."""
    az, _, dist = _GEOD.inv(lon1, lat1, lon2, lat2)
    rad = math.radians(float(az))
    return float(dist) * math.sin(rad), float(dist) * math.cos(rad)
