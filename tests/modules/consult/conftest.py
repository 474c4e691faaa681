"""A running app with every module's demo data (storms, key points, contacts, the ledger and
the demo consultation of 1521 杜鹃) seeded once per engine (module-scoped), and clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.accounts_fixture import csrf_header
from tests.app_fixtures import app_on_engine, client_factory


def seed(app) -> None:
    context = app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        context.modules.seed_demo(session)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def consult_app(request) -> Iterator:
    with app_on_engine(request, "consult", prepare=seed) as app:
        yield app


@pytest.fixture
def context(consult_app):
    return consult_app.server.extensions["onemap"]


@pytest.fixture
def client_as(consult_app):
    """A factory: a test client logged in as one of tests.accounts_fixture.USERS."""
    return client_factory(consult_app)


def post(client, path: str, body: dict | None = None, method: str = "post"):
    return getattr(client, method)(
        f"/api/v1/consult{path}", json=body or {}, headers=csrf_header(client)
    )


def open_drill(client, start: str = "2015-09-28 20:00", scope: str = "350300") -> int:
    answer = post(
        client,
        "/events",
        {
            "kind": "typhoon",
            "title": "1521 杜鹃",
            "ref": "1521",
            "drill": True,
            "start": start,
            "scope": scope,
        },
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return answer.get_json()["id"]
