"""A running app with every module's demo data (typhoon storms, flood key points) seeded once
per engine (module-scoped)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.app_fixtures import app_on_engine, client_factory


def seed(app) -> None:
    context = app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        context.modules.seed_demo(session)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def typhoon_app(request, tmp_path_factory) -> Iterator:
    with app_on_engine(request, "typhoon", prepare=seed) as app:
        yield app


@pytest.fixture
def sessions(typhoon_app):
    return typhoon_app.server.extensions["onemap"].sessions


@pytest.fixture
def core(typhoon_app):
    return typhoon_app.server.extensions["onemap"].core


@pytest.fixture
def client_as(typhoon_app):
    """A factory: a test client logged in as one of tests.accounts_fixture.USERS."""
    return client_factory(typhoon_app)


@pytest.fixture
def cli_core(typhoon_app):
    """The core the `onemap typhoon` commands get: the system viewer, no request."""
    from app.cli import cli_core as make

    context = typhoon_app.server.extensions["onemap"]
    return make(context.modules, context.sessions)
