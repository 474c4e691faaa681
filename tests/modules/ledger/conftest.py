"""The ledger's test databases, on each engine: the app's schema with the ledger installed,
the shipped boundaries and the test accounts, and the catalogue (`ledger_db`) or also the
demo values (`demo_db`, with the flood module's key points). Each test gets its own copy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from access.viewer import Viewer, make_viewer
from store.engine import build_engine, make_session
from tests.accounts_fixture import USERS
from tests.app_fixtures import database_for

ENGINES = ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]


def with_catalogue(app) -> None:
    from modules.ledger.catalogue import seed_catalogue

    context = app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        seed_catalogue(session)


def with_demo(app) -> None:
    from modules.ledger.demo import seed

    context = app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        context.modules.seed_demo(session, only="flood")
    with context.sessions() as session, session.begin():
        viewer = system(context.modules.grants)
        seed(session, viewer, context.core.sites)


def system(grants) -> Viewer:
    return make_viewer(0, "system", "系统", "admin", ["350300"], grants)


@pytest.fixture(scope="session")
def grants() -> dict:
    from app.registry import ModuleRegistry

    return ModuleRegistry().grants


@pytest.fixture
def viewer(grants):
    """viewer(login) -> the Viewer of one of tests.accounts_fixture.USERS, as the app makes it
    with the ledger's permissions."""

    def make(login: str) -> Viewer:
        role, scopes = USERS[login]
        return make_viewer(7, login, login, role, scopes, grants)

    return make


def _sessions(request, prepare) -> Iterator:
    with database_for(request, "ledger", prepare, request.param) as url:
        engine = build_engine(url)
        try:
            yield make_session(engine)
        finally:
            engine.dispose()


@pytest.fixture(params=ENGINES)
def ledger_db(request) -> Iterator:
    """A session factory on a database of its own with the catalogue and no values."""
    yield from _sessions(request, with_catalogue)


@pytest.fixture(scope="module", params=ENGINES)
def shared_db(request) -> Iterator:
    """One database with the catalogue for a test module's tests, each in a session that
    is rolled back (see `session`)."""
    yield from _sessions(request, with_catalogue)


@pytest.fixture(scope="module", params=ENGINES)
def demo_db(request) -> Iterator:
    """A session factory on a database with the flood and ledger demo data, shared by a
    test module's tests: change it only in a `demo_session`."""
    yield from _sessions(request, with_demo)


@pytest.fixture
def session(shared_db) -> Iterator[Session]:
    """A session whose changes are never committed: each test sees the catalogue alone."""
    with shared_db() as opened:
        try:
            yield opened
        finally:
            opened.rollback()


@pytest.fixture
def demo_session(demo_db) -> Iterator[Session]:
    with demo_db() as opened:
        try:
            yield opened
        finally:
            opened.rollback()


@pytest.fixture(scope="module", params=ENGINES)
def ledger_app(request) -> Iterator:
    """The app with the ledger installed, on a copy of the demo database (module-scoped:
    tests change only cells of their own)."""
    from tests.app_fixtures import app_on_engine

    with app_on_engine(request, "ledger", with_demo) as app:
        yield app


@pytest.fixture
def client_as(ledger_app):
    from tests.app_fixtures import client_factory

    return client_factory(ledger_app)
