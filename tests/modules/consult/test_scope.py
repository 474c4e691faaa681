"""Who sees and does what in a consultation, route by route and callback by callback:
leaders read, coordinators run it, staff see only the instructions to their own units, and
nobody outside the event's jurisdiction learns anything (404, as for an unknown id)."""

from __future__ import annotations

import json
import re

import pytest

from tests.accounts_fixture import csrf_header, viewer_of
from tests.dash_client import call_callback, response_json
from tests.modules.consult.conftest import post

CODE = re.compile(r"(?<!\d)35\d{10}(?!\d)")
READERS = ["city.leader", "city.coordinator", "city.admin"]
OUTSIDERS = [
    "licheng.leader",
    "xtw.coordinator",
    "xtw.leader",
    "licheng.admin",
    "xiuyu.staff",
    "xitianwei.staff",
]


def _demo(client_as) -> tuple[int, int]:
    """The demo event (1521 in replay) and its second snapshot."""
    events = client_as("city.leader").get("/api/v1/consult/events").get_json()["events"]
    event = min(events, key=lambda e: e["id"])
    snaps = client_as("city.leader").get(f"/api/v1/consult/events/{event['id']}/snapshots")
    return event["id"], snaps.get_json()["snapshots"][-1]["id"]


def _reads(event_id: int, snapshot_id: int) -> list[str]:
    return [
        f"/api/v1/consult/events/{event_id}",
        f"/api/v1/consult/events/{event_id}/snapshots",
        f"/api/v1/consult/events/{event_id}/entries/1/attachment",
        f"/api/v1/consult/snapshots/{snapshot_id}",
        f"/api/v1/consult/snapshots/{snapshot_id}/briefing.xlsx",
    ]


def _writes(event_id: int) -> list[tuple[str, str, dict]]:
    base = f"/api/v1/consult/events/{event_id}"
    return [
        ("post", f"{base}/level", {"level": 1, "reason": "越权"}),
        ("post", f"{base}/clock", {"to": "+1h"}),
        ("post", f"{base}/entries", {"kind": "decision", "text": "越权"}),
        ("patch", f"{base}/entries/1", {"text": "越权"}),
        ("post", f"{base}/entries/1/send", {}),
        ("post", f"{base}/snapshots", {}),
        ("post", f"{base}/end", {}),
    ]


def _leaked(text: str, login: str) -> set[str]:
    viewer = viewer_of(login)
    return {c for c in CODE.findall(text) if not viewer.covers(c)}


def test_readers_of_the_jurisdiction_read_and_only_coordinators_write(client_as, context):
    event_id, snapshot_id = _demo(client_as)
    for login in READERS:
        client = client_as(login)
        for url in _reads(event_id, snapshot_id):
            answer = client.get(url)
            expected = 404 if url.endswith("attachment") else 200  # entry 1 has none
            assert answer.status_code == expected, (login, url, answer.status_code)
    before = client_as("city.leader").get(f"/api/v1/consult/events/{event_id}").get_json()
    leader = client_as("city.leader")
    for method, url, body in _writes(event_id):
        answer = getattr(leader, method)(url, json=body, headers=csrf_header(leader))
        assert answer.status_code == 403, (url, answer.status_code)
    created = post(leader, "/events", {"kind": "rainstorm", "title": "越权事件"})
    assert created.status_code == 403
    after = client_as("city.leader").get(f"/api/v1/consult/events/{event_id}").get_json()
    assert after["decisions"] == before["decisions"] and after["event"] == before["event"]


@pytest.mark.parametrize("login", OUTSIDERS)
def test_outside_the_jurisdiction_every_route_answers_as_for_an_unknown_id(client_as, login):
    event_id, snapshot_id = _demo(client_as)
    client = client_as(login)
    for url in _reads(event_id, snapshot_id):
        answer = client.get(url)
        unknown = client.get(
            url.replace(f"/{event_id}", "/999999").replace(f"/{snapshot_id}", "/999999")
        )
        assert answer.status_code == unknown.status_code == 404, (url, answer.status_code)
        assert not _leaked(answer.get_data(as_text=True), login)
    for method, url, body in _writes(event_id):
        answer = getattr(client, method)(url, json=body, headers=csrf_header(client))
        assert answer.status_code == 404, (login, url, answer.status_code)
    listed = client.get("/api/v1/consult/events").get_json()["events"]
    assert event_id not in [e["id"] for e in listed]
    for event in listed:
        assert viewer_of(login).covers(event["scope"])


def test_nobody_and_forged_posts_are_refused(client_as, consult_app):
    event_id, _ = _demo(client_as)
    anonymous = consult_app.server.test_client()
    anonymous.get("/login")
    for method, url, body in _writes(event_id):
        assert (
            getattr(anonymous, method)(url, json=body, headers=csrf_header(anonymous)).status_code
            == 401
        )
        coordinator = client_as("city.coordinator")
        assert getattr(coordinator, method)(url, json=body).status_code == 403  # no CSRF header
    assert anonymous.get(f"/api/v1/consult/events/{event_id}").status_code == 401


def test_events_narrow_by_unit_as_every_route_does(client_as):
    leader = client_as("city.leader")
    assert leader.get("/api/v1/consult/events?unit=350300").status_code == 200
    inside = leader.get("/api/v1/consult/events?unit=350304").get_json()["events"]
    assert all(e["scope"].startswith("350304") for e in inside)
    narrow = client_as("licheng.leader")
    assert narrow.get("/api/v1/consult/events?unit=350305").status_code == 403
    assert narrow.get("/api/v1/consult/events?unit=350304199").status_code == 404


def test_a_coordinator_cannot_open_an_event_beyond_their_jurisdiction(client_as):
    town = client_as("xtw.coordinator")
    refused = post(town, "/events", {"kind": "rainstorm", "title": "越界", "scope": "350300"})
    assert refused.status_code == 400 and "辖区" in refused.get_json()["error_zh"]
    own = post(town, "/events", {"kind": "rainstorm", "title": "西天尾镇暴雨"})
    assert own.status_code == 201 and own.get_json()["scope"] == "350304100000"
    assert own.get_json()["id"] not in [
        e["id"] for e in client_as("xiuyu.staff").get("/api/v1/consult/events").get_json()["events"]
    ]


def _key_of(app, input_id: str) -> str:
    """The callback key of the callback fired by `input_id` (its outputs allow duplicates)."""
    app.server.test_client().get("/login")  # Dash completes its callback map on a request
    return next(
        k
        for k, spec in app.callback_map.items()
        if any(i["id"] == input_id for i in spec["inputs"])
    )


def test_the_board_callbacks_show_an_outside_event_to_nobody(client_as, consult_app):
    event_id, _ = _demo(client_as)
    outputs = [
        ("consult-head", "children"),
        ("consult-cards", "children"),
        ("consult-map", "figure"),
        ("consult-log", "children"),
        ("consult-snapshots", "children"),
        ("consult-live-diff", "children"),
        ("consult-board", "data"),
        ("consult-entry-units", "options"),
        ("consult-entry-target", "options"),
        ("consult-wall-link", "href"),
        ("consult-clock", "style"),
    ]
    inputs = [
        ("consult-event", "value", event_id),
        ("consult-refresh", "data", 0),
        ("consult-tick", "n_intervals", 0),
    ]
    mine = response_json(call_callback(client_as("city.leader"), outputs, inputs=inputs))
    assert "typhoon.inside7" in str(mine)
    for login in ("licheng.leader", "xtw.coordinator"):
        theirs = call_callback(client_as(login), outputs, inputs=inputs)
        text = json.dumps(response_json(theirs), ensure_ascii=False)
        assert "请选择一个事件" in text and "typhoon.inside7" not in text
        assert not _leaked(text, login)
    wall = call_callback(
        client_as("licheng.leader"),
        [
            ("consult-wall-head", "children"),
            ("consult-wall-cards", "children"),
            ("consult-wall-map", "figure"),
            ("consult-wall-detail", "children"),
        ],
        inputs=[("consult-wall-tick", "n_intervals", 1), ("consult-wall-selected", "data", None)],
        state=[("consult-wall-event", "data", event_id)],
    )
    assert "请从会商页面选择事件" in json.dumps(response_json(wall), ensure_ascii=False)
    leader_freeze = call_callback(
        client_as("city.leader"),
        [("consult-message", "children"), ("consult-refresh", "data")],
        inputs=[("consult-freeze", "n_clicks", 1)],
        state=[
            ("consult-event", "value", event_id),
            ("consult-map", "relayoutData", None),
            ("consult-refresh", "data", 0),
        ],
        output_key=_key_of(consult_app, "consult-freeze"),
    )
    assert "没有主持会商的权限" in json.dumps(response_json(leader_freeze), ensure_ascii=False)
