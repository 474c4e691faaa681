"""The four levels (市, 区县, 镇街, 村居) as collections: outlines and names from `divisions`.

Paged by key: a page is "the next `limit` codes after the cursor" in code order, one indexed
range query (the primary key), so the 100,000th feature costs what the first does and no
page holds more than `limit` rows. A bbox is an exact intersection in SQL on PostGIS; on
SQLite the bounding-box columns prefilter and shapely decides, batch by batch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import shapely
from sqlalchemy import ColumnElement, LargeBinary, func, select, true, type_coerce
from sqlalchemy.orm import Session

from access.viewer import Forbidden, NotFound, Viewer
from layers import codes
from modules.sdk import CollectionSpec, FeaturePage, FeatureQuery
from store.engine import dialect_name
from store.geometry import POSTGRESQL, intersects_bbox_clause
from store.models import Division

DESCRIPTIONS = {
    "city": "莆田市市界",
    "county": "莆田市各区县（含管委会）界线",
    "town": "莆田市各镇街界线",
    "village": "莆田市各村居（社区）界线",
}
QUERYABLES = (
    ("code", "string", "区划代码（12位）"),
    ("name", "string", "名称"),
    ("parent_code", "string", "上级区划代码"),
    ("geometry_source", "string", "边界来源（real 实测 / generated 生成 / imported 导入）"),
)
COLUMNS = (
    Division.code,
    Division.name,
    Division.level,
    Division.parent_code,
    Division.area_km2,
    Division.geometry_source,
)


def _wkb(dialect: str):
    """The outline as plain WKB bytes, read into shapely a page at a time (one vectorised
    call, not one object per row through the column type)."""
    if dialect == POSTGRESQL:
        return func.ST_AsBinary(Division.geom).label("wkb")
    return type_coerce(Division.geom, LargeBinary).label("wkb")


POLYGON_TYPE = 3  # shapely.get_type_id of a Polygon
# SQLite filters a bbox in Python: rows read per round while filling a page.
SQLITE_BATCH = 500


def _geometries(rows) -> np.ndarray:
    """The rows' outlines, each a MultiPolygon: one geometry type for the whole collection,
    as GIS layers want (a single polygon is a MultiPolygon of one)."""
    geoms = shapely.from_wkb([bytes(row.wkb) for row in rows])
    single = shapely.get_type_id(geoms) == POLYGON_TYPE
    if single.any():
        parts = geoms[single]
        geoms[single] = shapely.multipolygons(parts, indices=np.arange(len(parts)))
    return geoms


def _features(rows, geoms: np.ndarray | None = None) -> list[dict]:
    if geoms is None:
        geoms = _geometries(rows) if rows else np.array([], dtype=object)
    label = codes.LEVEL_LABELS
    return [
        {
            "id": row.code,
            "geometry": geom,  # shapely, WGS84: app.ogc.geojson writes it in the asked CRS
            "properties": {
                "code": row.code,
                "name": row.name,
                "level": row.level,
                "level_label": label[row.level],
                "parent_code": row.parent_code,
                "area_km2": round(row.area_km2, 3),
                "geometry_source": row.geometry_source,
            },
        }
        for row, geom in zip(rows, geoms, strict=True)
    ]


def _one(session: Session, level: str, viewer: Viewer | None, fid: str) -> FeaturePage:
    """One unit by code: 404 unknown (or of another level), 403 outside the scope."""
    try:
        code = codes.DivisionCode.parse(fid)
    except codes.InvalidCode:
        raise NotFound(f"no feature {fid!r}", fid) from None
    if code.level != level or len(fid) != 12:
        raise NotFound(f"no {level} {fid!r}", fid)
    columns = (*COLUMNS, _wkb(dialect_name(session)))
    row = session.execute(select(*columns).where(Division.code == code)).first()
    if row is None:
        raise NotFound(f"no {level} {fid!r}", fid)
    if viewer is not None and not viewer.covers(code):
        raise Forbidden(f"division {code} is outside the viewer's scope", code)
    return FeaturePage(_features([row]))


def _statement(
    level: str, scope: ColumnElement[bool], query: FeatureQuery, exact_bbox, dialect: str
):
    statement = (
        select(*COLUMNS, _wkb(dialect))
        .where(Division.level == level, scope)
        .order_by(Division.code)
    )
    for name, value in query.filters.items():
        statement = statement.where(getattr(Division, name) == value)
    if query.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = query.bbox
        statement = statement.where(
            Division.min_lon <= max_lon,
            Division.max_lon >= min_lon,
            Division.min_lat <= max_lat,
            Division.max_lat >= min_lat,
        )
        if exact_bbox is not None:
            statement = statement.where(exact_bbox)
    return statement


def _cursor(text: str | None) -> str:
    if text is None:
        return ""
    if not (len(text) == 12 and text.isdigit()):
        raise ValueError(f"bad cursor {text!r}")
    return text


def page(session: Session, level: str, viewer: Viewer | None, query: FeatureQuery) -> FeaturePage:
    """A page of `level` inside the viewer's scope (every unit when `viewer` is None: a
    collection an admin made public)."""
    scope = viewer.code_filter(Division.code) if viewer is not None else true()
    if query.fid is not None:
        return _one(session, level, viewer, query.fid)
    after = _cursor(query.cursor)
    dialect = dialect_name(session)
    exact = None
    if query.bbox is not None:
        exact = intersects_bbox_clause(Division.geom, query.bbox, dialect)
    statement = _statement(level, scope, query, exact, dialect)
    wanted = query.limit + 1  # one more than asked: is there a next page?
    if query.bbox is None or exact is not None:
        rows = session.execute(statement.where(Division.code > after).limit(wanted)).all()
        geoms = _geometries(rows) if rows else np.array([], dtype=object)
    else:
        box = shapely.box(*query.bbox)
        batch_size = max(SQLITE_BATCH, wanted)
        rows, kept = [], []
        while len(rows) < wanted:
            batch = session.execute(statement.where(Division.code > after).limit(batch_size)).all()
            if not batch:
                break
            shapes = _geometries(batch)
            hits = shapely.intersects(shapes, box)
            rows.extend(row for row, hit in zip(batch, hits, strict=True) if hit)
            kept.extend(shapes[hits])
            after = batch[-1].code
            if len(batch) < batch_size:
                break
        rows, geoms = rows[:wanted], np.array(kept[:wanted], dtype=object)
    more = len(rows) > query.limit
    rows, geoms = rows[: query.limit], geoms[: query.limit]
    return FeaturePage(_features(rows, geoms), rows[-1].code if more else None)


def level_collection(level: str, viewer: Viewer | None) -> CollectionSpec:
    """The collection of one level, paged inside `viewer`'s scope (None: public, whole)."""

    def items(session: Session, viewer_asking, query: FeatureQuery) -> FeaturePage:
        return page(session, level, viewer, query)

    return CollectionSpec(
        id=level,
        title=f"{codes.LEVEL_LABELS[level]}界线",
        description=DESCRIPTIONS[level],
        geometry_type="MultiPolygon",
        items=items,
        queryables=QUERYABLES,
        order=codes.LEVELS.index(level),
    )


def level_collections(viewer: Viewer | None, only: Callable[[str], bool] = lambda _: True):
    return [level_collection(level, viewer) for level in codes.LEVELS if only(level)]
