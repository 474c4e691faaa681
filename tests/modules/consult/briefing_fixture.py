"""A realistic snapshot document (第2期 of a drill on 1521 杜鹃 over 莆田市) for the briefing
renderers' tests: the shipped outlines of the city's 57 towns, typhoon, flood and alerts
items shaped as those modules answer, a diff against 第1期 and a decision log.

Hostile text sits where a module could put it: a village name holding a <script>, a
station name holding a template-literal expression, a decision with an <img onerror>, a
village named like a spreadsheet formula."""

from __future__ import annotations

import copy
import functools
import json
import math
from pathlib import Path

BOUNDARIES = Path(__file__).resolve().parents[3] / "data" / "boundaries"
SCRIPT_NAME = "<script>window.__pwned = 1</script>东沙村"
TEMPLATE_NAME = "<b>${window.__pwned = 3}</b>`);window.__pwned = 4;//水位站"
IMG_TEXT = '请各镇立即转移<img src="x" onerror="window.__pwned = 2">低洼地带群众'
FORMULA_NAME = '=HYPERLINK("http://example.com/","点此")'
LONG_TITLE = "十级风圈预计影响期间需重点关注的山洪灾害危险区村居名单（按镇街）"
MOMENT = "2015-09-28T12:00:00+00:00"
CENTRE = (120.6, 24.9)  # the storm at MOMENT: east of Putian over the strait


@functools.cache
def _shipped(level: str) -> list[dict]:
    with (BOUNDARIES / f"{level}.geojson").open(encoding="utf-8") as handle:
        return json.load(handle)["features"]


def town_outlines() -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"unit": f["properties"]["code"], "name": f["properties"]["name"]},
                "geometry": f["geometry"],
            }
            for f in _shipped("town")
        ],
    }


def villages(town_code: str) -> list[dict]:
    towns = {f["properties"]["code"]: f["properties"]["name"] for f in _shipped("town")}
    return [
        {
            "unit": f["properties"]["code"],
            "name": f["properties"]["name"],
            "town": towns[f["properties"]["parent_code"]],
        }
        for f in _shipped("village")
        if f["properties"]["parent_code"] == town_code
    ]


def circle(lon: float, lat: float, radius_km: float, points: int = 72) -> dict:
    """A wind circle as the typhoon module draws one: a polygon of destination points."""
    ring = []
    for step in range(points + 1):
        bearing = math.radians(360 * step / points)
        dlat = radius_km / 111.32 * math.cos(bearing)
        dlon = radius_km / (111.32 * math.cos(math.radians(lat))) * math.sin(bearing)
        ring.append([round(lon + dlon, 5), round(lat + dlat, 5)])
    return {"type": "Polygon", "coordinates": [ring]}


def _feature(name: str, geometry: dict, **properties) -> dict:
    return {"type": "Feature", "properties": {"name": name, **properties}, "geometry": geometry}


def _typhoon_items(inside: list[dict]) -> list[dict]:
    track = [[125.9, 23.1], [124.2, 23.5], [122.8, 24.0], [121.6, 24.5], list(CENTRE)]
    forecast = [list(CENTRE), [119.6, 25.3], [118.7, 25.9], [117.9, 26.6]]
    source = "台风模块 · 1521 杜鹃 · CMA 最佳路径"
    return [
        {
            "id": "typhoon.position",
            "module": "typhoon",
            "title": "台风位置与强度",
            "value": "14级 强台风",
            "unit": "",
            "source": source,
            "as_of": MOMENT,
            "severity": "alarm",
            "columns": [],
            "rows": [],
            "key": "",
            "entered": "新进入",
            "left": "已离开",
            "order": 10,
            "features": [
                _feature(
                    "实况路径", {"type": "LineString", "coordinates": track}, colour="#c92a2a"
                ),
                _feature(
                    "预报路径（CMA）",
                    {"type": "LineString", "coordinates": forecast},
                    colour="#c92a2a",
                    dash=True,
                ),
                _feature(
                    "台风中心 9月28日20时",
                    {"type": "Point", "coordinates": list(CENTRE)},
                    colour="#c92a2a",
                ),
            ],
        },
        {
            "id": "typhoon.inside7",
            "module": "typhoon",
            "title": "七级风圈内村居",
            "value": len(inside),
            "unit": "个",
            "source": source,
            "as_of": MOMENT,
            "severity": "alarm",
            "columns": [["unit", "代码"], ["name", "村居"], ["town", "镇街"]],
            "rows": inside,
            "key": "unit",
            "entered": "新进入七级风圈",
            "left": "移出七级风圈",
            "order": 20,
            "features": [
                _feature("七级风圈", circle(*CENTRE, 180), colour="#f5c542"),
                _feature("十级风圈", circle(*CENTRE, 80), colour="#f08c00"),
            ],
        },
        {
            "id": "typhoon.eta",
            "module": "typhoon",
            "title": "七级风圈预计到达",
            "value": "2015-09-28T14:00:00+00:00",
            "unit": "",
            "source": source,
            "as_of": MOMENT,
            "severity": "warn",
            "columns": [
                ["unit", "代码"],
                ["name", "区县"],
                ["eta", "预计到达"],
                ["km", "距离（公里）"],
            ],
            "rows": [
                {
                    "unit": "350305000000",
                    "name": "秀屿区",
                    "eta": "2015-09-28T14:00:00+00:00",
                    "km": 121.4,
                },
                {
                    "unit": "350304000000",
                    "name": "荔城区",
                    "eta": "2015-09-28T16:00:00+00:00",
                    "km": 150.2,
                },
                {
                    "unit": "350322000000",
                    "name": "仙游县",
                    "eta": "2015-09-28T19:00:00+00:00",
                    "km": 196.0,
                },
            ],
            "key": "unit",
            "entered": "新列入",
            "left": "移出",
            "order": 30,
            "features": [],
        },
    ]


def _flood_item() -> dict:
    stations = [
        {
            "code": "ST001",
            "name": "东圳水库",
            "town": "常太镇",
            "level": 101.35,
            "at": MOMENT,
            "lon": 118.93,
            "lat": 25.53,
        },
        {
            "code": "ST002",
            "name": "木兰陂",
            "town": "华亭镇",
            "level": 6.82,
            "at": MOMENT,
            "lon": 118.96,
            "lat": 25.40,
        },
        {
            "code": "ST003",
            "name": TEMPLATE_NAME,
            "town": "西天尾镇",
            "level": 12.5,
            "at": MOMENT,
            "lon": 119.02,
            "lat": 25.52,
        },
    ]
    return {
        "id": "flood.stations_over",
        "module": "flood",
        "title": "超警戒站点",
        "value": len(stations),
        "unit": "个",
        "source": "防汛模块 · 水雨情监测",
        "as_of": MOMENT,
        "severity": "warn",
        "columns": [
            ["code", "站码"],
            ["name", "站名"],
            ["town", "镇街"],
            ["level", "水位（米）"],
            ["at", "观测时间"],
        ],
        "rows": [{k: v for k, v in s.items() if k not in ("lon", "lat")} for s in stations],
        "key": "code",
        "entered": "新超警戒",
        "left": "退出警戒",
        "order": 40,
        "features": [
            _feature(
                s["name"], {"type": "Point", "coordinates": [s["lon"], s["lat"]]}, colour="#1c7ed6"
            )
            for s in stations
        ],
    }


def _other_items() -> list[dict]:
    danger = villages("350322101000")[:5]
    return [
        {
            "id": "alerts.sms",
            "module": "alerts",
            "title": "已发送短信",
            "value": 128,
            "unit": "条",
            "source": "短信提醒模块",
            "as_of": MOMENT,
            "severity": "info",
            "columns": [],
            "rows": [],
            "key": "",
            "order": 60,
            "features": [],
        },
        {
            "id": "flood.danger_a",
            "module": "flood",
            "title": LONG_TITLE,
            "value": len(danger),
            "unit": "个",
            "source": "防汛模块",
            "as_of": MOMENT,
            "severity": "",
            "columns": [["unit", "代码"], ["name", "村居"], ["town", "镇街"]],
            "rows": danger,
            "key": "unit",
            "order": 70,
            "features": [],
        },
        {
            "id": "flood.danger_b",
            "module": "flood",
            "title": LONG_TITLE + "（续）",  # the same first 31 characters
            "value": 0,
            "unit": "个",
            "source": "防汛模块",
            "as_of": MOMENT,
            "columns": [["unit", "代码"], ["name", "村居"]],
            "rows": [],
            "key": "unit",
            "order": 71,
            "features": [],
        },
        {
            "id": "ledger.people",
            "module": "ledger",
            "title": "受影响人口/户数?",  # characters a sheet name may not hold
            "value": 15230.5,
            "unit": "人",
            "source": "一张表 · 2015年9月",
            "as_of": MOMENT,
            "columns": [["name", "镇街"], ["people", "人口"]],
            "rows": [{"name": "西天尾镇", "people": 41230}, {"name": "黄石镇", "people": 90312}],
            "key": "name",
            "order": 80,
            "features": [],
        },
    ]


def _decisions() -> list[dict]:
    def entry(id, number, kind, label, at, text, **more):
        return {
            "id": id,
            "number": number,
            "kind": kind,
            "kind_label": label,
            "author": "市应急指挥",
            "author_id": 5,
            "at": at,
            "edited_at": None,
            "text": text,
            "units": [],
            "corrects": None,
            "attachment": None,
            "sent_at": None,
            "acks": None,
            **more,
        }

    towns = [
        {"code": "350304100000", "name": "西天尾镇"},
        {"code": "350304101000", "name": "黄石镇"},
    ]
    return [
        entry(
            10,
            1,
            "assessment",
            "研判",
            "2015-09-28T06:10:00+00:00",
            "杜鹃将于29日凌晨在莆田沿海登陆，七级风圈今夜影响全市。",
        ),
        entry(
            11,
            2,
            "decision",
            "决策",
            "2015-09-28T11:40:00+00:00",
            "启动防台风Ⅲ级应急响应，渔船全部回港避风。",
        ),
        entry(
            12,
            3,
            "instruction",
            "指令",
            "2015-09-28T11:50:00+00:00",
            IMG_TEXT,
            units=towns,
            sent_at="2015-09-28T11:51:00+00:00",
            acks={"total": 5, "delivered": 4, "acknowledged": 2},
        ),
        entry(
            13,
            4,
            "decision",
            "决策",
            "2015-09-28T11:55:00+00:00",
            "更正：渔船回港时限为今日18时前。",
            corrects=11,
        ),
    ]


def snapshot_document(number: int = 2, drill: bool = True) -> dict:
    """The snapshot document as modules/consult freezes it; `number` 1 has no previous."""
    inside = villages("350304100000") + villages("350305101000")[:6]
    inside.insert(3, {"unit": "350304100099", "name": SCRIPT_NAME, "town": "西天尾镇"})
    inside.insert(5, {"unit": "350304100098", "name": FORMULA_NAME, "town": "西天尾镇"})
    items = _typhoon_items(inside) + [_flood_item()] + _other_items()
    previous = {"id": 6, "number": number - 1, "moment": "2015-09-28T06:00:00+00:00"}
    doc = {
        "id": 7,
        "number": number,
        "title": f"第{number}期防汛防台会商简报",
        "event": {
            "id": 3,
            "kind": "typhoon",
            "kind_label": "台风",
            "ref": "1521",
            "title": "1521 杜鹃",
            "scope": "350300000000",
            "scope_name": "莆田市",
            "drill": drill,
            "level": 3,
            "level_label": "Ⅲ级（三级）应急响应",
            "started_at": "2015-09-28T00:00:00+00:00",
            "ended_at": None,
            "moment": MOMENT,
        },
        "moment": MOMENT,
        "taken_at": "2026-12-06T10:00:00+00:00",
        "taken_by": "市应急指挥",
        "view": {"center": {"lon": 119.0, "lat": 25.45}, "zoom": 9.2},
        "outlines": town_outlines(),
        "items": items,
        "decisions": _decisions(),
        "levels": [],
        "diff": {
            "previous": previous,
            "level": {
                "before": 4,
                "after": 3,
                "before_label": "Ⅳ级（四级）应急响应",
                "after_label": "Ⅲ级（三级）应急响应",
                "raised": True,
            },
            "items": [
                {
                    "id": "typhoon.inside7",
                    "module": "typhoon",
                    "title": "七级风圈内村居",
                    "unit": "个",
                    "before": len(inside) - 20 + 2,
                    "after": len(inside),
                    "key": "unit",
                    "columns": items[1]["columns"],
                    "entered_label": "新进入七级风圈",
                    "left_label": "移出七级风圈",
                    "entered": inside[:20],
                    "left": villages("350302001000")[:2],
                    "changed": [],
                    "appeared": False,
                    "vanished": False,
                },
                {
                    "id": "typhoon.eta",
                    "module": "typhoon",
                    "title": "七级风圈预计到达",
                    "unit": "",
                    "before": "2015-09-28T15:00:00+00:00",
                    "after": "2015-09-28T14:00:00+00:00",
                    "key": "unit",
                    "columns": items[2]["columns"],
                    "entered_label": "新列入",
                    "left_label": "移出",
                    "entered": [],
                    "left": [],
                    "changed": [
                        {
                            "key": "350305000000",
                            "row": items[2]["rows"][0],
                            "fields": {
                                "eta": ["2015-09-28T15:00:00+00:00", "2015-09-28T14:00:00+00:00"]
                            },
                        }
                    ],
                    "appeared": False,
                    "vanished": False,
                },
                {
                    "id": "flood.stations_over",
                    "module": "flood",
                    "title": "超警戒站点",
                    "unit": "个",
                    "before": 2,
                    "after": 3,
                    "key": "code",
                    "columns": items[3]["columns"],
                    "entered_label": "新超警戒",
                    "left_label": "退出警戒",
                    "entered": [items[3]["rows"][2]],
                    "left": [],
                    "changed": [],
                    "appeared": False,
                    "vanished": False,
                },
            ],
            "decisions": [11, 12, 13],
        },
    }
    if number == 1:
        doc["diff"] = {"previous": None, "level": None, "items": [], "decisions": []}
    return copy.deepcopy(doc)
