"""The coordinate systems /ogc/ answers in (OGC API – Features Part 2, CRS by reference).

Features are kept in WGS84 longitude/latitude (CRS84 axis order). EPSG:4326 and EPSG:4490
(CGCS2000, treated as WGS84 as layers.crs does) are the same positions with the axes the
other way round: latitude first, as the EPSG definitions say and clients such as GDAL and
QGIS expect. EPSG:3857 is Web Mercator metres, converted with pyproj through layers.crs.
"""

from __future__ import annotations

import numpy as np
import shapely

from layers.crs import from_wgs84_arrays, to_wgs84_arrays

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
SUPPORTED: tuple[str, ...] = (CRS84, EPSG_4326, EPSG_4490, EPSG_3857)
LAT_FIRST = frozenset({EPSG_4326, EPSG_4490})
# Short spellings clients send besides the URIs (EPSG:4326, OGC:CRS84, ...).
ALIASES = {
    "crs84": CRS84,
    "ogc:crs84": CRS84,
    "urn:ogc:def:crs:ogc:1.3:crs84": CRS84,
    "http://www.opengis.net/def/crs/ogc/1.3/crs84": CRS84,
    **{
        spelling: uri
        for code, uri in (("4326", EPSG_4326), ("4490", EPSG_4490), ("3857", EPSG_3857))
        for spelling in (
            f"epsg:{code}",
            f"urn:ogc:def:crs:epsg::{code}",
            f"http://www.opengis.net/def/crs/epsg/0/{code}",
        )
    },
}


class UnsupportedCRS(ValueError):
    """A crs or bbox-crs this service does not offer."""


def parse(value: str | None) -> str:
    """The URI of a supported CRS (CRS84 when not given); UnsupportedCRS otherwise."""
    if value is None or not value.strip():
        return CRS84
    found = ALIASES.get(value.strip().strip("[]<>").lower())
    if found is None:
        raise UnsupportedCRS(value)
    return found


def _epsg(uri: str) -> str:
    return "EPSG:" + uri.rsplit("/", 1)[1]


def geometries_to(geoms: np.ndarray, uri: str) -> np.ndarray:
    """WGS84 lon/lat shapely geometries (an object array) in the CRS `uri`."""
    if uri == CRS84 or not len(geoms):
        return geoms
    if uri in LAT_FIRST:
        return shapely.transform(geoms, lambda xy: xy[:, ::-1])

    def mercator(xy: np.ndarray) -> np.ndarray:
        x, y = from_wgs84_arrays(xy[:, 0], xy[:, 1], _epsg(uri))
        return np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])

    return shapely.transform(geoms, mercator)


def bbox_to_crs84(bbox: tuple[float, float, float, float], uri: str) -> tuple[float, ...]:
    """A bbox given in `uri` (lat/lon for EPSG:4326 and 4490) as (min_lon, min_lat, max_lon,
    max_lat): a projected box by its four corners and edge midpoints."""
    a, b, c, d = bbox
    if uri == CRS84:
        return (a, b, c, d)
    if uri in LAT_FIRST:
        return (b, a, d, c)
    xs = np.array([a, c, a, c, (a + c) / 2, (a + c) / 2, a, c])
    ys = np.array([b, b, d, d, b, d, (b + d) / 2, (b + d) / 2])
    lon, lat = to_wgs84_arrays(xs, ys, _epsg(uri))
    return (float(np.min(lon)), float(np.min(lat)), float(np.max(lon)), float(np.max(lat)))


def bbox_from_crs84(bbox: tuple[float, float, float, float], uri: str) -> list[float]:
    """A CRS84 bbox in `uri`, in that CRS's axis order (for the items' `bbox` member)."""
    a, b, c, d = bbox
    if uri == CRS84:
        return [a, b, c, d]
    if uri in LAT_FIRST:
        return [b, a, d, c]
    x, y = from_wgs84_arrays(np.array([a, c]), np.array([b, d]), _epsg(uri))
    return [float(x[0]), float(y[0]), float(x[1]), float(y[1])]
