"""How a request that went wrong is answered: a sentence saying what to do, never a trace.

JSON (`error` in English, `message` in zh-CN, `status`) under /api/ and for Dash's own
requests (/_dash-*), a zh-CN page otherwise. A database that is busy or gone (SQLAlchemy's
OperationalError: SQLite "database is locked", a PostgreSQL connection lost in a restart)
answers 503 and is logged in one line; the engine drops the broken connection, so the next
request works. Unknown paths under /api/ are 404 JSON, not the Dash page; a link followed
inside the page to a path that is no page shows the same zh-CN sentence (the router's 404).
"""

from __future__ import annotations

import logging
from html import escape

import dash
from dash import _pages, dcc, html
from flask import Flask, Response, current_app, jsonify, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import RoutingException

from app.context import current
from app.html_page import page
from store.faults import fault_of

LOGGER = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/_dash-")
# Methods the Dash page route (GET /<path>) answers: any other method a path allows belongs
# to a real route, so a GET there is a 405, not a 404.
PAGE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# status -> (English, zh-CN); {limit} and {method} are filled in.
MESSAGES = {
    400: ("bad request", "请求内容无法处理，请检查后重试。"),
    401: ("authentication required", "请先登录。"),
    403: ("forbidden", "您无权进行此操作。"),
    404: ("not found", "您访问的页面不存在，请检查地址或返回地图。"),
    405: ("method {method} not allowed here", "该地址不支持此操作（{method}）。"),
    413: (
        "request body larger than {limit} MB",
        "提交的内容超过上限（{limit} MB），请缩小文件或分批上传。",
    ),
    415: ("unsupported media type", "提交的内容格式不受支持。"),
    429: ("too many requests", "请求过于频繁，请稍后再试。"),
    500: ("internal error", "服务器出错，请稍后重试；如果问题持续，请联系管理员。"),
    503: ("database busy or unavailable", "系统繁忙或数据库暂时不可用，请稍后重试。"),
}
API_NOT_FOUND_ZH = "接口不存在：{path}"
# Dash's page router draws this for a path it has no page for (a link followed in the page);
# without it, dash.py's own English "404 - Page not found".
NOT_FOUND_MODULE = "app.pages.not_found_404"
NOT_FOUND_PATH = "/404"
RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE = (OperationalError, PoolTimeout)


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES)


def one_line(error: BaseException, limit: int = 200) -> str:
    """An exception as one short log line: its class and the first line of its message."""
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    first = text[0] if text else ""
    if len(first) > limit:
        first = first[:limit] + "…"
    return f"{type(error).__name__}: {first}"


def error_response(
    status: int, error: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The answer for a failed request: JSON for API and Dash requests, a page otherwise."""
    if wants_json():
        response = jsonify(error=error, message=message, status=status)
        response.status_code = status
    else:
        body = (
            f'<h2>出错了（{status}）</h2><p class="auth-error" role="alert">{escape(message)}</p>'
            '<p><a href="/">返回地图</a></p>'
        )
        response = page(f"出错了（{status}）", body, status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def standard(status: int, headers: dict[str, str] | None = None) -> Response:
    english, chinese = MESSAGES.get(status, MESSAGES[500])
    values = {"limit": current().settings.max_upload_mb, "method": request.method}
    return error_response(status, english.format(**values), chinese.format(**values), headers)


def _http_error(error: HTTPException):
    if isinstance(error, RoutingException) or (error.code or 500) < 400:
        return error  # redirects Werkzeug's router makes (a missing trailing slash)
    status = error.code or 500
    headers = {}
    if isinstance(error, MethodNotAllowed):
        if _nothing_here(error):
            status = 404
        else:
            headers["Allow"] = ", ".join(sorted(error.valid_methods or ()))
    if status == 404 and request.path.startswith("/api/"):
        return error_response(
            404, f"no such API route: {request.path}", API_NOT_FOUND_ZH.format(path=request.path)
        )
    if status == 500:
        original = getattr(error, "original_exception", None)
        if isinstance(original, DATABASE_UNAVAILABLE):  # raised after the view, unhandled
            return _database_unavailable(original)
        return standard(500)
    return standard(status, headers)


def _database_unavailable(error: Exception):
    LOGGER.warning(
        "database unavailable for %s %s: %s", request.method, request.path, one_line(error)
    )
    fault = fault_of(error)
    if fault is None or fault.transient:  # busy, restarting: the same request will work
        return standard(503, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    # Full disk, read-only or unopenable file: retrying will not help; say what is wrong.
    return error_response(fault.status, fault.text, fault.text_zh)


def _is_page(path: str) -> bool:
    """A path Dash answers with a page of ours (never one under /api/ or /_dash-)."""
    if path.startswith(JSON_PREFIXES):
        return False
    app = current_app.extensions["onemap_dash"]
    found, _variables = _pages._path_to_page(app.strip_relative_path(path).strip("/"))
    return bool(found)


def _catchall_endpoint() -> str:
    app = current_app.extensions["onemap_dash"]
    return app.config.routes_pathname_prefix + "<path:path>"


def _nothing_here(error: MethodNotAllowed) -> bool:
    """A 405 where only Dash's page route took the path, and it is no page: a 404."""
    if set(error.valid_methods or ()) - PAGE_METHODS:
        return False  # a route of ours takes other methods here
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _values = adapter.match(method="GET")
    except HTTPException:
        return True
    return endpoint == _catchall_endpoint() and not _is_page(request.path)


def _guard_catchall(app: dash.Dash) -> None:
    """Dash answers every GET path with its page; under /api/ and /_dash- and for paths that
    are no page, answer 404 (or 405 where another method has a route) instead."""
    endpoint = app.config.routes_pathname_prefix + "<path:path>"
    serve_page = app.server.view_functions[endpoint]

    def page_or_not_found(path: str = "", **kwargs):
        if not _is_page(request.path):
            adapter = current_app.url_map.bind_to_environ(request.environ)
            others = set(adapter.allowed_methods()) - PAGE_METHODS
            if others:
                raise MethodNotAllowed(valid_methods=sorted(others))
            raise NotFound()
        return serve_page(path=path, **kwargs)

    app.server.view_functions[endpoint] = page_or_not_found


def not_found_layout(**_query) -> html.Div:
    """What the page router shows for a path that is no page, in the words of the 404 page."""
    return html.Div(
        className="not-found",
        children=[
            html.H2("页面不存在", id="not-found-title"),
            html.P(MESSAGES[404][1], className="auth-error", role="alert"),
            dcc.Link("返回地图", href="/"),
        ],
    )


def _register_not_found_page() -> None:
    dash.register_page(
        NOT_FOUND_MODULE,
        path=NOT_FOUND_PATH,
        name="页面不存在",
        title="页面不存在 · 莆田市",
        layout=not_found_layout,
        in_nav=False,
        order=1000,
    )


def install(app: dash.Dash) -> None:
    """Answer errors of this app's server in zh-CN (pages) or JSON (API and Dash requests)."""
    server: Flask = app.server
    _register_not_found_page()
    server.extensions["onemap_dash"] = app
    server.register_error_handler(HTTPException, _http_error)
    for kind in DATABASE_UNAVAILABLE:
        server.register_error_handler(kind, _database_unavailable)
    _guard_catchall(app)
