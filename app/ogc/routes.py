"""The /ogc/ routes: OGC API – Features Part 1 (Core) and Part 2 (CRS by reference).

Each route reads as its viewer (a Bearer token or the login session, as /api/v1): only
units and features inside the viewer's scope; 401 without credentials (unless an admin made
a level public), 403 for a unit outside the scope, 404 for what does not exist, 400 for a
bad parameter; every read by a user is audited. JSON (GeoJSON for features) by default,
HTML with `f=html` or a browser's `Accept: text/html`.
"""

from __future__ import annotations

import hmac
import json
from html import escape
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, request, session

from access import audit
from access.scoped import home
from access.viewer import Forbidden, NotFound
from app.auth import bearer, client_address, current_viewer
from app.context import current
from app.ogc import catalogue, crs, geojson, html
from app.ogc.params import BadParameter, answer_crs, items_request
from app.ogc.public import public_levels, set_public_levels
from layers.codes import LEVELS
from modules.sdk import CollectionSpec, FeatureQuery

GEOJSON = "application/geo+json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]
# Putian city, for an anonymous reader's extent (a viewer's is their scope's).
CITY_BBOX = [118.45, 24.95, 119.65, 25.80]
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
# Endpoints an anonymous request may reach once some level is public.
OPEN_ENDPOINTS = frozenset({"landing", "conformance", "collections"})
# A property naming a division code: the core drops a module's feature outside the scope.
UNIT_PROPERTIES = ("unit", "village_code")


def _browser() -> bool:
    """A person's browser (it asks for HTML first): errors as a page, not JSON."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > 0


def _error(status: int, message: str, message_zh: str, headers: dict | None = None):
    if _browser():
        response = html.page(
            f"出错了（{status}）", f'<p role="alert">{escape(message_zh)}</p>', status
        )
    else:
        response = Response(
            json.dumps(
                {"error": message, "error_zh": message_zh, "message": message_zh, "status": status},
                ensure_ascii=False,
            ),
            status=status,
            mimetype="application/json",
        )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _wants_html(check: bool = True) -> bool:
    wanted = request.args.get("f")
    if wanted:
        if wanted == "html":
            return True
        if wanted in ("json", "geojson") or not check:
            return False
        raise BadParameter(
            f"f must be json or html, got {wanted!r}", f"f 须为 json 或 html：{wanted}"
        )
    best = request.accept_mimetypes.best_match(
        ["application/json", GEOJSON, "text/html"], default="application/json"
    )
    return best == "text/html"


def _base() -> str:
    return request.host_url.rstrip("/") + "/ogc"


def _url(path: str, **args) -> str:
    query = urlencode({k: v for k, v in args.items() if v is not None})
    return f"{_base()}{path}" + (f"?{query}" if query else "")


def _here(**changes) -> str:
    """This request's URL with some parameters changed (None removes one)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in changes]
    args += [(k, v) for k, v in changes.items() if v is not None]
    return f"{_base()}{request.path[len('/ogc') :]}" + (f"?{urlencode(args)}" if args else "")


def _json(body, mimetype: str = "application/json") -> Response:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return Response(text, mimetype=mimetype)


def _self_links(kind: str = "application/json", title_zh: str = "") -> list[dict]:
    return [
        {"rel": "self", "type": kind, "title": title_zh or "本文档", "href": _here(f=None)},
        {"rel": "alternate", "type": "text/html", "title": "网页", "href": _here(f="html")},
    ]


# --- the gate and the audit -----------------------------------------------------------------


def _gate():
    """Before every /ogc/ request: a viewer with `read`, or an anonymous request for what an
    admin made public; 401 (a browser goes to the login page) otherwise."""
    viewer = current_viewer()
    if not viewer.is_anonymous:
        if not viewer.can("read"):
            return _error(403, "read permission needed", "您无权读取数据。")
        return None
    if request.method == "GET":
        with current().sessions() as db:
            public = public_levels(db)
        endpoint = (request.endpoint or "").rsplit(".", 1)[-1]
        cid = (request.view_args or {}).get("cid")
        if public and (endpoint in OPEN_ENDPOINTS or cid in public):
            return None
        if _wants_html(check=False):
            return redirect(f"/login?next={request.full_path.rstrip('?')}")
    return _error(
        401,
        "authentication required: send Authorization: Bearer <token> or log in",
        "请先登录或在请求头中提供访问令牌（Authorization: Bearer 令牌）。",
        {"WWW-Authenticate": 'Bearer realm="onemap"'},
    )


def _audit(response: Response) -> Response:
    viewer = current_viewer()
    if viewer.is_anonymous:
        return response
    with current().sessions() as db, db.begin():
        audit.record(
            db,
            "api.read" if response.status_code < 400 else "access.denied",
            viewer,
            target=request.full_path.rstrip("?"),
            outcome=str(response.status_code),
            address=client_address(),
        )
    return response


# --- landing, conformance, collections ------------------------------------------------------


def landing():
    if _wants_html():
        return html.landing(_base(), _here(f="json"))
    return _json(
        {
            "title": "莆田市一张图 · 开放数据接口",
            "description": (
                "各级区划界线与各业务模块图层（OGC API – Features），仅含读者辖区内的数据"
            ),
            "links": [
                *_self_links(),
                {
                    "rel": "service-desc",
                    "type": "application/vnd.oai.openapi+json;version=3.0",
                    "title": "OpenAPI 文档",
                    "href": request.host_url.rstrip("/") + "/api/openapi.json",
                },
                {
                    "rel": "conformance",
                    "type": "application/json",
                    "title": "符合的标准类",
                    "href": _url("/conformance"),
                },
                {
                    "rel": "data",
                    "type": "application/json",
                    "title": "图层列表",
                    "href": _url("/collections"),
                },
            ],
        }
    )


def conformance():
    if _wants_html():
        return html.conformance(CONFORMANCE, _here(f="json"))
    return _json({"conformsTo": CONFORMANCE})


def _extent(db) -> list[float]:
    viewer = current_viewer()
    if viewer.is_anonymous:
        return CITY_BBOX
    found = home(db, viewer)
    return [round(v, 6) for v in found["bbox"]] if found else CITY_BBOX


def _describe(spec: CollectionSpec, bbox: list[float]) -> dict:
    path = f"/collections/{spec.id}"
    extent: dict = {"spatial": {"bbox": [bbox], "crs": crs.CRS84}}
    if spec.time_field:
        extent["temporal"] = {"interval": [[None, None]], "trs": GREGORIAN}
    return {
        "id": spec.id,
        "title": spec.title,
        "description": spec.description,
        "itemType": "feature",
        "extent": extent,
        "crs": list(crs.SUPPORTED),
        "storageCrs": crs.CRS84,
        "links": [
            {"rel": "self", "type": "application/json", "title": spec.title, "href": _url(path)},
            {
                "rel": "alternate",
                "type": "text/html",
                "title": "网页",
                "href": _url(path, f="html"),
            },
            {"rel": "items", "type": GEOJSON, "title": "要素", "href": _url(path + "/items")},
            {
                "rel": "items",
                "type": "text/html",
                "title": "要素（网页）",
                "href": _url(path + "/items", f="html"),
            },
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "type": "application/schema+json",
                "title": "可筛选字段",
                "href": _url(path + "/queryables"),
            },
        ],
    }


def collections():
    with current().sessions() as db:
        listed = catalogue.collections(db, current_viewer())
        bbox = _extent(db)
    described = [_describe(spec, bbox) for spec in listed.values()]
    if _wants_html():
        rows = [
            {
                "id": spec.id,
                "title": spec.title,
                "description": spec.description,
                "html": _url(f"/collections/{spec.id}", f="html"),
                "items_html": _url(f"/collections/{spec.id}/items", f="html"),
            }
            for spec in listed.values()
        ]
        return html.collections(rows, _here(f="json"))
    return _json({"links": _self_links(), "collections": described, "crs": list(crs.SUPPORTED)})


def _spec(db, cid: str) -> CollectionSpec:
    spec = catalogue.collections(db, current_viewer()).get(cid)
    if spec is None:
        raise NotFound(f"no collection {cid!r}", cid)
    return spec


def collection(cid: str):
    with current().sessions() as db:
        spec = _spec(db, cid)
        described = _describe(spec, _extent(db))
    if _wants_html():
        path = f"/collections/{cid}"
        return html.collection(
            {
                "id": spec.id,
                "title": spec.title,
                "description": spec.description,
                "geometry_type": spec.geometry_type,
                "time_field": spec.time_field,
                "queryables": [name for name, _, _ in spec.queryables],
                "crs": crs.SUPPORTED,
                "items_html": _url(path + "/items", f="html"),
                "items_json": _url(path + "/items"),
                "queryables_html": _url(path + "/queryables", f="html"),
            },
            _here(f="json"),
        )
    return _json(described)


def queryables(cid: str):
    with current().sessions() as db:
        spec = _spec(db, cid)
    properties = {name: {"type": kind, "title": title} for name, kind, title in spec.queryables}
    properties["geometry"] = {"format": f"geometry-{spec.geometry_type.lower()}", "title": "几何"}
    if spec.time_field and spec.time_field not in properties:
        properties[spec.time_field] = {"type": "string", "format": "date-time", "title": "时间"}
    schema = {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": _url(f"/collections/{cid}/queryables"),
        "type": "object",
        "title": spec.title,
        "properties": properties,
        "additionalProperties": False,
    }
    if _wants_html():
        return html.queryables(spec.title, schema, _here(f="json"))
    return _json(schema, "application/schema+json")


# --- items ----------------------------------------------------------------------------------


def _inside(features: list[dict]) -> list[dict]:
    """Defence in depth: a module's feature naming a unit outside the scope is dropped."""
    viewer = current_viewer()
    if viewer.is_anonymous:
        return features
    kept = []
    for feature in features:
        properties = feature.get("properties") or {}
        units = [properties[key] for key in UNIT_PROPERTIES if properties.get(key)]
        if all(viewer.covers(str(unit)) for unit in units):
            kept.append(feature)
    return kept


def _page(spec: CollectionSpec, db, query: FeatureQuery):
    try:
        return spec.items(db, current_viewer(), query)
    except ValueError as error:  # a cursor that is not one this collection gave
        if isinstance(error, Forbidden | NotFound):
            raise
        raise BadParameter(
            f"bad request: {error}", "参数无效（cursor 等），请从第一页重新读取。"
        ) from None


def items(cid: str):
    html_wanted = _wants_html()
    with current().sessions() as db:
        spec = _spec(db, cid)
        asked = items_request(request.args, spec)
        found = _page(spec, db, asked.query)
    # The levels are scoped in their own query; a module's features are checked again.
    features = found.features if cid in LEVELS else _inside(found.features)
    next_href = _here(cursor=found.next) if found.next else None
    if html_wanted:
        links = {
            "item": _url(f"/collections/{cid}/items"),
            "collection": _url(f"/collections/{cid}", f="html"),
            "next": next_href,
        }
        return html.items(spec.title, features, links, _here(f="json"))
    links = _self_links(GEOJSON)
    if next_href:
        links.append({"rel": "next", "type": GEOJSON, "title": "下一页", "href": next_href})
    links.append(
        {
            "rel": "collection",
            "type": "application/json",
            "title": spec.title,
            "href": _url(f"/collections/{cid}"),
        }
    )
    body = geojson.collection_text(features, asked.crs, links, found.matched)
    response = _json(body, GEOJSON)
    response.headers["Content-Crs"] = f"<{asked.crs}>"
    return response


def item(cid: str, fid: str):
    html_wanted = _wants_html()
    uri = answer_crs(request.args)
    with current().sessions() as db:
        spec = _spec(db, cid)
        found = _inside(_page(spec, db, FeatureQuery(fid=fid, limit=1)).features)
    if not found:
        raise NotFound(f"no feature {fid!r} in {cid}", fid)
    feature = found[0]
    items_href = _url(f"/collections/{cid}/items")
    if html_wanted:
        [geometry] = geojson.geometry_texts([feature], uri)
        links = {"items": _url(f"/collections/{cid}/items", f="html")}
        return html.item(spec.title, feature, geometry, links, _here(f="json"))
    links = [
        *_self_links(GEOJSON),
        {"rel": "collection", "type": "application/json", "href": _url(f"/collections/{cid}")},
        {"rel": "items", "type": GEOJSON, "href": items_href},
    ]
    response = _json(geojson.single_text(feature, uri, links), GEOJSON)
    response.headers["Content-Crs"] = f"<{uri}>"
    return response


# --- the public-levels setting (admins) -----------------------------------------------------


def _csrf_ok() -> bool:
    expected = session.get("csrf")
    given = request.headers.get("X-CSRFToken")
    return bool(expected and given and hmac.compare_digest(expected, given))


def public_setting():
    viewer = current_viewer()
    with current().sessions() as db, db.begin():
        if request.method == "GET":
            return _json({"levels": sorted(public_levels(db))})
        if not viewer.can("admin"):
            return _error(403, "admin permission needed", "只有管理员可以设置公开图层。")
        if not bearer() and not _csrf_ok():
            return _error(403, "missing or wrong CSRF token", "请求已过期，请刷新页面后重试。")
        wanted = (request.get_json(silent=True) or {}).get("levels")
        if not isinstance(wanted, list) or not all(isinstance(v, str) for v in wanted):
            return _error(
                400,
                'a JSON body {"levels": [...]} of city, county, town, village is needed',
                '请提交 {"levels": [...]}，取值为 city、county、town、village。',
            )
        try:
            chosen = set_public_levels(db, wanted)
        except ValueError as error:
            return _error(400, f"unknown level {error}", f"未知层级：{error}（只有四级界线可公开）")
        audit.record(
            db,
            "data.change",
            viewer,
            target="ogc.public_levels",
            address=client_address(),
            detail={"levels": list(chosen)},
        )
    return _json({"levels": list(chosen)})


# --- the blueprint --------------------------------------------------------------------------


def _forbidden(error: Forbidden):
    return _error(403, str(error), f"区划 {error.code} 不在您的辖区内，无权查看。")


def _not_found(error: NotFound):
    return _error(404, str(error), f"未找到：{error.code}")


def _bad(error: BadParameter):
    return _error(400, str(error), error.message_zh)


ROUTES = (
    ("/", "landing", landing, ("GET",)),
    ("/conformance", "conformance", conformance, ("GET",)),
    ("/collections", "collections", collections, ("GET",)),
    ("/collections/<cid>", "collection", collection, ("GET",)),
    ("/collections/<cid>/queryables", "queryables", queryables, ("GET",)),
    ("/collections/<cid>/items", "items", items, ("GET",)),
    ("/collections/<cid>/items/<fid>", "item", item, ("GET",)),
    ("/settings/public", "public_setting", public_setting, ("GET", "PUT")),
)


def _checked(view):
    """The view marked public to the app's gate: this blueprint's own gate (above) answers
    401 as JSON to a GIS client, where the app's would send it to the login page."""

    def run(**kwargs):
        return view(**kwargs)

    run.__name__ = view.__name__
    run.onemap_public = True
    return run


def build_blueprint() -> Blueprint:
    """The /ogc blueprint of one app (built per app, as /api/v1's)."""
    blueprint = Blueprint("ogc", __name__, url_prefix="/ogc")
    blueprint.before_request(_gate)
    blueprint.after_request(_audit)
    blueprint.register_error_handler(Forbidden, _forbidden)
    blueprint.register_error_handler(NotFound, _not_found)
    blueprint.register_error_handler(BadParameter, _bad)
    for rule, endpoint, view, methods in ROUTES:
        blueprint.add_url_rule(rule, endpoint, _checked(view), methods=list(methods))
    return blueprint
