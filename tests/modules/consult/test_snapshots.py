"""Snapshots: numbered, frozen (the data changes, the snapshot does not; the database
refuses to change one), and their diff on a replayed storm: between two rounds six hours
apart, the villages entering the 7-level circle are exactly those the typhoon module says."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from modules.typhoon import service, storage
from tests.accounts_fixture import viewer_of
from tests.modules.consult.conftest import open_drill, post

ROUND_1 = datetime(2015, 9, 28, 0, tzinfo=UTC)  # 08:00 Beijing
ROUND_2 = datetime(2015, 9, 28, 6, tzinfo=UTC)


def _freeze(client, event_id, view=None) -> dict:
    answer = post(client, f"/events/{event_id}/snapshots", {"view": view} if view else {})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return client.get(f"/api/v1/consult/snapshots/{answer.get_json()['id']}").get_json()


def _inside7(context, moment) -> set[str]:
    viewer = viewer_of("city.coordinator")
    with context.sessions() as session:
        storm, data = storage.load(session, "1521")
        targets = service.targets_for(session, viewer, context.core)
        exposure = service.exposure_at(storm, data, targets, moment)
    return {u["code"] for u in exposure["levels"]["7"]["units"] if u["level"] == "village"}


def test_the_diff_of_two_rounds_lists_the_villages_the_typhoon_module_puts_inside(
    client_as, context
):
    coordinator = client_as("city.coordinator")
    event_id = open_drill(coordinator, start="2015-09-28 08:00")
    post(coordinator, f"/events/{event_id}/entries", {"kind": "decision", "text": "启动Ⅳ级响应"})
    first = _freeze(coordinator, event_id, {"center": {"lon": 119.1, "lat": 25.4}, "zoom": 9})
    post(coordinator, f"/events/{event_id}/clock", {"to": "+6h"})
    post(coordinator, f"/events/{event_id}/level", {"level": 3, "reason": "七级风圈覆盖全市"})
    post(coordinator, f"/events/{event_id}/entries", {"kind": "decision", "text": "升级为Ⅲ级响应"})
    second = _freeze(coordinator, event_id)
    assert (first["number"], second["number"]) == (1, 2)
    assert first["title"] == "第1期防汛防台会商简报" and first["view"]["zoom"] == 9
    assert (first["moment"], second["moment"]) == (ROUND_1.isoformat(), ROUND_2.isoformat())
    assert first["diff"]["previous"] is None
    change = second["diff"]
    assert change["previous"]["id"] == first["id"]
    entering = _inside7(context, ROUND_2) - _inside7(context, ROUND_1)
    assert len(entering) > 100  # 1521's 7-level circle swept over the city in these hours
    [inside7] = [i for i in change["items"] if i["id"] == "typhoon.inside7"]
    assert {row["unit"] for row in inside7["entered"]} == entering
    assert inside7["entered_label"] == "新进入七级风圈"
    assert {row["unit"] for row in inside7["left"]} == _inside7(context, ROUND_1) - _inside7(
        context, ROUND_2
    )
    assert change["level"]["after_label"] == "Ⅲ级（三级）应急响应" and change["level"]["raised"]
    assert len(change["decisions"]) == 1
    numbers = [
        s["number"]
        for s in coordinator.get(f"/api/v1/consult/events/{event_id}/snapshots").get_json()[
            "snapshots"
        ]
    ]
    assert numbers == [1, 2]


def test_a_snapshot_never_changes_when_the_data_does(client_as, context):
    coordinator = client_as("city.coordinator")
    event_id = open_drill(coordinator, start="2015-09-28 14:00")
    frozen = _freeze(coordinator, event_id)
    path = f"/api/v1/consult/snapshots/{frozen['id']}"
    # The live data changes: the level, the log, the clock, and the storm's own track.
    post(coordinator, f"/events/{event_id}/level", {"level": 2, "reason": "登陆"})
    post(coordinator, f"/events/{event_id}/entries", {"kind": "feedback", "text": "新反馈"})
    post(coordinator, f"/events/{event_id}/clock", {"to": "+12h"})
    with context.sessions() as session, session.begin():
        session.execute(text("UPDATE typhoon_points SET lon = lon + 1.0 WHERE storm_id = '1521'"))
    try:
        again = coordinator.get(path).get_json()
        assert again == frozen
        live = coordinator.get(f"/api/v1/consult/events/{event_id}").get_json()
        assert live["event"]["level"] == 2 and live["moment"] != frozen["moment"]
        # The database refuses to change or remove a snapshot, whoever asks.
        for statement in (
            "UPDATE consult_snapshots SET document = '{}' WHERE id = :id",
            "DELETE FROM consult_snapshots WHERE id = :id",
        ):
            with pytest.raises(DBAPIError, match="frozen"):
                with context.sessions() as session, session.begin():
                    session.execute(text(statement), {"id": frozen["id"]})
        assert json.dumps(coordinator.get(path).get_json(), sort_keys=True) == json.dumps(
            frozen, sort_keys=True
        )
    finally:
        with context.sessions() as session, session.begin():
            session.execute(
                text("UPDATE typhoon_points SET lon = lon - 1.0 WHERE storm_id = '1521'")
            )


def test_the_demo_consultation_has_two_rounds_six_hours_apart(client_as):
    leader = client_as("city.leader")
    events = leader.get("/api/v1/consult/events").get_json()["events"]
    demo = min(events, key=lambda e: e["id"])  # seeded before any test made its own
    assert demo["ref"] == "1521" and demo["snapshots"] == 2
    assert demo["drill"] and demo["title"] == "1521 杜鹃（演练）"
    listed = leader.get(f"/api/v1/consult/events/{demo['id']}/snapshots").get_json()["snapshots"]
    moments = [datetime.fromisoformat(s["moment"]) for s in listed]
    assert (moments[1] - moments[0]).total_seconds() == 6 * 3600
    second = leader.get(f"/api/v1/consult/snapshots/{listed[1]['id']}").get_json()
    assert second["diff"]["level"]["after"] == 3
    assert len(second["decisions"]) == 4
    assert any(i["id"] == "typhoon.inside7" and i["entered"] for i in second["diff"]["items"])


def test_a_snapshot_s_briefings_download_in_every_format(client_as):
    import io

    from openpyxl import load_workbook

    leader = client_as("city.leader")
    events = leader.get("/api/v1/consult/events").get_json()["events"]
    event = min(events, key=lambda e: e["id"])
    listed = leader.get(f"/api/v1/consult/events/{event['id']}/snapshots").get_json()["snapshots"]
    base = f"/api/v1/consult/snapshots/{listed[-1]['id']}/briefing"
    html = leader.get(f"{base}.html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert "attachment" in html.headers["Content-Disposition"]
    page = html.get_data(as_text=True)
    assert "第2期防汛防台会商简报" in page and "<script src=" not in page
    book = load_workbook(io.BytesIO(leader.get(f"{base}.xlsx").data))
    assert {"概况", "变化", "决策"} <= set(book.sheetnames)
    pdf = leader.get(f"{base}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    printable = leader.get(f"{base}.print.html")
    assert "Content-Disposition" not in printable.headers
    assert "【演练】第2期防汛防台会商简报" in printable.get_data(as_text=True)
    assert leader.get(f"{base}.docx").status_code == 404
