"""The diff of two rounds, from the two documents only: members in and out, figures changed,
the response level, new decisions."""

from __future__ import annotations

from modules.consult.diff import diff


def _doc(level: int, items: list[dict], decisions: tuple[int, ...] = (), number: int = 1) -> dict:
    return {
        "id": number * 10,
        "number": number,
        "moment": f"2015-09-28T{number:02d}:00:00+00:00",
        "event": {"level": level},
        "items": items,
        "decisions": [{"id": d} for d in decisions],
    }


def _circle(*villages: str, value=None) -> dict:
    return {
        "id": "typhoon.inside7",
        "title": "七级风圈内村居",
        "value": len(villages) if value is None else value,
        "key": "unit",
        "columns": [["unit", "代码"], ["name", "村居"]],
        "rows": [{"unit": v, "name": f"村{v[-3:]}"} for v in villages],
        "entered": "新进入七级风圈",
        "left": "移出七级风圈",
    }


def _eta(**hours: float) -> dict:
    return {
        "id": "typhoon.eta7",
        "title": "七级风圈抵达时间",
        "value": len(hours),
        "key": "unit",
        "columns": [["unit", "代码"], ["hours", "还有(小时)"]],
        "rows": [{"unit": code, "hours": h} for code, h in hours.items()],
    }


def test_the_first_round_has_nothing_to_compare():
    assert diff(None, _doc(4, [_circle("350304100001")])) == {
        "previous": None,
        "level": None,
        "items": [],
        "decisions": [],
    }


def test_villages_entering_and_leaving_a_circle_are_listed_by_their_code():
    before = _doc(4, [_circle("350304100001", "350304100002")], number=1)
    after = _doc(4, [_circle("350304100002", "350304100003", "350304100004")], number=2)
    change = diff(before, after)
    [item] = change["items"]
    assert [r["unit"] for r in item["entered"]] == ["350304100003", "350304100004"]
    assert [r["unit"] for r in item["left"]] == ["350304100001"]
    assert (item["before"], item["after"]) == (2, 3)
    assert item["entered_label"] == "新进入七级风圈"
    assert change["previous"] == {"id": 10, "number": 1, "moment": "2015-09-28T01:00:00+00:00"}


def test_members_still_there_report_the_columns_that_changed():
    change = diff(_doc(4, [_eta(a=12.0, b=6.0)]), _doc(4, [_eta(a=6.0, b=6.0)], number=2))
    [item] = change["items"]
    assert item["entered"] == [] and item["left"] == []
    assert item["changed"] == [
        {"key": "a", "row": {"unit": "a", "hours": 6.0}, "fields": {"hours": [12.0, 6.0]}}
    ]


def test_unchanged_items_are_left_out_and_items_that_appear_or_vanish_are_marked():
    same = _circle("350304100001")
    gauge = {
        "id": "flood.stations_over",
        "title": "超警站点",
        "value": 1,
        "key": "code",
        "columns": [["code", "站码"]],
        "rows": [{"code": "S1"}],
    }
    change = diff(_doc(4, [same, gauge]), _doc(4, [same], number=2))
    [item] = change["items"]
    assert item["id"] == "flood.stations_over" and item["vanished"]
    assert [r["code"] for r in item["left"]] == ["S1"]
    appeared = diff(_doc(4, [same]), _doc(4, [same, gauge], number=2))["items"][0]
    assert appeared["appeared"] and [r["code"] for r in appeared["entered"]] == ["S1"]


def test_an_item_without_a_key_reports_its_headline_only():
    position = {
        "id": "typhoon.position",
        "title": "台风位置",
        "value": "强台风",
        "rows": [{"lon": 1}],
    }
    moved = {**position, "value": "超强台风", "rows": [{"lon": 2}]}
    [item] = diff(_doc(4, [position]), _doc(4, [moved], number=2))["items"]
    assert (item["before"], item["after"]) == ("强台风", "超强台风")
    assert item["entered"] == item["left"] == item["changed"] == []


def test_a_raised_response_level_and_new_decisions():
    change = diff(_doc(4, [], decisions=(1, 2)), _doc(3, [], decisions=(1, 2, 5, 6), number=2))
    assert change["level"]["before"] == 4 and change["level"]["after"] == 3
    assert change["level"]["raised"] is True
    assert change["level"]["after_label"] == "Ⅲ级（三级）应急响应"
    assert change["decisions"] == [5, 6]
    lowered = diff(_doc(3, []), _doc(0, [], number=2))["level"]
    assert lowered["raised"] is False and lowered["after_label"] == "未启动应急响应"
