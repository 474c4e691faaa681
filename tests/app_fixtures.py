"""Building a test app on either engine, and clients logged in to it (shared by conftests)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import text

from app.factory import create_app
from app.settings import load_settings
from store.engine import get_engine
from tests.accounts_fixture import create_users, log_in


@contextmanager
def app_on_engine(
    request, tmp_path_factory, prefix: str, prepare: Callable | None = None
) -> Iterator:
    """An app with the test accounts on a fresh SQLite file or PostGIS database
    (`request.param` is "sqlite" or "postgis"); `prepare(app)` runs once before use."""
    name = admin = None
    if request.param == "sqlite":
        url = f"sqlite:///{(tmp_path_factory.mktemp(prefix) / 'onemap.sqlite').as_posix()}"
    else:
        admin, template = request.getfixturevalue("postgres_template")
        name = f"onemap_{prefix}_{uuid.uuid4().hex[:12]}"
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
    if prepare is not None:
        prepare(app)
    try:
        yield app
    finally:
        get_engine(url).dispose()
        get_engine.cache_clear()
        if name:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def client_factory(app) -> Callable:
    """make(login) -> a test client logged in through the login form."""

    def make(login: str):
        client = app.server.test_client()
        response = log_in(client, login)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make
