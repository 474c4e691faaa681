"""Building a test app on either engine, and clients logged in to it (shared by conftests)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from app.factory import create_app
from app.settings import load_settings
from store.engine import get_engine
from tests.accounts_fixture import create_users, log_in
from tests.databases import migrate_only


def settings_for(url: str, **overrides):
    """Settings for a test app on `url`: no config file, no environment, no demo."""
    return load_settings(
        overrides={"database_url": url, "secret_key": "test-secret", "demo": False, **overrides},
        environ={},
        config_path=None,
    )


def build_app_database(prepare: Callable | None = None) -> Callable[[str], None]:
    """A template recipe: what create_app leaves in a database (the schema of the core and
    every module, the shipped boundaries), the test accounts, then `prepare(app)`."""

    def build(url: str) -> None:
        app = create_app(settings_for(url))
        try:
            create_users(app)
            if prepare is not None:
                prepare(app)
        finally:
            release(url)

    return build


def recipe_of(prepare: Callable | None) -> str:
    """The template a `prepare` function makes: one per function, wherever it is used."""
    if prepare is None:
        return "app"
    return f"app+{prepare.__module__}.{prepare.__qualname__}"


def release(url: str) -> None:
    """Close every connection the process holds to `url` (get_engine caches one engine)."""
    get_engine(url).dispose()
    get_engine.cache_clear()


@contextmanager
def database_for(
    request, prefix: str, prepare: Callable | None = None, kind: str = "sqlite", fresh: bool = False
) -> Iterator[str]:
    """The URL of a database of its own holding what an app on it would after
    `prepare(app)`: a copy of a template built once per `prepare` function
    (tests/databases.py), or, `fresh`, built from a migrated empty one, for tests about
    building it. Dropped afterwards."""
    templates = request.getfixturevalue("database_templates")
    postgres = request.getfixturevalue("postgres_template") if kind == "postgis" else None
    build = build_app_database(prepare)
    if fresh:
        url = templates.clone(kind, "migrated", migrate_only, postgres, prefix)
        build(url)
    else:
        url = templates.clone(kind, recipe_of(prepare), build, postgres, prefix)
    try:
        yield url
    finally:
        release(url)
        templates.drop(url)


@contextmanager
def app_on_engine(
    request,
    prefix: str,
    prepare: Callable | None = None,
    kind: str | None = None,
    fresh: bool = False,
) -> Iterator:
    """An app with the test accounts on a SQLite file or PostGIS database of its own
    (`kind`, by default `request.param`: "sqlite" or "postgis"), after `prepare(app)`; see
    database_for."""
    with database_for(request, prefix, prepare, kind or request.param, fresh) as url:
        yield create_app(settings_for(url))


def client_factory(app) -> Callable:
    """make(login) -> a test client logged in through the login form."""

    def make(login: str):
        client = app.server.test_client()
        response = log_in(client, login)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make
