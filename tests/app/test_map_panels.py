"""The side panel follows the map's focus: the core asks every module's register_panels again
with the unit in focus, a module's figures are for that unit, and a forged focus outside the
scope changes nothing (over HTTP, on both engines)."""

from __future__ import annotations

import json
import types
from collections.abc import Iterator

import pytest
from dash import html

from modules.flood.panel import key_points_panel
from modules.sdk import PanelSpec, hookimpl
from tests.accounts_fixture import viewer_of
from tests.app_fixtures import app_on_engine, client_factory
from tests.dash_client import call_callback, response_json
from tests.modules.flood.conftest import seed

XITIANWEI = "350304100000"


def _echo_module() -> types.ModuleType:
    """A module whose panel says which unit it was asked for."""
    module = types.ModuleType("focus_echo")

    @hookimpl
    def register_panels(viewer, unit):
        return [PanelSpec(id="echo", title="焦点", component=html.P(f"焦点={unit}"))]

    module.register_panels = register_panels
    return module


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def panel_app(request) -> Iterator:
    with app_on_engine(request, "map-panels", prepare=seed) as app:
        app.server.extensions["onemap"].modules.add("focus_echo", _echo_module())
        yield app


@pytest.fixture
def client_as(panel_app):
    return client_factory(panel_app)


def panels(client, focus):
    return call_callback(
        client, [("map-panels", "children")], inputs=[("map-focus", "data", focus)]
    )


def panel_text(client, focus) -> str:
    return json.dumps(response_json(panels(client, focus))["response"], ensure_ascii=False)


def test_every_module_is_asked_again_for_the_unit_in_focus(client_as):
    leader = client_as("city.leader")
    assert "焦点=350304100000" in panel_text(leader, XITIANWEI)
    assert "焦点=350304000000" in panel_text(leader, "350304000000")
    assert "焦点=None" in panel_text(leader, "")  # the viewer's own root
    # A module whose hook names no unit (flood's, so far) still answers.
    assert "防汛重点部位" in panel_text(leader, XITIANWEI)


def test_a_forged_focus_outside_the_scope_changes_nothing(client_as):
    xiuyu = client_as("xiuyu.staff")
    for focus in (XITIANWEI, "350300000000", "not-a-code"):
        response = panels(xiuyu, focus)
        assert response.status_code in (204, 400)
        assert "西天尾" not in response.get_data(as_text=True)


def test_the_flood_panel_counts_the_unit_in_focus(panel_app):
    context = panel_app.server.extensions["onemap"]
    leader = viewer_of("city.leader")
    with context.sessions() as session:
        city = json.dumps(
            key_points_panel(session, leader, context.core).component.to_plotly_json(),
            default=lambda c: c.to_plotly_json(),
            ensure_ascii=False,
        )
        town = json.dumps(
            key_points_panel(session, leader, context.core, XITIANWEI).component.to_plotly_json(),
            default=lambda c: c.to_plotly_json(),
            ensure_ascii=False,
        )
        outside = key_points_panel(session, viewer_of("xiuyu.staff"), context.core, XITIANWEI)
    assert "莆田市 1019 个重点部位" in city and "西天尾镇 46 个重点部位" in town
    assert "points.csv?unit=350304100000" in town and 'points.csv"' in city
    assert "西天尾镇 38/46" in town  # the open campaign's progress there
    assert "监测站" in town and "超阈值" in town
    # A focus outside the viewer's scope is their own scope, never the unit asked for.
    text = json.dumps(outside.component.to_plotly_json(), default=lambda c: c.to_plotly_json())
    assert "350304100000" not in text
