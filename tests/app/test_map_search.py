"""Search on the map: units and key points by name, full pinyin or pinyin initials, inside
the viewer's scope only (called over HTTP as the browser calls it, on both engines)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from app.map_search import rank, spellings
from modules.flood.models import FloodKeyPoint
from tests.app_fixtures import app_on_engine, client_factory
from tests.dash_client import call_callback, response_json
from tests.modules.flood.conftest import seed

XITIANWEI = "350304100000"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def search_app(request) -> Iterator:
    with app_on_engine(request, "map-search", prepare=seed) as app:
        yield app


@pytest.fixture
def client_as(search_app):
    return client_factory(search_app)


def find(client, query: str):
    response = call_callback(
        client, [("map-search-hits", "children")], inputs=[("map-search", "value", query)]
    )
    return response


def hits(client, query: str) -> list[dict]:
    """(name, code, site) of each hit button the search answers."""
    response = find(client, query)
    if response.status_code == 204:
        return []
    body = response_json(response)["response"]["map-search-hits"]["children"]
    if body.get("type") != "Ul":
        return []
    found = []
    for item in body["props"]["children"]:
        button = item["props"]["children"]["props"]
        found.append({"name": button["children"][0]["props"]["children"], **button["id"]})
    return found


def a_key_point_of_xitianwei(search_app) -> str:
    sessions = search_app.server.extensions["onemap"].sessions
    with sessions() as session:
        names = session.scalars(
            select(FloodKeyPoint.name).where(FloodKeyPoint.village_code.like("350304100%"))
        ).all()
    # A name no point outside 西天尾镇 shares, so a hit can only be that point.
    with sessions() as session:
        elsewhere = set(
            session.scalars(
                select(FloodKeyPoint.name).where(FloodKeyPoint.village_code.notlike("350304100%"))
            )
        )
    return next(name for name in names if name not in elsewhere)


def test_pinyin_initials_and_full_pinyin_of_a_name():
    assert spellings("西天尾镇") == ("xtwz", "xitianweizhen")
    assert rank("xtw", "西天尾镇") == 2 and rank("xitianwei", "西天尾镇") == 3
    assert rank("西天尾", "西天尾镇") == 1 and rank("西天尾镇", "西天尾镇") == 0
    assert rank("tw", "西天尾镇") == 5 and rank("城厢", "西天尾镇") is None


def test_a_leader_finds_xitianwei_by_initials_and_by_name(client_as):
    leader = client_as("city.leader")
    for query in ("xtw", "西天尾", "XTW ", "xitianwei"):
        found = hits(leader, query)
        assert found and found[0]["name"] == "西天尾镇" and found[0]["code"] == XITIANWEI, query
    assert len(hits(leader, "x")) == 12  # at most a dozen answers


def test_a_key_point_is_found_by_name_with_its_village(client_as, search_app):
    name = a_key_point_of_xitianwei(search_app)
    found = [h for h in hits(client_as("xtw.staff"), name) if h["site"]]
    assert found and found[0]["name"] == name
    assert found[0]["code"].startswith("350304100") and found[0]["site"].startswith("flood:")


def test_a_staff_member_of_another_town_finds_nothing_of_xitianwei(client_as, search_app):
    xiuyu = client_as("xiuyu.staff")
    name = a_key_point_of_xitianwei(search_app)
    for query in ("xtw", "西天尾", "xitianwei", name):
        text = json.dumps(hits(xiuyu, query), ensure_ascii=False)
        assert "西天尾" not in text and "350304100" not in text, query
    # What they do find lies in their own county.
    assert all(h["code"].startswith("350305") for h in hits(xiuyu, "x"))


def test_a_forged_pick_outside_the_scope_draws_nothing(client_as, search_app):
    """The highlight of a picked key point is looked up in the scope, whatever was sent."""
    name = a_key_point_of_xitianwei(search_app)
    site = next(h for h in hits(client_as("xtw.staff"), name) if h["site"])
    hit_id = {"role": "search-hit", "code": site["code"], "site": site["site"]}

    def pick(client):
        return call_callback(
            client,
            [("map-highlight", "data")],
            inputs=[
                (
                    {"role": "search-hit", "code": "ALL", "site": "ALL"},
                    "n_clicks",
                    [{"id": hit_id, "property": "n_clicks", "value": 1}],
                )
            ],
            changed=[json.dumps(hit_id, separators=(",", ":"), sort_keys=True) + ".n_clicks"],
        )

    mine = response_json(pick(client_as("xtw.staff")))["response"]["map-highlight"]["data"]
    assert mine["name"] == name and mine["village"] == site["code"]
    assert pick(client_as("xiuyu.staff")).status_code == 204  # nothing to draw
