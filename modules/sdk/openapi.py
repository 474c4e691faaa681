"""Describing a module's routes for the OpenAPI document (`register_openapi`).

A module returns `{path: {method: operation}}` with paths relative to its own prefix
(`/storms/{storm_id}/track` for `/api/v1/typhoon/storms/<storm_id>/track`); the core adds the
prefix, the tags, the security schemes and the shared error answers named here by status.
These helpers only build plain dicts: a module may write the same by hand.
"""

from __future__ import annotations

# Statuses the core documents once (components.responses) and every operation may name:
# 400 bad input, 401 no or wrong credentials, 403 outside the scope or role, 404 unknown,
# 409 needs confirming or conflicts, 413 too large, 501 not on this database, 503 busy.
ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 415, 501, 503)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A division code as the API takes it: 12 digits, or the significant prefix (3503, 350304).
DIVISION_CODE = {"type": "string", "pattern": "^[0-9]{4,12}$"}


def error_ref(status: int) -> dict:
    """The shared answer for an error status (JSON {error, error_zh?, message, status})."""
    if status not in ERROR_STATUSES:
        raise ValueError(f"no shared answer for {status}")
    return {"$ref": f"#/components/responses/Error{status}"}


def param(
    name: str,
    description: str,
    *,
    where: str = "query",
    schema: dict | None = None,
    required: bool | None = None,
    example=None,
) -> dict:
    """One parameter: in the query (optional unless `required`) or the path (required)."""
    found = {
        "name": name,
        "in": where,
        "description": description,
        "required": where == "path" if required is None else required,
        "schema": schema or {"type": "string"},
    }
    if example is not None:
        found["example"] = example
    return found


def unit_param(description: str = "") -> dict:
    """`?unit=CODE`: narrows the answer to one unit of the viewer's (403 outside, 404
    unknown), as the routes of every module name it."""
    text = description or "区划代码（12 位或其有效前缀），只看该单位；辖区外 403，不存在 404"
    return param("unit", text, schema=DIVISION_CODE, example="350304100000")


def json_body(schema: dict, description: str = "", required: bool = True) -> dict:
    """A JSON request body."""
    return {
        "required": required,
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


def form_body(fields: dict, required_fields: list[str], description: str = "") -> dict:
    """A multipart form (a file upload): `fields` maps a name to its JSON schema; a file is
    `{"type": "string", "format": "binary"}`."""
    schema = {"type": "object", "properties": fields, "required": required_fields}
    return {
        "required": True,
        "description": description,
        "content": {"multipart/form-data": {"schema": schema}},
    }


def json_answer(description: str, schema: dict | None = None) -> dict:
    """A JSON answer (`schema` by default: any object)."""
    return {
        "description": description,
        "content": {"application/json": {"schema": schema or {"type": "object"}}},
    }


def file_answer(description: str, media_type: str, schema: dict | None = None) -> dict:
    """A download or another body that is not JSON (CSV, XLSX, GeoJSON, HTML, a tile)."""
    return {
        "description": description,
        "content": {media_type: {"schema": schema or {"type": "string", "format": "binary"}}},
    }


def operation(
    summary: str,
    *,
    description: str = "",
    parameters: list[dict] | tuple = (),
    body: dict | None = None,
    answers: dict | None = None,
    errors: tuple[int, ...] | list[int] = (),
    public: bool = False,
) -> dict:
    """One operation: `answers` maps a success status to its answer (`json_answer`,
    `file_answer`), `errors` lists the shared error statuses it may give besides those the
    core adds to every operation (401 unless `public`, 503)."""
    found: dict = {"summary": summary}
    if description:
        found["description"] = description
    if parameters:
        found["parameters"] = list(parameters)
    if body is not None:
        found["requestBody"] = body
    responses = {str(status): answer for status, answer in (answers or {}).items()}
    for status in errors:
        responses[str(status)] = error_ref(status)
    found["responses"] = responses
    if public:
        found["security"] = []
    return found
