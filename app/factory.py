"""`create_app(settings)`: the one place where the Dash app, its server and its data meet."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import dash
from dash import dcc, html
from flask import Blueprint, Flask

from access import scoped
from access.permissions import ROLE_LABELS
from app import (
    auth,
    callback_guard,
    graph_config,
    http_errors,
    ogc,
    plotly_bundle,
    polyfill,
    request_limits,
    security_headers,
)
from app.api import build_api
from app.context import AppContext, current
from app.core import build_core
from app.openapi import install as install_openapi
from app.registry import ModuleRegistry
from app.settings import Settings, load_settings
from layers.load import load_shipped
from layers.shipped import shipped_dir
from modules.sdk import CoreServices, PageSpec
from store import migrate
from store.engine import get_engine, make_session

LOGGER = logging.getLogger(__name__)


def prepare_database(settings: Settings, registry: ModuleRegistry | None = None):
    """Migrate the schema (the core's and the modules'), and load the shipped boundaries
    when they changed."""
    registry = registry or ModuleRegistry(settings.modules_disabled)
    engine = get_engine(settings.resolved_database_url)
    locations = [path for _, path in registry.call("register_migrations")]
    migrate.upgrade(engine, extra_locations=locations)
    if settings.load_boundaries:
        outcome = load_shipped(engine, Path(settings.boundaries_dir))
        LOGGER.info("boundaries: %s", outcome)
    return engine


def secret_key(settings: Settings) -> str:
    """The configured key, else one generated on first start and kept in var_dir."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.var_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _header_user() -> list:
    viewer = auth.current_viewer()
    if viewer.is_anonymous:
        return []
    with current().sessions() as session:
        names = {}
        for code in viewer.scopes:
            try:
                names[code] = scoped.profile(session, viewer, code)["name"]
            except LookupError:
                names[code] = code
    where = "、".join(names[c] for c in viewer.scopes)
    return [
        html.Span(
            [html.B(viewer.name), f" · {ROLE_LABELS.get(viewer.role, '')} · {where}"],
            id="header-user",
            className="header-user",
        ),
        html.A("修改密码", href="/account/password", className="nav-link"),
        # A plain form: logout is a POST with the CSRF token, never a GET link.
        html.Form(
            [
                dcc.Input(type="hidden", name="csrf_token", value=auth.csrf_token()),
                html.Button("退出", type="submit", id="logout", className="logout"),
            ],
            method="POST",
            action="/logout",
            className="logout-form",
        ),
    ]


def _shell() -> html.Div:
    viewer = auth.current_viewer()
    nav = [
        dcc.Link(page["name"], href=page["relative_path"], className="nav-link")
        for page in dash.page_registry.values()
        if page.get("in_nav", True)
        and (page.get("permission") is None or viewer.can(page["permission"]))
    ]
    return html.Div(
        className="shell",
        children=[
            html.Header(
                className="shell-header",
                children=[
                    html.H1("莆田市 · 一张图", className="brand"),
                    html.Nav(nav),
                    html.Div(_header_user(), className="header-right"),
                ],
            ),
            html.Main(dash.page_container, className="shell-main"),
        ],
    )


def _module_blueprints(registry: ModuleRegistry, core: CoreServices) -> list[Blueprint]:
    """One blueprint per module, under /api/v1/<module id>/, filled by register_routes."""
    blueprints = []
    for info in registry.info():
        blueprint = Blueprint(f"module_{info.id}", f"modules.{info.id}", url_prefix=f"/{info.id}")
        registry.call("register_routes", only=info.id, blueprint=blueprint, core=core)
        blueprints.append(blueprint)
    return blueprints


def _module_pages(registry: ModuleRegistry, core: CoreServices) -> None:
    """Pages of the modules' own (e.g. 我的巡查), in the header after the core's."""
    for page in registry.collect("register_pages", PageSpec, core=core):
        dash.register_page(
            f"modules.page.{page.id}",
            path=page.path,
            name=page.title,
            title=f"{page.title} · 莆田市",
            layout=page.layout,
            permission=page.permission,
            in_nav=page.in_nav,
            order=10 + page.order,
        )


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build the Dash app (and its Flask server) for these settings."""
    settings = settings or load_settings()
    registry = ModuleRegistry(settings.modules_disabled)
    engine = prepare_database(settings, registry)
    server = Flask("onemap")
    server.json.ensure_ascii = False  # zh-CN names stay readable in API responses
    has_bundle = plotly_bundle.install(server)  # before Dash's own route for the same path
    sessions = make_session(engine)
    core = build_core(registry, auth.current_viewer, sessions)
    server.extensions["onemap"] = AppContext(settings, engine, sessions, registry, core)
    server.secret_key = secret_key(settings)
    request_limits.install(server, settings.max_upload_mb)  # before anything reads a body
    auth.install(server)
    server.register_blueprint(build_api(_module_blueprints(registry, core)))
    ogc.register(server)  # /ogc/: OGC API – Features for GIS tools
    install_openapi(server)  # /api/openapi.json and /api/docs
    registry.call("register_signals", bus=registry.bus)

    app = dash.Dash(
        "onemap",
        server=server,
        use_pages=True,
        pages_folder="",
        assets_folder=str(shipped_dir("onemap_assets", "assets")),
        title="莆田市 · 一张图",
        update_title=None,
        compress=True,
        suppress_callback_exceptions=True,
    )
    from app.pages import admin as admin_page
    from app.pages import map as map_page

    map_page.register(app)
    dash.register_page(
        "app.pages.map",
        path="/",
        name="一张图",
        title="一张图 · 莆田市",
        layout=map_page.layout,
        order=0,
    )
    admin_page.register(app)
    dash.register_page(
        "app.pages.admin",
        path="/admin",
        name="管理",
        title="管理 · 莆田市",
        layout=admin_page.layout,
        permission="admin",
        order=900,
    )
    _module_pages(registry, core)
    registry.call("register_callbacks", app=app, core=core)
    for failure in registry.failures:
        LOGGER.error("module %s: %s failed: %s", failure.module, failure.stage, failure.error)
    app.layout = _shell
    graph_config.guard_pages()
    http_errors.install(app)
    callback_guard.install(app)
    security_headers.install(app)
    app.index_string = app.index_string.replace("<html>", '<html lang="zh-CN">')
    if has_bundle:
        plotly_bundle.preload(app)
    polyfill.install(app)
    return app
