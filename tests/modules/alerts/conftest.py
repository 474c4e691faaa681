"""A running app with the flood and alerts demo seeded once, on each engine (module-scoped:
loading the boundaries and seeding take a few seconds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.app_fixtures import app_on_engine, client_factory


def seed(app) -> None:
    context = app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        context.modules.seed_demo(session, only="flood")
        context.modules.seed_demo(session, only="alerts")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def alerts_app(request, tmp_path_factory) -> Iterator:
    with app_on_engine(request, "alerts", prepare=seed) as app:
        yield app


@pytest.fixture
def context(alerts_app):
    return alerts_app.server.extensions["onemap"]


@pytest.fixture
def sessions(context):
    return context.sessions


@pytest.fixture
def client_as(alerts_app):
    """A factory: a test client logged in as one of tests.accounts_fixture.USERS."""
    return client_factory(alerts_app)
