"""The OpenAPI description of /api/v1/flood/ (routes.py, readings_api.py), for
`register_openapi`."""

from __future__ import annotations

from modules.sdk import openapi as doc

UNIT = doc.unit_param()
FEATURE_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"type": "object"}},
    },
}
LISTED = "the viewer's key points (narrowed by `unit`), audited"


def _list(key: str) -> dict:
    return {
        "type": "object",
        "properties": {key: {"type": "array", "items": {"type": "object"}}},
        "required": [key],
    }


def _export(kind: str, media_type: str, schema: dict | None = None) -> dict:
    return {
        "get": doc.operation(
            f"Download {LISTED} ({kind})",
            parameters=[UNIT],
            answers={200: doc.file_answer(f"The key points as {kind}.", media_type, schema)},
            errors=(403, 404),
        )
    }


READING = {
    "type": "object",
    "required": ["station", "time", "value"],
    "properties": {
        "station": {"type": "string", "description": "测站编码"},
        "time": {"type": "string", "format": "date-time"},
        "value": {"type": "number"},
    },
}

READINGS_ANSWER = {
    "type": "object",
    "properties": {
        "accepted": {"type": "integer"},
        "duplicate": {"type": "integer"},
        "refused": {"type": "integer"},
        "items": {"type": "array", "items": {"type": "object"}},
    },
}


def paths() -> dict:
    return {
        "/points": {
            "get": doc.operation(
                "The viewer's flood key points with their live state (GeoJSON)",
                parameters=[UNIT],
                answers={
                    200: doc.json_answer("A FeatureCollection of points.", FEATURE_COLLECTION)
                },
                errors=(403, 404),
            )
        },
        "/points.csv": _export("CSV", "text/csv"),
        "/points.xlsx": _export("XLSX", doc.XLSX),
        "/points.geojson": _export("GeoJSON", "application/geo+json", FEATURE_COLLECTION),
        "/stations": {
            "get": doc.operation(
                "The viewer's monitoring stations with thresholds, latest reading and state",
                parameters=[UNIT],
                answers={
                    200: doc.json_answer("A FeatureCollection of stations.", FEATURE_COLLECTION)
                },
                errors=(403, 404),
            )
        },
        "/campaigns": {
            "get": doc.operation(
                "Open patrol campaigns over the viewer's jurisdiction, with their progress",
                parameters=[UNIT],
                answers={200: doc.json_answer("The campaigns.", _list("campaigns"))},
                errors=(403, 404),
            )
        },
        "/campaigns/moves": {
            "get": doc.operation(
                "What a campaign opened now over `unit` would take from the open campaigns",
                parameters=[UNIT],
                answers={
                    200: doc.json_answer(
                        "Points moved, per campaign.",
                        {
                            "type": "object",
                            "properties": {
                                "points": {"type": "integer"},
                                "moves": {"type": "array", "items": {"type": "object"}},
                            },
                        },
                    )
                },
                errors=(403, 404),
            )
        },
        "/inspections": {
            "get": doc.operation(
                "The latest 500 inspections of the viewer's key points",
                parameters=[UNIT],
                answers={200: doc.json_answer("The inspections.", _list("inspections"))},
                errors=(403, 404),
            )
        },
        "/readings": {
            "post": doc.operation(
                "Readings from a device (a station's or a source's own token)",
                description="`Authorization: Bearer <station token>` (not a user's token). "
                "Each item is answered accepted, duplicate or refused with the reason; 400 "
                "when none could be stored.",
                body=doc.json_body({"type": "array", "items": READING}),
                answers={200: doc.json_answer("Counts and one outcome per item.", READINGS_ANSWER)},
                errors=(400, 401, 413),
                public=True,
            )
        },
    }
