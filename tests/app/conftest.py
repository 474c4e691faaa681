"""A running app (Flask test client) loaded with the shipped boundaries, on each engine."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from app.factory import create_app
from app.settings import load_settings
from store.engine import get_engine
from tests.accounts_fixture import create_users, log_in


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def onemap_app(request, tmp_path_factory) -> Iterator:
    """One app per module and engine: loading the boundaries takes about a second."""
    if request.param == "sqlite":
        url = f"sqlite:///{(tmp_path_factory.mktemp('app') / 'onemap.sqlite').as_posix()}"
        name = None
    else:
        admin, template = request.getfixturevalue("postgres_template")
        name = f"onemap_app_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
    settings = load_settings(
        overrides={"database_url": url, "secret_key": "test-secret", "demo": False},
        environ={},
        config_path=None,
    )
    app = create_app(settings)
    create_users(app)
    yield app
    get_engine(url).dispose()
    get_engine.cache_clear()
    if name:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def anonymous(onemap_app):
    return onemap_app.server.test_client()


@pytest.fixture
def client_as(onemap_app):
    """A factory: a test client logged in as one of tests.accounts_fixture.USERS."""

    def make(login: str):
        client = onemap_app.server.test_client()
        response = log_in(client, login)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make


@pytest.fixture
def client(client_as):
    """Logged in as the city leader: sees the whole city."""
    return client_as("city.leader")


def pytest_terminal_summary(terminalreporter):
    """Report how many jurisdiction-matrix cases ran (quoted in closing notes)."""
    from tests.app import test_scope_matrix

    if test_scope_matrix.CASES:
        terminalreporter.write_line(f"scope matrix: {len(test_scope_matrix.CASES)} cases run")
