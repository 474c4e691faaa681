"""Events through the API: opening one (a typhoon names a storm the typhoon module knows),
the response level and its history, a drill's replay clock, the end."""

from __future__ import annotations

from tests.modules.consult.conftest import open_drill, post


def test_a_coordinator_opens_a_drill_and_the_board_answers_at_its_clock(client_as):
    coordinator = client_as("city.coordinator")
    event_id = open_drill(coordinator, start="2015-09-28 08:00")
    board = coordinator.get(f"/api/v1/consult/events/{event_id}").get_json()
    assert board["event"]["drill"] is True and board["event"]["title"] == "1521 杜鹃"
    assert board["moment"] == "2015-09-28T00:00:00+00:00"  # 08:00 Beijing time
    items = {item["id"]: item for item in board["items"]}
    assert {"typhoon.position", "typhoon.inside7", "flood.points_risk"} <= set(items)
    assert items["typhoon.position"]["as_of"] == "2015-09-28T00:00:00+00:00"
    assert board["outlines_url"].startswith("/api/v1/layers/town.geojson?parent=3503&")
    assert board["bbox"][0] < board["bbox"][2], "the view frames the jurisdiction"
    assert board["levels"][0]["reason"] == "开启事件"


def test_a_storm_the_typhoon_module_does_not_know_is_refused_with_a_reason(client_as):
    coordinator = client_as("city.coordinator")
    answer = post(
        coordinator,
        "/events",
        {
            "kind": "typhoon",
            "title": "不存在",
            "ref": "9999",
            "drill": True,
            "start": "2015-09-28 08:00",
        },
    )
    assert answer.status_code == 400
    assert "台风 9999" in answer.get_json()["error_zh"]
    missing = post(coordinator, "/events", {"kind": "typhoon", "title": "没有编号"})
    assert "台风编号" in missing.get_json()["error_zh"]
    future = post(
        coordinator, "/events", {"kind": "rainstorm", "title": "暴雨", "start": "2099-01-01 08:00"}
    )
    assert future.status_code == 400 and "晚于现在" in future.get_json()["error_zh"]
    rainstorm = post(coordinator, "/events", {"kind": "rainstorm", "title": "12·6 暴雨"})
    assert rainstorm.status_code == 201 and rainstorm.get_json()["drill"] is False


def test_the_response_level_keeps_its_history_and_needs_a_reason(client_as):
    coordinator = client_as("city.coordinator")
    event_id = open_drill(coordinator)
    assert post(coordinator, f"/events/{event_id}/level", {"level": 3}).status_code == 400
    raised = post(coordinator, f"/events/{event_id}/level", {"level": 3, "reason": "风圈逼近"})
    assert raised.status_code == 200 and raised.get_json()["level"] == 3
    again = post(coordinator, f"/events/{event_id}/level", {"level": 3, "reason": "重复"})
    assert "当前已是Ⅲ级" in again.get_json()["error_zh"]
    assert (
        post(coordinator, f"/events/{event_id}/level", {"level": 7, "reason": "x"}).status_code
        == 400
    )
    levels = coordinator.get(f"/api/v1/consult/events/{event_id}").get_json()["levels"]
    assert [(c["level"], c["reason"]) for c in levels] == [(0, "开启事件"), (3, "风圈逼近")]


def test_a_drill_s_clock_moves_by_steps_or_to_a_time_and_a_live_event_has_none(client_as):
    coordinator = client_as("city.coordinator")
    event_id = open_drill(coordinator, start="2015-09-28 08:00")
    moved = post(coordinator, f"/events/{event_id}/clock", {"to": "+6h"})
    assert moved.get_json()["moment"] == "2015-09-28T06:00:00+00:00"
    jumped = post(coordinator, f"/events/{event_id}/clock", {"to": "2015-09-29 08:50"})
    assert jumped.get_json()["moment"] == "2015-09-29T00:50:00+00:00"
    bad = post(coordinator, f"/events/{event_id}/clock", {"to": "明天"})
    assert bad.status_code == 400 and "无法识别" in bad.get_json()["error_zh"]
    live = post(coordinator, "/events", {"kind": "flood", "title": "木兰溪洪水"}).get_json()["id"]
    refused = post(coordinator, f"/events/{live}/clock", {"to": "+1h"})
    assert "只有演练" in refused.get_json()["error_zh"]


def test_an_ended_event_takes_no_more_writes(client_as):
    coordinator = client_as("city.coordinator")
    event_id = open_drill(coordinator)
    assert post(coordinator, f"/events/{event_id}/end").status_code == 200
    entry = post(
        coordinator, f"/events/{event_id}/entries", {"kind": "decision", "text": "迟到的决定"}
    )
    assert entry.status_code == 400 and "已结束" in entry.get_json()["error_zh"]
    assert (
        "已结束"
        in post(coordinator, f"/events/{event_id}/level", {"level": 2, "reason": "x"}).get_json()[
            "error_zh"
        ]
    )
