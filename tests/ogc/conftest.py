"""An app loaded with the shipped boundaries on each engine, and API tokens of the test
accounts, for the /ogc/ tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app import accounts
from tests.app_fixtures import app_on_engine, client_factory

XTW = "350304100000"  # 西天尾镇
XTW_PREFIX = "350304100"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def ogc_app(request) -> Iterator:
    with app_on_engine(request, "ogc") as app:
        yield app


def make_token(app, login: str) -> str:
    with app.server.extensions["onemap"].sessions() as session, session.begin():
        return accounts.create_token(session, accounts.get_user(session, login), "ogc test")


@pytest.fixture
def token_of(ogc_app):
    """token_of(login) -> an API token of that test account."""
    return lambda login: make_token(ogc_app, login)


@pytest.fixture
def bearer(ogc_app, token_of):
    """bearer(login) -> a test client and the headers that carry that user's token."""

    def make(login: str):
        return ogc_app.server.test_client(), {"Authorization": f"Bearer {token_of(login)}"}

    return make


@pytest.fixture
def client_as(ogc_app):
    return client_factory(ogc_app)
