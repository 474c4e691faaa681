"""The OpenAPI description of /api/v1/typhoon/ (routes.py), for `register_openapi`."""

from __future__ import annotations

from modules.sdk import openapi as doc
from modules.typhoon.parsers import FORMATS

STORM_ID = doc.param("storm_id", "台风编号（如 1521）", where="path", example="1521")
UNIT = doc.unit_param()
TIME = doc.param(
    "time",
    "时刻（ISO 8601，如 2015-09-28T06:00:00Z）；默认为路径第一个时刻",
    schema={"type": "string", "format": "date-time"},
)

STORM = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "name_zh": {"type": "string", "nullable": True},
        "name_en": {"type": "string", "nullable": True},
        "season": {"type": "integer", "nullable": True},
        "has_radii": {"type": "boolean"},
        "start": {"type": "string", "nullable": True},
        "end": {"type": "string", "nullable": True},
        "forecasts": {"type": "integer"},
        "source": {"type": "string", "nullable": True},
        "radii_note": {"type": "string", "nullable": True},
    },
}

IMPORTED = {
    "type": "object",
    "properties": {
        "imported": {"type": "array", "items": {"type": "string"}},
        "unchanged": {"type": "array", "items": {"type": "string"}},
        "message": {"type": "string"},
        "message_en": {"type": "string"},
    },
}

EXPOSURE_LEVELS = "units and sites inside the viewer's jurisdiction within the wind circles"


def paths() -> dict:
    return {**storm_paths(), **advisory_paths()}


def storm_paths() -> dict:
    return {
        "/storms": {
            "get": doc.operation(
                "The stored storms (public meteorology)",
                parameters=[UNIT],
                answers={
                    200: doc.json_answer(
                        "The storms.",
                        {
                            "type": "object",
                            "properties": {"storms": {"type": "array", "items": STORM}},
                        },
                    )
                },
                errors=(403, 404),
            )
        },
        "/storms/{storm_id}/track": {
            "get": doc.operation(
                "A storm's track, forecasts and wind circles (GeoJSON)",
                parameters=[STORM_ID, UNIT],
                answers={200: doc.json_answer("A FeatureCollection of the track.")},
                errors=(403, 404),
            )
        },
        "/storms/{storm_id}/exposure": {
            "get": doc.operation(
                "Units and sites inside the storm's wind circles at one time",
                description=f"Per level, the {EXPOSURE_LEVELS}, each with the intervals over "
                "the whole storm.",
                parameters=[STORM_ID, UNIT, TIME],
                answers={200: doc.json_answer("Exposure per level at `time`.")},
                errors=(400, 403, 404),
            )
        },
        "/storms/{storm_id}/exposure.csv": {
            "get": doc.operation(
                "The storm's exposure timeline as CSV (audited)",
                parameters=[STORM_ID, UNIT],
                answers={200: doc.file_answer("CSV, UTF-8.", "text/csv")},
                errors=(403, 404),
            )
        },
        "/storms/{storm_id}/exposure.xlsx": {
            "get": doc.operation(
                "The storm's exposure timeline as an XLSX workbook (audited)",
                parameters=[STORM_ID, UNIT],
                answers={200: doc.file_answer("XLSX workbook.", doc.XLSX)},
                errors=(403, 404),
            )
        },
        "/storms/{storm_id}/publish": {
            "post": doc.operation(
                "Publish the storm's exposure to the other modules (consultation, SMS)",
                description="Needs the consult permission; 409 when the storm has no wind radii.",
                parameters=[
                    STORM_ID,
                    doc.param(
                        "replay_at",
                        "演练时刻（ISO 8601）：按该时刻回放发布",
                        schema={"type": "string", "format": "date-time"},
                    ),
                ],
                answers={
                    200: doc.json_answer(
                        "Published: how many sites and units are exposed.",
                        {
                            "type": "object",
                            "properties": {
                                "published": {"type": "boolean"},
                                "sites": {"type": "integer"},
                                "units": {"type": "integer"},
                            },
                        },
                    )
                },
                errors=(400, 403, 404, 409),
            )
        },
        "/import": {
            "post": doc.operation(
                "Import a storm track or a forecast file (admins)",
                description="All or nothing; a refused file answers with the problems per "
                "line (`problems`: {line, error, error_zh}).",
                body=doc.form_body(
                    {
                        "file": {"type": "string", "format": "binary"},
                        "format": {"type": "string", "enum": list(FORMATS)},
                        "storm": {"type": "string", "description": "台风编号（可选）"},
                    },
                    ["file", "format"],
                ),
                answers={200: doc.json_answer("What was imported.", IMPORTED)},
                errors=(400, 403, 413),
            )
        },
    }


RADII = {
    "type": "object",
    "description": "各象限半径（公里）",
    "properties": {q: {"type": "number", "minimum": 0} for q in ("ne", "se", "sw", "nw")},
}


def advisory_paths() -> dict:
    """Manual corrections of the advisory in force (人工订正)."""
    return {
        "/storms/{storm_id}/advisory/radii": {
            "post": doc.operation(
                "Correct one wind level's radii of the advisory in force (coordinators)",
                description="Audited; 409 when the storm has no advisory in force.",
                parameters=[STORM_ID],
                body=doc.json_body(
                    {
                        "type": "object",
                        "required": ["level", "radii"],
                        "properties": {
                            "level": {"type": "integer", "description": "风圈等级（7、10、12 级）"},
                            "radii": RADII,
                            "agency": {"type": "string"},
                            "time": {"type": "string", "format": "date-time"},
                        },
                    }
                ),
                answers={200: doc.json_answer("The correction, before and after.")},
                errors=(400, 403, 404, 409),
            )
        }
    }
