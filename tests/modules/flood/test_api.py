"""GET /api/v1/flood/points: GeoJSON of the viewer's key points, scoped by the core."""

from __future__ import annotations

import json
import re

RANK = {"blue": 0, "yellow": 1, "orange": 2, "red": 3}
FULL = re.compile(r"1[3-9]\d{9}")
MASKED = re.compile(r"1[3-9]\d\*{4}\d{4}")
PROPERTIES = {
    "id",
    "name",
    "category",
    "risk_level",
    "risk_level_label",
    "live_risk_level",
    "live_risk_reason",
    "village_code",
    "patrol_status",
    "responsible_name",
    "responsible_phone",
}


def features(client, query=""):
    response = client.get(f"/api/v1/flood/points{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["type"] == "FeatureCollection"
    return response.json["features"]


def test_xitianwei_staff_get_their_46_points_with_full_phones(client_as):
    found = features(client_as("xtw.staff"))
    assert len(found) == 46
    for feature in found:
        props = feature["properties"]
        assert PROPERTIES <= set(props)
        assert props["village_code"].startswith("350304100")
        assert FULL.fullmatch(props["responsible_phone"])
        assert RANK[props["live_risk_level"]] >= RANK[props["risk_level"]]
        if props["live_risk_level"] != props["risk_level"]:
            assert props["live_risk_reason"]  # a raised marker says why
        assert props["patrol_status"] in {"未巡查", "已巡查正常", "发现隐患", "已整改"}
        assert feature["geometry"]["type"] == "Point"
    assert {f["properties"]["risk_level_label"] for f in found} <= {"红", "橙", "黄", "蓝"}


def test_a_licheng_leader_sees_masked_phones(client_as):
    found = features(client_as("licheng.leader"))
    assert len(found) > 46
    assert all(f["properties"]["village_code"].startswith("350304") for f in found)
    assert all(MASKED.fullmatch(f["properties"]["responsible_phone"]) for f in found)


def test_xiuyu_staff_see_none_of_xitianwei(client_as):
    found = features(client_as("xiuyu.staff"))
    assert found
    assert all(f["properties"]["village_code"].startswith("350305") for f in found)
    assert all(FULL.fullmatch(f["properties"]["responsible_phone"]) for f in found)


def test_the_unit_narrows_inside_the_scope_and_is_refused_outside(client_as):
    client = client_as("xtw.staff")
    village = features(client, "?unit=350304100001")
    assert village and {f["properties"]["village_code"] for f in village} == {"350304100001"}
    assert client.get("/api/v1/flood/points?unit=350305101").status_code == 403
    assert client.get("/api/v1/flood/points?unit=350304199").status_code == 404
    city = features(client_as("city.coordinator"), "?unit=350305")
    assert city and all(FULL.fullmatch(f["properties"]["responsible_phone"]) for f in city)


def test_anonymous_gets_401(flood_app):
    response = flood_app.server.test_client().get("/api/v1/flood/points")
    assert response.status_code == 401 and b"35030" not in response.data


def test_an_exposure_signal_raises_the_named_point_and_says_why(flood_app, client_as):
    from datetime import UTC, datetime, timedelta

    from modules.sdk import Signal

    client = client_as("xtw.staff")
    blue = next(
        f["properties"] for f in features(client) if f["properties"]["live_risk_level"] == "blue"
    )
    now = datetime.now(UTC).replace(microsecond=0)
    entry = {
        "site": f"flood:{blue['id']}",
        "level": 10,
        "from": (now + timedelta(hours=1)).isoformat(),
        "until": (now + timedelta(hours=6)).isoformat(),
    }
    signal = Signal(
        "exposure",
        "typhoon",
        {"hazard": "台风", "event": "测试", "sites": [entry]},
        key="storm:test",
        valid_from=now - timedelta(minutes=1),
        valid_until=now + timedelta(hours=6),
    )
    context = flood_app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        context.core.publish(session, signal)
    try:
        raised = next(f["properties"] for f in features(client) if f["id"] == blue["id"])
        assert raised["live_risk_level"] == "orange" and raised["risk_level"] == "blue"
        assert raised["live_risk_reason"].startswith("台风测试 10级风圈 ")
        # The map marker says it too; another county's viewer sees nothing of it.
        csv_text = client.get("/api/v1/flood/points.csv").data.decode("utf-8-sig")
        assert "台风测试 10级风圈" in csv_text
        assert "台风测试" not in json.dumps(features(client_as("xiuyu.staff")), ensure_ascii=False)
    finally:
        withdrawn = Signal("exposure", "typhoon", {}, key="storm:test")
        with context.sessions() as session, session.begin():
            context.core.publish(session, withdrawn)
    back = next(f["properties"] for f in features(client) if f["id"] == blue["id"])
    assert back["live_risk_level"] == "blue" and back["live_risk_reason"] is None
