"""A running app with the flood demo seeded once, on each engine (module-scoped, as in
tests/app/conftest.py: loading the boundaries and seeding take about two seconds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from modules.flood import storm
from modules.flood.models import FloodSource, FloodStation
from modules.flood.stations import token_digest
from tests.app_fixtures import app_on_engine, client_factory

TOKENS = {
    "YL-XTW": "test-token-xtw",
    "MLX-05": "test-token-mulanbei",
    storm.SOURCE: "test-token-hydrology",
}


def seed(app) -> None:
    context = app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        context.modules.seed_demo(session, only="flood")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def flood_app(request, tmp_path_factory) -> Iterator:
    with app_on_engine(request, "flood", prepare=seed) as app:
        yield app


@pytest.fixture
def sessions(flood_app):
    return flood_app.server.extensions["onemap"].sessions


@pytest.fixture
def client_as(flood_app):
    """A factory: a test client logged in as one of tests.accounts_fixture.USERS."""
    return client_factory(flood_app)


@pytest.fixture(scope="module")
def tokens(flood_app):
    """Known ingest tokens for a rain gauge, a level station and the hydrology source."""
    sessions = flood_app.server.extensions["onemap"].sessions
    with sessions() as session, session.begin():
        for code, token in TOKENS.items():
            holder = session.scalar(
                select(FloodStation).where(FloodStation.code == code)
            ) or session.scalar(select(FloodSource).where(FloodSource.name == code))
            holder.token_hash = token_digest(token)
    return TOKENS
