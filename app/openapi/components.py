"""The parts of the OpenAPI document every operation shares: security schemes, the error
answer and its statuses."""

from __future__ import annotations

from modules.sdk.openapi import ERROR_STATUSES

SESSION_COOKIE = "onemap_session"

SECURITY_SCHEMES = {
    "bearerToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "API token from `onemap tokens create`: `Authorization: Bearer TOKEN`. "
        "The token reads and writes as its user, inside that user's jurisdiction.",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The login session of the browser (POST /login). A change "
        "(POST, PATCH, PUT, DELETE) made with it also needs the `X-CSRFToken` header "
        "(the `_csrf_token` cookie's value), else 403.",
    },
}

# Either scheme names the viewer; the scope is always that user's.
DEFAULT_SECURITY = [{"bearerToken": []}, {"sessionCookie": []}]

ERROR_SCHEMA = {
    "type": "object",
    "description": "A refused or failed request: `error` in English, `message` (and "
    "`error_zh` where given) in Chinese for people, `status` the HTTP status.",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "error_zh": {"type": "string"},
        "message": {"type": "string"},
        "status": {"type": "integer"},
    },
}

ERROR_TEXTS = {
    400: "Bad input (a parameter or body that cannot be used); nothing was changed.",
    401: "No credentials, or a wrong or expired token or session.",
    403: "Outside the viewer's jurisdiction, a role without the permission, or a cookie "
    "session's change without its CSRF token.",
    404: "No such unit, record or route (or one the viewer may not know of).",
    409: "Needs confirming (e.g. `confirm: N` recipients) or conflicts with the current state.",
    413: "The request body is larger than the limit.",
    415: "The body's media type is not one this route reads.",
    501: "Not available on this database (vector tiles need PostGIS).",
    503: "The database is busy or unavailable: try again (see Retry-After).",
}

assert set(ERROR_TEXTS) == set(ERROR_STATUSES)


def components() -> dict:
    """components: the error schema, one shared answer per error status, the schemes."""
    responses = {
        f"Error{status}": {
            "description": ERROR_TEXTS[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for status in ERROR_STATUSES
    }
    responses["Error503"]["headers"] = {
        "Retry-After": {
            "description": "Seconds to wait before sending the same request again.",
            "schema": {"type": "integer"},
        }
    }
    return {
        "schemas": {"Error": ERROR_SCHEMA},
        "responses": responses,
        "securitySchemes": SECURITY_SCHEMES,
    }
