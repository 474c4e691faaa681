"""The 台风会商 page's callbacks, called over HTTP as the browser does."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from tests.dash_client import call_callback, response_json
from tests.modules.typhoon.test_parsers import OURS_CSV

RENDER = [
    ("typhoon-map", "figure"),
    ("typhoon-status", "children"),
    ("typhoon-exposure", "children"),
]
# 1521 Dujuan's first fix is 2015-09-21 12:00 UTC; landfall in 秀屿区 2015-09-29 00:50 UTC.
LANDFALL_HOUR = 181


def text(response) -> str:
    return json.dumps(response_json(response), ensure_ascii=False)


def render(client, storm="1521", hour=LANDFALL_HOUR, replay=()):
    response = call_callback(
        client,
        RENDER,
        [
            ("typhoon-storm", "value", storm),
            ("typhoon-time", "value", hour),
            ("typhoon-replay", "value", list(replay)),
        ],
    )
    return response_json(response)["response"]


def test_the_page_is_listed_and_opens(client_as):
    client = client_as("xiuyu.staff")
    assert client.get("/typhoon").status_code == 200


def test_render_draws_track_circles_and_warning_lines(client_as):
    body = render(client_as("xiuyu.staff"))
    names = [t.get("name") for t in body["typhoon-map"]["figure"]["data"]]
    assert "24小时警戒线" in names and "48小时警戒线" in names
    assert "7级风圈" in names and "10级风圈" in names and "台风" in " ".join(n or "" for n in names)
    circle = next(t for t in body["typhoon-map"]["figure"]["data"] if t.get("name") == "7级风圈")
    assert circle["fill"] == "toself"
    status = json.dumps(body["typhoon-status"], ensure_ascii=False)
    assert "1521 杜鹃" in status and "北京时" in status and "30节风圈近似为7级" in status


def test_exposure_list_changes_with_time_and_stays_in_scope(client_as):
    client = client_as("xiuyu.staff")
    early = json.dumps(render(client, hour=20)["typhoon-exposure"], ensure_ascii=False)
    late = json.dumps(render(client, hour=LANDFALL_HOUR)["typhoon-exposure"], ensure_ascii=False)
    assert "7级风圈：0个村居" in early
    assert "7级风圈：0个村居" not in late and "秀屿区" in late
    assert "350304" not in late and "350303" not in late


def test_replay_shows_the_track_only_up_to_the_time(client_as):
    client = client_as("xiuyu.staff")
    full = render(client, hour=48)["typhoon-map"]["figure"]["data"]
    drill = render(client, hour=48, replay=["replay"])
    path = next(t for t in drill["typhoon-map"]["figure"]["data"] if t.get("name") == "路径")
    whole = next(t for t in full if t.get("name") == "路径")
    assert len(path["lon"]) < len(whole["lon"])
    assert "演练回放" in json.dumps(drill["typhoon-status"], ensure_ascii=False)


def test_gaemi_says_its_circles_are_unavailable(client_as):
    body = render(client_as("xiuyu.staff"), storm="2403", hour=100)
    names = [t.get("name") for t in body["typhoon-map"]["figure"]["data"]]
    assert "7级风圈" not in names and "路径" in names
    assert "风圈及影响范围不可用" in json.dumps(body["typhoon-exposure"], ensure_ascii=False)


def test_forged_values_answer_without_echo(client_as):
    client = client_as("xiuyu.staff")
    response = call_callback(
        client,
        RENDER,
        [
            ("typhoon-storm", "value", "350304100000"),
            ("typhoon-time", "value", "350304100000"),
            ("typhoon-replay", "value", "350304100000"),
        ],
    )
    assert response.status_code == 200 and "350304100000" not in response.get_data(as_text=True)
    huge = render(client, hour="350304100000")  # a code as the slider value: clamped to the end
    assert "2015-09-30" in json.dumps(huge["typhoon-status"], ensure_ascii=False)


def publish(client, hour=LANDFALL_HOUR, replay=()):
    return call_callback(
        client,
        [("typhoon-publish-message", "children")],
        [("typhoon-publish", "n_clicks", 1)],
        [
            ("typhoon-storm", "value", "1521"),
            ("typhoon-time", "value", hour),
            ("typhoon-replay", "value", list(replay)),
        ],
    )


def test_publish_button_needs_consult(client_as, core, sessions):
    assert "没有发布" in text(publish(client_as("xiuyu.staff")))
    done = text(publish(client_as("city.coordinator")))
    assert "已发布" in done and "历史台风" in done
    with sessions() as session:
        (signal,) = [
            s for s in core.signals(session, "exposure") if s.key == "storm:1521@350300000000"
        ]
    assert signal.payload["drill"] is True
    assert {u["code"][:6] for u in signal.payload["units"]} >= {"350305", "350304"}
    assert signal.payload["units"][0]["from"].startswith("2015-")


def test_a_replay_drill_publishes_the_storm_as_if_now_and_flood_acts_on_it(
    client_as, core, sessions
):
    from modules.flood.risk import exposure_causes

    done = text(publish(client_as("xtw.coordinator"), replay=["replay"]))
    assert "演练：以台风 09-29 09:00 的位置作为此刻" in done
    now = datetime.now(UTC)
    with sessions() as session:
        (signal,) = [
            s for s in core.signals(session, "exposure") if s.key == "storm:1521@350304100000"
        ]
    assert signal.payload["drill"] is True and signal.payload["event"] == "1521 杜鹃（演练）"
    spans = [
        (datetime.fromisoformat(e["from"]), datetime.fromisoformat(e["until"]))
        for e in signal.payload["sites"]
    ]
    assert spans and all(start <= now + timedelta(minutes=5) for start, _ in spans)
    assert any(end > now for _, end in spans)  # the circles are still over 西天尾镇
    assert all(e["site"] for e in signal.payload["sites"])
    by_site, _ = exposure_causes([signal], now)
    assert by_site and all("1521 杜鹃（演练）" in c.reason for cs in by_site.values() for c in cs)


def test_upload_is_all_or_nothing(client_as):
    admin = client_as("city.admin")

    def upload(text):
        data = "data:text/csv;base64," + base64.b64encode(text.encode()).decode()
        return call_callback(
            admin,
            [("typhoon-upload-message", "children"), ("typhoon-storm", "options")],
            [("typhoon-upload", "contents", data)],
            [("typhoon-upload-format", "value", "csv"), ("typhoon-upload-storm", "value", "")],
        )

    bad = text(upload(OURS_CSV.replace("9901", "9911").replace("22.0,124.0", "95.0,124.0")))
    assert "第2行" in bad and "未导入任何数据" in bad
    assert admin.get("/api/v1/typhoon/storms/9911/track").status_code == 404
    good = text(upload(OURS_CSV.replace("9901", "9911")))
    assert "已导入：9911" in good and '"value": "9911"' in good


def test_a_forecast_is_drawn_with_its_cone_and_listed(client_as):
    from tests.modules.typhoon.test_api import FORECAST_CSV

    admin = client_as("city.admin")
    data = "data:text/csv;base64," + base64.b64encode(FORECAST_CSV.encode()).decode()
    call_callback(
        admin,
        [("typhoon-upload-message", "children"), ("typhoon-storm", "options")],
        [("typhoon-upload", "contents", data)],
        [("typhoon-upload-format", "value", "csv"), ("typhoon-upload-storm", "value", "")],
    )
    body = render(client_as("xiuyu.staff"), storm="9920", hour=6)
    names = [t.get("name") or "" for t in body["typhoon-map"]["figure"]["data"]]
    assert "CMA 预报不确定性" in names and any(n.startswith("CMA 预报路径") for n in names)
    listing = json.dumps(body["typhoon-exposure"], ensure_ascii=False)
    assert "预报影响（CMA" in listing and "7级风圈：0个村居" not in listing.split("预报影响")[1]
