"""An app on a throwaway SQLite database of its own (a copy of the test template with some
demo data, dropped afterwards), for the OpenAPI document and schemathesis' requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.app_fixtures import app_on_engine

# Modules whose demo data is quick to seed (seconds): the documented examples (storm 1521,
# 西天尾镇) then reach real answers, not only 404s.
DEMO_MODULES = ("typhoon", "flood", "alerts")


def with_quick_demo(app) -> None:
    context = app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        for module in DEMO_MODULES:
            context.modules.seed_demo(session, only=module)


@pytest.fixture(scope="module")
def onemap_app(request) -> Iterator:
    with app_on_engine(request, "openapi", with_quick_demo, kind="sqlite") as app:
        yield app


@pytest.fixture(scope="module")
def document(onemap_app) -> dict:
    response = onemap_app.server.test_client().get("/api/openapi.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()
