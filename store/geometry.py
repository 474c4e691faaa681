"""The portable geometry column, and the one place where SQLite and PostGIS differ on it.

Python sees shapely geometries in WGS84 longitude/latitude (EPSG:4326) on both engines:
- PostgreSQL: a PostGIS `geometry(GEOMETRY, 4326)` column through GeoAlchemy2, so GiST
  indexes and ST_ functions work on it;
- SQLite: the same geometry as WKB in a BLOB, so no SpatiaLite is needed; spatial filters
  there are a bounding-box prefilter on plain indexed columns followed by shapely.
"""

from __future__ import annotations

import logging
from typing import Any

import shapely
from geoalchemy2 import Geometry as PostGISGeometry
from geoalchemy2.elements import WKBElement
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, LargeBinary, func
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

LOGGER = logging.getLogger(__name__)

SRID = 4326
POSTGRESQL = "postgresql"

BBox = tuple[float, float, float, float]
"""(min_lon, min_lat, max_lon, max_lat) in WGS84 degrees."""


class Geometry(TypeDecorator[BaseGeometry]):
    """A shapely geometry column: PostGIS geometry(GEOMETRY, 4326) or WKB in a BLOB."""

    impl = LargeBinary
    cache_ok = True
    # Read by GeoAlchemy2's create-table hooks: the migration creates the GiST index itself,
    # under our naming convention.
    spatial_index = False

    def load_dialect_impl(self, dialect: Dialect | None) -> TypeEngine[Any]:
        # GeoAlchemy2's DDL hooks probe this without a dialect (asking "is it a raster?").
        if dialect is not None and dialect.name == POSTGRESQL:
            return dialect.type_descriptor(
                PostGISGeometry(geometry_type="GEOMETRY", srid=SRID, spatial_index=False)
            )
        return LargeBinary() if dialect is None else dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, BaseGeometry):
            raise TypeError(f"expected a shapely geometry, got {type(value).__name__}")
        if dialect.name == POSTGRESQL:
            # Extended WKB carries the SRID and is binary-exact, unlike a WKT round trip.
            ewkb = shapely.to_wkb(shapely.set_srid(value, SRID), include_srid=True)
            return WKBElement(ewkb, srid=SRID, extended=True)
        return shapely.to_wkb(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseGeometry | None:
        if value is None:
            return None
        data = value.data if isinstance(value, WKBElement) else value
        if isinstance(data, memoryview):
            data = data.tobytes()
        # Drop the SRID so a geometry reads back identical from either engine.
        return shapely.set_srid(shapely.from_wkb(data), 0)


def intersects_bbox_clause(column: Any, bbox: BBox, dialect: str) -> ColumnElement[bool] | None:
    """An exact "geometry intersects bbox" SQL condition, or None where SQL cannot say it.

    PostGIS tests the real geometry (using the GiST index). On SQLite it returns None: the
    caller keeps its bounding-box prefilter and finishes with `intersects_bbox` in Python.
    """
    if dialect != POSTGRESQL:
        return None
    min_lon, min_lat, max_lon, max_lat = bbox
    envelope = func.ST_MakeEnvelope(min_lon, min_lat, max_lon, max_lat, SRID)
    return func.ST_Intersects(column, envelope)


def intersects_bbox(geometries: list[BaseGeometry], bbox: BBox) -> list[bool]:
    """Exact, vectorised shapely test, with the same semantics as PostGIS ST_Intersects."""
    if not geometries:
        return []
    return shapely.intersects(geometries, shapely.box(*bbox)).tolist()
