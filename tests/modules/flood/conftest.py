"""A running app with the flood demo seeded once, on each engine (module-scoped, as in
tests/app/conftest.py: loading the boundaries and seeding take about two seconds)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from app.factory import create_app
from app.settings import load_settings
from layers.viewer import make_viewer
from store.engine import get_engine
from tests.accounts_fixture import USERS, create_users, log_in


def make_app(url: str):
    settings = load_settings(
        overrides={"database_url": url, "secret_key": "test-secret", "demo": False},
        environ={},
        config_path=None,
    )
    app = create_app(settings)
    create_users(app)
    return app


def seed(app) -> None:
    context = app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        context.modules.call("seed_demo", only="flood", session=session)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def flood_app(request, tmp_path_factory) -> Iterator:
    if request.param == "sqlite":
        url = f"sqlite:///{(tmp_path_factory.mktemp('flood') / 'onemap.sqlite').as_posix()}"
        name = None
    else:
        admin, template = request.getfixturevalue("postgres_template")
        name = f"onemap_flood_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
    app = make_app(url)
    seed(app)
    yield app
    get_engine(url).dispose()
    get_engine.cache_clear()
    if name:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sessions(flood_app):
    return flood_app.server.extensions["onemap"].sessions


@pytest.fixture
def client_as(flood_app):
    """A factory: a test client logged in as one of tests.accounts_fixture.USERS."""

    def make(login: str):
        client = flood_app.server.test_client()
        response = log_in(client, login)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make


def viewer_of(login: str):
    role, scopes = USERS[login]
    return make_viewer(1, login, login, role, scopes)
