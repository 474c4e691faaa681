"""Our app as a user meets it: created by `create_app`, on SQLite with the shipped boundaries,
with one city-leader account (the whole city in scope) to log in as."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import dash
import flask
import requests
from dash import html

from app import accounts, plotly_bundle
from app.factory import create_app
from app.settings import load_settings
from bench import baselines
from bench.runner import Context, log
from bench.serve import WireLog, serve

LOGIN = "bench.leader"
PASSWORD = "bench-password-0123"
CITY = "350300"


def make_app(database_url: str, var_dir: Path | None = None):
    """The real app (flask-compress on, as shipped) and a leader account for the city;
    runtime files in `var_dir` (by default beside the SQLite file)."""
    settings = load_settings(
        overrides={
            "database_url": database_url,
            "secret_key": "bench-secret",
            "demo": False,
            "var_dir": str(var_dir or Path(database_url.removeprefix("sqlite:///")).parent),
        },
        environ={},
        config_path=None,
    )
    app = create_app(settings)
    sessions = app.server.extensions["onemap"].sessions
    with sessions() as session, session.begin():
        if accounts.get_user(session, LOGIN) is None:
            accounts.add_user(session, LOGIN, "leader", [CITY], name=LOGIN, password=PASSWORD)
    return app


def served(ctx: Context) -> tuple[str, WireLog]:
    """(base URL, wire log) of our app, started once per run on a fresh SQLite file."""

    def start() -> tuple[str, WireLog]:
        database = ctx.scratch / "onemap.sqlite"
        log(f"starting our app on {database}")
        app = make_app(f"sqlite:///{database.as_posix()}")
        return ctx.resources.enter_context(serve(app.server))

    return ctx.shared("ours", start)


def demo_database(ctx: Context, name: str) -> str:
    """The URL of a SQLite file `name` holding every module's demo data: a copy of one file
    seeded once per run (B7 and B8 each need one; seeding takes ~8 s, a copy milliseconds)."""

    def seed() -> Path:
        path = ctx.scratch / "demo-seeded.sqlite"
        log(f"seeding every module's demo data into {path}")
        app = make_app(f"sqlite:///{path.as_posix()}", var_dir=ctx.scratch)
        context = app.server.extensions["onemap"]
        with context.sessions() as session, session.begin():
            context.modules.seed_demo(session)
        context.engine.dispose()  # the last connection closed: the WAL is checkpointed
        return path

    target = ctx.scratch / name
    shutil.copyfile(ctx.shared("demo-seeded", seed), target)
    return f"sqlite:///{target.as_posix()}"


def http_session(base: str) -> requests.Session:
    """A logged-in HTTP session that sends the CSRF header as dash-renderer does."""
    client = requests.Session()
    page = client.get(base + "/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if not token:
        raise RuntimeError("login page has no CSRF token")
    response = client.post(
        base + "/login",
        data={"login": LOGIN, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise RuntimeError(f"bench login failed: {response.status_code}")
    client.headers["X-CSRFToken"] = client.cookies.get("_csrf_token", "")
    return client


def served_like_the_product(name: str) -> dash.Dash:
    """A bare Dash app served as the product serves its map: the map-only plotly.js bundle,
    preloaded from the head, and compressed responses (in the baselines' page frame)."""
    server = flask.Flask(name)
    has_bundle = plotly_bundle.install(server)  # before Dash's own route for the same path
    app = baselines._dash(name, compress=True, server=server)
    if has_bundle:
        plotly_bundle.preload(app)
    return app


def floor_app(centre: dict, zoom: float) -> dash.Dash:
    """The least any map page served like ours can cost: the same page frame and scripts,
    a map holding one marker. No product can draw more in less on the same machine."""
    app = served_like_the_product("floor")
    figure = {
        "data": [
            {
                "type": "scattermap",
                "lon": [centre["lon"]],
                "lat": [centre["lat"]],
                "marker": {"size": 6, "color": "#d62728"},
                "hoverinfo": "skip",
            }
        ],
        "layout": {
            "map": {"style": "white-bg", "center": centre, "zoom": zoom},
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        },
    }
    app.layout = html.Div(baselines._frame(baselines._graph(figure), []))
    return app


FLOOR_EXPECT = {"name": "first", "sources": "drawn", "rendered": {"type": "circle", "min": 1}}
