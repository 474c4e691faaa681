"""The map's basemap switcher: a choice is checked against what the settings offer, kept for
the session, and redraws the view on that basemap; the CSP lets the chosen online basemap's
tiles in and nothing else."""

from __future__ import annotations

import json

import pytest

from app import basemap
from app.factory import create_app
from app.security_headers import policy
from tests.app_fixtures import client_factory, database_for, settings_for
from tests.dash_client import call_callback, duplicate_output_key, response_json


@pytest.fixture(scope="module")
def osm_app(request):
    with database_for(request, "basemap") as url:
        yield create_app(settings_for(url, basemaps_online="osm"))


def _switch(app, client, basemap_id):
    return call_callback(
        client,
        [("map-figure", "data")],
        inputs=[("map-basemap", "value", basemap_id)],
        state=[
            ("map-focus", "data", "350304000000"),
            ("map-selected", "data", "350304000000"),
            ("layer-toggles", "value", ["county"]),
            ("map-shade", "value", "zone"),
        ],
        output_key=duplicate_output_key(app, "map-figure.data", fired_by="map-basemap"),
    )


def test_a_chosen_basemap_is_drawn_and_kept_and_a_forged_one_is_the_default(osm_app):
    client = client_factory(osm_app)("licheng.leader")
    settings = osm_app.server.extensions["onemap"].settings
    assert "osm" in [option["value"] for option in basemap.choices(settings)]
    figure = response_json(_switch(osm_app, client, "osm"))["response"]["map-figure"]["data"]
    assert figure["layout"]["meta"]["basemap"]["basemap"] == "osm"
    again = call_callback(
        client,
        [
            ("map-figure", "data"),
            ("breadcrumb", "children"),
            ("unit-profile", "children"),
            ("unit-children", "children"),
        ],
        inputs=[
            ("map-focus", "data", "350304000000"),
            ("map-selected", "data", "350304000000"),
            ("layer-toggles", "value", ["county"]),
        ],
        state=[("map-shade", "value", "zone")],
    )
    kept = response_json(again)["response"]["map-figure"]["data"]
    assert kept["layout"]["meta"]["basemap"]["basemap"] == "osm"  # kept for the session
    forged = response_json(_switch(osm_app, client, "http://evil.example/{z}"))
    shown = forged["response"]["map-figure"]["data"]["layout"]["meta"]["basemap"]["basemap"]
    assert shown == basemap.chosen(settings).id  # the default, not the forged value
    assert "evil.example" not in json.dumps(forged)


def test_the_csp_admits_only_the_configured_basemaps_origins():
    text = policy(["'sha256-x'"], "", ("https://tile.openstreetmap.org",))
    assert "img-src 'self' data: blob: https://tile.openstreetmap.org" in text
    assert "connect-src 'self' blob: https://tile.openstreetmap.org" in text
    assert "openstreetmap" not in policy(["'sha256-x'"])
