"""The core's own routes under /api/v1 (app/api.py, app/tiles.py, app/basemap_routes.py)."""

from __future__ import annotations

from app.topo import MIMETYPE as TOPO_MEDIA_TYPE
from layers.codes import LEVELS
from layers.display import DETAILS, DISPLAY_CRS
from layers.tiles import MEDIA_TYPE as TILE_MEDIA_TYPE
from modules.sdk.openapi import DIVISION_CODE, file_answer, json_answer, operation, param

FEATURE_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"type": "object"}},
    },
}

NULLABLE_STRING = {"type": "string", "nullable": True}

DIVISION = {
    "type": "object",
    "required": ["code", "name", "level"],
    "properties": {
        "code": {"type": "string", "description": "12 位区划代码"},
        "name": {"type": "string"},
        "level": {"type": "string", "enum": list(LEVELS)},
        "level_label": {"type": "string"},
        "parent_code": NULLABLE_STRING,
        "parent_name": NULLABLE_STRING,
        "ancestors": {"type": "array", "items": {"type": "object"}},
        "children_count": {"type": "integer"},
        "children_level": NULLABLE_STRING,
        "bbox": {"type": "array", "items": {"type": "number"}},
        "label_point": {"type": "array", "items": {"type": "number", "nullable": True}},
    },
}

LEVEL = param(
    "level",
    "层级：city 市、county 区县、town 镇街、village 村居",
    where="path",
    schema={"type": "string", "enum": list(LEVELS)},
)
PARENT = param(
    "parent",
    "只看该单位的下级（区划代码）；辖区外 403，不存在 404，格式错误 400",
    schema=DIVISION_CODE,
    example="350304100000",
)
DISPLAY = param(
    "crs", "坐标系：wgs84（默认）或 gcj02", schema={"type": "string", "enum": list(DISPLAY_CRS)}
)
VERSION = param(
    "v",
    "The map's cache token for this viewer: a URL carrying the current one is cached for "
    "good (`immutable`), any other is revalidated.",
)
NOT_MODIFIED = {"description": "Unchanged since the ETag sent in If-None-Match."}
GEOJSON = "application/geo+json"


def _layer_operation(summary: str, answer: dict) -> dict:
    return operation(
        summary,
        description="Units of `level` the viewer may see; gzip when accepted, an ETag bound "
        "to the boundaries' version. Every read is audited.",
        parameters=[
            LEVEL,
            PARENT,
            DISPLAY,
            param(
                "detail",
                "精度：full（默认）或 overview（简化）",
                schema={"type": "string", "enum": list(DETAILS)},
            ),
            param(
                "as",
                "polygons（默认，面）或 lines（边界线）",
                schema={"type": "string", "enum": ["polygons", "lines"]},
            ),
            VERSION,
        ],
        answers={200: answer, 304: NOT_MODIFIED},
        errors=(400, 403, 404),
    )


def core_paths() -> dict:
    """Path items of the core's /api/v1 routes, keyed by their full path."""
    return {
        "/api/v1/layers/{level}.geojson": {
            "get": _layer_operation(
                "Boundaries of one level inside the viewer's jurisdiction (GeoJSON)",
                file_answer("The units as a FeatureCollection.", GEOJSON, FEATURE_COLLECTION),
            )
        },
        "/api/v1/layers/{level}.topo": {
            "get": _layer_operation(
                "The same boundaries packed as TopoJSON (what the map page reads)",
                file_answer(
                    "TopoJSON on a grid: each shared edge once, quantised, delta-encoded; "
                    "decoded in the page into the GeoJSON route's features.",
                    TOPO_MEDIA_TYPE,
                ),
            )
        },
        "/api/v1/divisions/{code}": {
            "get": operation(
                "One unit's profile",
                description="Name, level, parent, children count, bbox and label point; the "
                "ancestors and parent only where they lie inside the viewer's jurisdiction.",
                parameters=[
                    param(
                        "code",
                        "区划代码（12 位或其有效前缀）",
                        where="path",
                        schema=DIVISION_CODE,
                        example="350304100000",
                    ),
                ],
                answers={200: json_answer("The unit.", DIVISION)},
                errors=(400, 403, 404),
            )
        },
        "/api/v1/labels/{level}.geojson": {
            "get": operation(
                "Label points of one level's units (GeoJSON points with names)",
                parameters=[LEVEL, PARENT, DISPLAY, VERSION],
                answers={
                    200: file_answer(
                        "One point per unit, with its name.", GEOJSON, FEATURE_COLLECTION
                    ),
                    304: NOT_MODIFIED,
                },
                errors=(400, 403, 404),
            )
        },
        "/api/v1/tiles/{level}/{z}/{x}/{y}.mvt": {
            "get": operation(
                "A vector tile of one level's boundaries (Mapbox Vector Tile)",
                description="Only units inside the viewer's jurisdiction (an empty tile where "
                "none lie). PostGIS only: 501 on SQLite.",
                parameters=[
                    LEVEL,
                    param(
                        "z",
                        "缩放级别",
                        where="path",
                        schema={"type": "integer", "minimum": 0, "maximum": 24},
                    ),
                    param("x", "瓦片列号", where="path", schema={"type": "integer", "minimum": 0}),
                    param("y", "瓦片行号", where="path", schema={"type": "integer", "minimum": 0}),
                    PARENT,
                ],
                answers={
                    200: file_answer("The tile (gzip when accepted).", TILE_MEDIA_TYPE),
                    304: NOT_MODIFIED,
                },
                errors=(403, 404, 501),
            )
        },
    }
