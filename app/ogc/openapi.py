"""The /ogc/ routes in the OpenAPI document (merged by app.openapi.document): paths and the
schemas they name. Kept beside app/ogc/routes.py, whose routes it describes one by one."""

from __future__ import annotations

from app.ogc import crs
from app.ogc.params import MAX_LIMIT
from layers.codes import LEVELS

GEOJSON = "application/geo+json"
HTML = {"text/html": {"schema": {"type": "string"}}}
LINK = {
    "type": "object",
    "required": ["href", "rel"],
    "properties": {
        "href": {"type": "string"},
        "rel": {"type": "string"},
        "type": {"type": "string"},
        "title": {"type": "string"},
    },
}
FEATURE = {
    "type": "object",
    "required": ["type", "geometry", "properties"],
    "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "geometry": {"type": "object", "nullable": True},
        "properties": {"type": "object", "nullable": True},
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/OgcLink"}},
    },
}
FEATURE_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"$ref": "#/components/schemas/OgcFeature"}},
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/OgcLink"}},
        "timeStamp": {"type": "string", "format": "date-time"},
        "numberMatched": {"type": "integer", "minimum": 0},
        "numberReturned": {"type": "integer", "minimum": 0},
    },
}
COLLECTION = {
    "type": "object",
    "required": ["id", "links"],
    "properties": {
        "id": {"type": "string"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "itemType": {"type": "string"},
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/OgcLink"}},
        "extent": {"type": "object"},
        "crs": {"type": "array", "items": {"type": "string"}},
        "storageCrs": {"type": "string"},
    },
}
SCHEMAS = {
    "OgcLink": LINK,
    "OgcFeature": FEATURE,
    "OgcFeatureCollection": FEATURE_COLLECTION,
    "OgcCollection": COLLECTION,
    "OgcLanding": {
        "type": "object",
        "required": ["links"],
        "properties": {
            "title": {"type": "string"},
            "description": {"type": "string"},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/OgcLink"}},
        },
    },
    "OgcConformance": {
        "type": "object",
        "required": ["conformsTo"],
        "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
    },
    "OgcCollections": {
        "type": "object",
        "required": ["links", "collections"],
        "properties": {
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/OgcLink"}},
            "collections": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/OgcCollection"},
            },
            "crs": {"type": "array", "items": {"type": "string"}},
        },
    },
    "OgcPublicLevels": {
        "type": "object",
        "required": ["levels"],
        "properties": {
            "levels": {"type": "array", "items": {"type": "string", "enum": list(LEVELS)}}
        },
    },
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(status: int) -> dict:
    return {"$ref": f"#/components/responses/Error{status}"}


def _param(name: str, description: str, schema: dict, where: str = "query", **extra) -> dict:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": schema,
        **extra,
    }


F = _param(
    "f",
    "Answer format: json (GeoJSON for features) or html; else by the Accept header.",
    {"type": "string", "enum": ["json", "html"]},
)
CID = _param(
    "cid",
    "Collection id: city, county, town, village, or a module's (e.g. flood.key_points); "
    "404 for one the reader may not read.",
    {"type": "string"},
    "path",
    example="village",
)
FID = _param(
    "fid",
    "Feature id (a level's 12-digit code; a module's own id). 403 for a unit outside the "
    "reader's jurisdiction, 404 unknown.",
    {"type": "string"},
    "path",
    example="350304100001",
)
CRS_VALUES = {"type": "string", "enum": list(crs.SUPPORTED)}
ITEMS_PARAMS = [
    _param(
        "limit",
        f"Features per page, 1 to {MAX_LIMIT} (more is served as {MAX_LIMIT}); default 10.",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 10},
    ),
    _param(
        "bbox",
        "minx,miny,maxx,maxy in bbox-crs (CRS84 lon/lat by default; EPSG:4326 and 4490 "
        "lat/lon); features that meet it.",
        {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 6},
        style="form",
        explode=False,
    ),
    _param("bbox-crs", "CRS of bbox.", CRS_VALUES),
    _param("crs", "CRS of the answer's geometries (see Content-Crs).", CRS_VALUES),
    _param(
        "datetime",
        "RFC 3339 instant or interval (a/b, ../b, a/..) for collections with time.",
        {"type": "string"},
        example="2015-09-28T00:00:00Z/..",
    ),
    _param(
        "cursor",
        "Where the page starts: as written in the previous page's `next` link.",
        {"type": "string"},
    ),
    F,
]
CONTENT_CRS = {
    "Content-Crs": {
        "description": "The CRS of the geometries, as a URI in angle brackets.",
        "schema": {"type": "string"},
    }
}


def _ok(schema: str, kind: str = "application/json", headers: dict | None = None) -> dict:
    answer = {
        "description": "OK (HTML with f=html or Accept: text/html).",
        "content": {kind: {"schema": _ref(schema)}, **HTML},
    }
    if headers:
        answer["headers"] = headers
    return answer


REDIRECT = {"description": "A browser without a login is sent to the login page."}


def _get(summary: str, ok: dict, params: list, errors=(400, 404)) -> dict:
    responses = {"200": ok, "302": REDIRECT, **{str(s): _error(s) for s in errors}}
    return {"get": {"summary": summary, "parameters": params, "responses": responses}}


def fragment() -> dict:
    """{"paths": ..., "components": {"schemas": ...}} for /ogc/."""
    items_errors = (400, 403, 404)
    paths = {
        "/ogc/": _get("Landing page (OGC API – Features)", _ok("OgcLanding"), [F], (400,)),
        "/ogc/conformance": _get("Conformance classes", _ok("OgcConformance"), [F], (400,)),
        "/ogc/collections": _get(
            "The collections the reader may read", _ok("OgcCollections"), [F], (400,)
        ),
        "/ogc/collections/{cid}": _get("One collection", _ok("OgcCollection"), [CID, F]),
        "/ogc/collections/{cid}/queryables": _get(
            "The properties items may be filtered on (`?name=value`)",
            {
                "description": "A JSON Schema of the queryables.",
                "content": {"application/schema+json": {"schema": {"type": "object"}}, **HTML},
            },
            [CID, F],
        ),
        "/ogc/collections/{cid}/items": _get(
            "Features inside the reader's jurisdiction, a page at a time (follow `next`)",
            _ok("OgcFeatureCollection", GEOJSON, CONTENT_CRS),
            [CID, *ITEMS_PARAMS],
            items_errors,
        ),
        "/ogc/collections/{cid}/items/{fid}": _get(
            "One feature",
            _ok("OgcFeature", GEOJSON, CONTENT_CRS),
            [CID, FID, _param("crs", "CRS of the geometry.", CRS_VALUES), F],
            items_errors,
        ),
        "/ogc/settings/public": {
            "get": {
                "summary": "Levels whose outlines anonymous readers may read",
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {"application/json": {"schema": _ref("OgcPublicLevels")}},
                    }
                },
            },
            "put": {
                "summary": "Set the public levels (admins; outlines of the four levels only)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("OgcPublicLevels")}},
                },
                "responses": {
                    "200": {
                        "description": "The levels now public.",
                        "content": {"application/json": {"schema": _ref("OgcPublicLevels")}},
                    },
                    "400": _error(400),
                    "403": _error(403),
                },
            },
        },
    }
    return {"paths": paths, "components": {"schemas": SCHEMAS}}
