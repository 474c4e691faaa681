"""The OpenAPI 3.0 document of /api/v1 and /ogc/: the core's routes, each module's (through
`register_openapi`), and the OGC API – Features routes (app/ogc/openapi.py).

Every operation gets the answers the core gives whatever the route: 401 (the login gate,
unless the route is public), 403 on a cookie session's change without its CSRF token, 413 on
a body over the cap, 503 when the database is busy.
"""

from __future__ import annotations

import copy
import importlib
import logging
import re

from app.openapi.components import DEFAULT_SECURITY, components
from app.openapi.core_paths import core_paths
from modules.sdk.openapi import error_ref

LOGGER = logging.getLogger(__name__)

OPENAPI_VERSION = "3.0.3"
API_PREFIX = "/api/v1"
CHANGES = frozenset({"post", "put", "patch", "delete"})
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
DOCUMENTED_PREFIXES = (f"{API_PREFIX}/", "/ogc")
# Marks an operation the document lists only because the app serves it (no description was
# given: a third-party module without register_openapi); tests/openapi fails on one.
UNDESCRIBED = "x-onemap-undescribed"


def openapi_path(rule: str) -> str:
    """Flask's `/storms/<storm_id>/track` (`<int:z>` too) as `/storms/{storm_id}/track`."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def served_operations(url_map) -> list[tuple[str, str, str]]:
    """(OpenAPI path, method, endpoint) of every rule served under /api/v1 and /ogc."""
    found = []
    for rule in url_map.iter_rules():
        if rule.rule.startswith(DOCUMENTED_PREFIXES):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((openapi_path(rule.rule), method.lower(), rule.endpoint))
    return found


def _undescribed(paths: dict, url_map, view_functions: dict) -> None:
    """List a served route nobody described, with what can be known of it: its path
    parameters, its view's docstring, and any answer."""
    for path, method, endpoint in served_operations(url_map):
        if method in paths.get(path, {}):
            continue
        view = view_functions.get(endpoint)
        text = " ".join(((view.__doc__ if view else "") or "").split())
        names = re.findall(r"{([^}]+)}", path)
        found = {
            "summary": text[:120] or f"{method.upper()} {path}",
            "description": "Not described by its module (no register_openapi entry).",
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in names
            ],
            "responses": {"default": {"description": "Not described."}},
            UNDESCRIBED: True,
        }
        if not names:
            del found["parameters"]
        module = path[len(API_PREFIX) + 1 :].split("/", 1)[0] if path.startswith(API_PREFIX) else ""
        found["tags"] = [module or "ogc"]
        paths.setdefault(path, {})[method] = found


def _module_paths(registry) -> tuple[dict, list[dict]]:
    """Each module's path items under /api/v1/<id>, and one tag per module."""
    titles = {info.id: info.title for info in registry.info()}
    paths: dict = {}
    tags = []
    for module, items in registry.call("register_openapi"):
        if not isinstance(items, dict):
            LOGGER.error("module %s: register_openapi returned %s", module, type(items).__name__)
            continue
        tags.append({"name": module, "description": titles.get(module, module)})
        for path, item in copy.deepcopy(items).items():
            full = f"{API_PREFIX}/{module}{path}"
            for method, found in item.items():
                if method in METHODS:
                    found.setdefault("tags", [module])
            paths[full] = item
    return paths, tags


def _ogc_fragment() -> dict:
    """The OGC API – Features routes' fragment ({"paths", "components"}), when the app has
    them."""
    try:
        ogc = importlib.import_module("app.ogc.openapi")
    except ImportError:
        return {}
    for name in ("fragment", "openapi_fragment", "document", "paths"):
        make = getattr(ogc, name, None)
        if callable(make):
            found = make()
            return found if "paths" in found else {"paths": found}
    return {}


def _with_core_answers(paths: dict) -> None:
    """Add the answers the core gives to every operation (see the module's docstring)."""
    for item in paths.values():
        for method, found in item.items():
            if method not in METHODS:
                continue
            responses = found.setdefault("responses", {})
            public = found.get("security") == []
            if not public:
                responses.setdefault("401", error_ref(401))
                if method in CHANGES:
                    responses.setdefault("403", error_ref(403))
            if method in CHANGES or "requestBody" in found:
                responses.setdefault("413", error_ref(413))
            responses.setdefault("503", error_ref(503))


def _merge_components(into: dict, extra: dict) -> None:
    for section, entries in (extra or {}).items():
        into.setdefault(section, {}).update(entries)


def build_document(registry, url_map=None, view_functions=None) -> dict:
    """The whole document for an app with these modules (and, given its `url_map`, every
    route it serves that no description names, marked UNDESCRIBED)."""
    core = core_paths()
    modules, module_tags = _module_paths(registry)
    for item in core.values():
        for found in item.values():
            found.setdefault("tags", ["core"])
    ogc = copy.deepcopy(_ogc_fragment())
    ogc_paths = ogc.get("paths", {})
    for item in ogc_paths.values():
        for method, found in item.items():
            if method in METHODS:
                found.setdefault("tags", ["ogc"])
    paths = {**core, **modules, **ogc_paths}
    if url_map is not None:
        _undescribed(paths, url_map, view_functions or {})
    _with_core_answers(paths)
    parts = components()
    _merge_components(parts, ogc.get("components", {}))
    tags = [{"name": "core", "description": "区划边界、单位、注记与瓦片"}, *module_tags]
    if ogc_paths:
        tags.append({"name": "ogc", "description": "OGC API – Features（QGIS、GDAL 等客户端）"})
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "莆田市一张图 API",
            "version": "1",
            "description": "The HTTP interfaces of OneMap: /api/v1 (the map, the modules) "
            "and /ogc/ (OGC API – Features). Every answer is limited to the jurisdiction of "
            "the user named by the Bearer token or the login session; errors are JSON "
            "`{error, message, status}` (`error_zh` where given).",
        },
        "servers": [{"url": "/"}],
        "security": DEFAULT_SECURITY,
        "tags": tags,
        "paths": dict(sorted(paths.items())),
        "components": parts,
    }
