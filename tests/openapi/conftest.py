"""An app on a throwaway SQLite database of its own (a copy of the test template, dropped
afterwards), for the OpenAPI document and schemathesis' requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.app_fixtures import app_on_engine


@pytest.fixture(scope="module")
def onemap_app(request) -> Iterator:
    with app_on_engine(request, "openapi", kind="sqlite") as app:
        yield app


@pytest.fixture(scope="module")
def document(onemap_app) -> dict:
    response = onemap_app.server.test_client().get("/api/openapi.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()
