"""`create_app(settings)`: the one place where the Dash app, its server and its data meet."""

from __future__ import annotations

import logging
from pathlib import Path

import dash
from dash import dcc, html
from flask import Flask

from app.api import api
from app.context import AppContext
from app.settings import Settings, load_settings
from layers.load import load_shipped
from layers.sources import PROJECT_ROOT
from store import migrate
from store.engine import get_engine, make_session

LOGGER = logging.getLogger(__name__)


def prepare_database(settings: Settings):
    """Migrate the schema and, when they changed, load the shipped boundaries."""
    engine = get_engine(settings.resolved_database_url)
    migrate.upgrade(engine)
    if settings.load_boundaries:
        outcome = load_shipped(engine, Path(settings.boundaries_dir))
        LOGGER.info("boundaries: %s", outcome)
    return engine


def _shell() -> html.Div:
    nav = [
        dcc.Link(page["name"], href=page["relative_path"], className="nav-link")
        for page in dash.page_registry.values()
    ]
    return html.Div(
        className="shell",
        children=[
            html.Header(
                className="shell-header",
                children=[html.H1("莆田市 · 一张图", className="brand"), html.Nav(nav)],
            ),
            html.Main(dash.page_container, className="shell-main"),
        ],
    )


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build the Dash app (and its Flask server) for these settings."""
    settings = settings or load_settings()
    engine = prepare_database(settings)
    server = Flask("onemap")
    server.json.ensure_ascii = False  # zh-CN names stay readable in API responses
    server.extensions["onemap"] = AppContext(settings, engine, make_session(engine))
    server.register_blueprint(api)

    app = dash.Dash(
        "onemap",
        server=server,
        use_pages=True,
        pages_folder="",
        assets_folder=str(PROJECT_ROOT / "assets"),
        title="莆田市 · 一张图",
        update_title=None,
        compress=True,
        suppress_callback_exceptions=True,
    )
    from app.pages import map as map_page

    map_page.register(app)
    dash.register_page(
        "app.pages.map", path="/", name="一张图", title="一张图 · 莆田市", layout=map_page.layout
    )
    app.layout = _shell
    app.index_string = app.index_string.replace("<html>", '<html lang="zh-CN">')
    return app
