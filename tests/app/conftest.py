"""A running app (Flask test client) loaded with the shipped boundaries, on each engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.app_fixtures import app_on_engine, client_factory


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def onemap_app(request, tmp_path_factory) -> Iterator:
    """One app per module and engine: loading the boundaries takes about a second."""
    with app_on_engine(request, "app") as app:
        yield app


@pytest.fixture
def anonymous(onemap_app):
    return onemap_app.server.test_client()


@pytest.fixture
def client_as(onemap_app):
    """A factory: a test client logged in as one of tests.accounts_fixture.USERS."""
    return client_factory(onemap_app)


@pytest.fixture
def client(client_as):
    """Logged in as the city leader: sees the whole city."""
    return client_as("city.leader")


def pytest_terminal_summary(terminalreporter):
    """Report how many jurisdiction-matrix cases ran (quoted in closing notes)."""
    from tests.app import test_scope_matrix

    if test_scope_matrix.CASES:
        terminalreporter.write_line(f"scope matrix: {len(test_scope_matrix.CASES)} cases run")
