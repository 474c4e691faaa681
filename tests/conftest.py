"""Fixtures for the whole suite: a migrated database on each engine, and a session on it.

`engine` runs a test once on SQLite and once on PostgreSQL + PostGIS (marked `postgis`, so
`-m "not postgis"` leaves it out). Without a reachable server the PostGIS run is skipped,
or fails under CI=true (see tests.support.require_or_skip).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from app import accounts
from store.engine import build_engine, make_session
from store.migrate import upgrade
from tests.databases import Templates, drop_database, migrate_only
from tests.support import postgres_admin_url, require_or_skip, safe_url

# One round of PBKDF2 instead of scrypt for every password the suite makes: a login here
# checks that the form, the session and the lockout work, not the cost of the hash. The
# product's own method is checked by tests/app/test_auth.py.
accounts.use_password_method("pbkdf2:sha256:1")

HINT = "set ONEMAP_TEST_POSTGRES_URL or PG* variables"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[tuple[Engine, str]]:
    """A server connection and a template database with PostGIS and the schema at head.

    Installing PostGIS and migrating take about a second, cloning a template database a
    fraction of that, so each test gets a fresh, fully isolated database cheaply. A failure
    here is cached by pytest, so an unreachable server costs one connection attempt.
    """
    admin_url = postgres_admin_url()
    admin = create_engine(
        admin_url,
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": 5},
    )
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to connect means "no server here"
        admin.dispose()
        require_or_skip(
            f"PostgreSQL not reachable at {safe_url(admin_url)}: {_describe(error)}; {HINT}"
        )

    template = f"onemap_test_tpl_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{template}"'))
    try:
        template_url = make_url(admin_url).set(database=template)
        template_engine = create_engine(template_url, poolclass=NullPool)
        try:
            with template_engine.begin() as connection:
                connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        except Exception as error:
            template_engine.dispose()
            require_or_skip(f"PostGIS extension not available: {_describe(error)}")
        try:
            # Migrating the template runs the migrations from scratch on PostGIS once per
            # session; each clone then starts at head, as every test expects.
            template_engine = build_engine(template_url.render_as_string(hide_password=False))
            upgrade(template_engine)
        finally:
            template_engine.dispose()
        yield admin, template
    finally:
        drop_database(admin, template)
        admin.dispose()


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory) -> Iterator[Templates]:
    """Template databases of this test process (see tests/databases.py)."""
    made = Templates(tmp_path_factory.mktemp("databases"))
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def engine(request: pytest.FixtureRequest, database_templates: Templates) -> Iterator[Engine]:
    """A freshly migrated, empty database; its own file or database for every test."""
    postgres = request.getfixturevalue("postgres_template") if request.param == "postgis" else None
    url = database_templates.clone(request.param, "migrated", migrate_only, postgres, "test")
    # build_engine, not the cached get_engine: each test owns and disposes its engine.
    test_engine = build_engine(url)
    try:
        yield test_engine
    finally:
        test_engine.dispose()
        database_templates.drop(url)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on `engine`; whatever it leaves uncommitted is rolled back."""
    with make_session(engine)() as opened:
        yield opened


def _describe(error: Exception) -> str:
    # The driver's own message, on one line, without SQLAlchemy's link to its docs.
    original = getattr(error, "orig", None) or error
    return " ".join(str(original).split())
