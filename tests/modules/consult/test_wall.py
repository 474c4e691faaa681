"""The wall display: each refresh keeps the map's view (the same uirevision, so plotly keeps
the viewer's zoom and pan) and the figure picked (by its item id, not its position)."""

from __future__ import annotations

from tests.dash_client import call_callback, response_json

OUTPUTS = [
    ("consult-wall-head", "children"),
    ("consult-wall-cards", "children"),
    ("consult-wall-map", "figure"),
    ("consult-wall-detail", "children"),
]


def _wall(client, event_id, tick, selected):
    return response_json(
        call_callback(
            client,
            OUTPUTS,
            inputs=[
                ("consult-wall-tick", "n_intervals", tick),
                ("consult-wall-selected", "data", selected),
            ],
            state=[("consult-wall-event", "data", event_id)],
        )
    )["response"]


def test_a_refresh_keeps_the_view_and_the_figure_picked(client_as):
    leader = client_as("city.leader")
    events = leader.get("/api/v1/consult/events").get_json()["events"]
    event_id = min(events, key=lambda e: e["id"])["id"]
    first = _wall(leader, event_id, 1, "typhoon.inside7")
    second = _wall(leader, event_id, 2, "typhoon.inside7")
    revisions = [r["consult-wall-map"]["figure"]["layout"]["uirevision"] for r in (first, second)]
    assert revisions[0] == revisions[1] == f"wall-{event_id}"
    for answer in (first, second):
        detail = str(answer["consult-wall-detail"]["children"])
        assert "七级风圈" in detail
    cards = first["consult-wall-cards"]["children"]
    assert all(card["props"]["style"]["fontSize"] == "28px" for card in cards)
    nothing = _wall(leader, event_id, 3, "no.such.item")
    assert nothing["consult-wall-detail"]["children"] == ""
