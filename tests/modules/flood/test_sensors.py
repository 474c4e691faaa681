"""Stations and readings: the ingest route (per-station token, per-item answers, idempotent),
the scoped stations API, the map layer and the station's series in the panel, the storm."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from modules.flood import storm
from modules.flood.models import FloodReading, FloodStation
from tests.dash_client import call_callback, response_json
from tests.modules.flood.helpers import count_readings, off_the_half_hour, post, recent
from tests.modules.test_contract import render


def test_ingest_answers_per_item_and_is_idempotent(flood_app, sessions, tokens):
    before = count_readings(sessions)
    at = recent(7)
    beijing = off_the_half_hour(datetime.now(UTC) + timedelta(hours=8) - timedelta(minutes=3))
    naive_beijing = beijing.strftime("%Y-%m-%dT%H:%M:00")
    items = [
        {"station": "YL-XTW", "time": at, "value": 12.5},
        {"station": "YL-XTW", "time": at, "value": 13.0},  # same station and time
        {"station": "YL-XTW", "time": naive_beijing, "value": 0},  # Beijing time, no offset
        {"station": "NOPE-1", "time": at, "value": 1},
        {"station": "MLX-05", "time": at, "value": 6.1},  # exists, not this token's
        {"station": "YL-XTW", "time": "yesterday", "value": 1},
        {"station": "YL-XTW", "time": recent(-120), "value": 1},
        {"station": "YL-XTW", "time": recent(9), "value": -0.5},
        {"station": "YL-XTW", "time": recent(11), "value": 301},
        {"station": "YL-XTW", "time": recent(13), "value": "lots"},
        "not an object",
    ]
    response = post(flood_app, items, tokens["YL-XTW"])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    statuses = [item["status"] for item in body["items"]]
    assert statuses == ["accepted", "duplicate", "accepted"] + ["refused"] * 8
    reasons = [item["reason"] for item in body["items"][3:]]
    assert reasons[0] == "unknown station"
    assert reasons[1].startswith("not your station")
    assert reasons[2].startswith("bad time") and reasons[3].startswith("bad time: in the future")
    assert "below 0" in reasons[4] and "above 300" in reasons[5]
    assert reasons[6].startswith("bad value: expected a number, not text")
    assert reasons[7].startswith("bad item")
    assert (body["accepted"], body["duplicate"], body["refused"]) == (2, 1, 8)
    assert count_readings(sessions) == before + 2
    again = post(flood_app, items[:3], tokens["YL-XTW"]).json
    assert [i["status"] for i in again["items"]] == ["duplicate"] * 3
    assert count_readings(sessions) == before + 2
    with sessions() as session:
        kept = session.scalar(
            select(FloodReading.value).where(
                FloodReading.at == datetime.fromisoformat(at),
                FloodReading.station_id
                == select(FloodStation.id).where(FloodStation.code == "YL-XTW").scalar_subquery(),
            )
        )
    assert kept == 12.5  # the first value stays


def test_a_source_token_covers_its_stations_only(flood_app, sessions, tokens):
    at = recent(30 * 60)  # before the demo storm: the stations' latest readings stay its own
    items = [
        {"station": "MLX-04", "time": at, "value": 9.0},
        {"station": "MLX-07", "time": at, "value": 2.5},
        {"station": "YL-XTW", "time": at, "value": 1.0},  # a rain gauge, not the source's
    ]
    body = post(flood_app, items, tokens[storm.SOURCE]).json
    assert [i["status"] for i in body["items"]] == ["accepted", "accepted", "refused"]
    assert body["items"][2]["reason"] == "not your station: the token does not cover it"


def test_level_range_and_tokens(flood_app, sessions, tokens):
    before = count_readings(sessions)
    level = [
        {"station": "MLX-05", "time": recent(5), "value": 99.0},
        {"station": "MLX-05", "time": recent(5), "value": 1.0},
    ]
    body = post(flood_app, level, tokens["MLX-05"]).json
    assert [i["status"] for i in body["items"]] == ["refused", "refused"]
    assert all("out of the station's range" in i["reason"] for i in body["items"])
    good = [{"station": "YL-XTW", "time": recent(15), "value": 1.0}]
    for token in ("wrong-token", "", tokens["YL-XTW"] + "x"):
        response = post(flood_app, good, token)
        assert response.status_code == 401 and "令牌" in response.json["message"]
    # Without any Authorization header: the route itself refuses (no CSRF gate on devices).
    assert post(flood_app, good).status_code == 401
    bad_body = post(flood_app, None, tokens["YL-XTW"], raw=b"{not json")
    assert bad_body.status_code == 400
    assert count_readings(sessions) == before


def test_stations_api_is_scoped_with_state_and_thresholds(client_as):
    xtw = client_as("xtw.staff").get("/api/v1/flood/stations")
    assert xtw.status_code == 200
    features = xtw.json["features"]
    assert [f["properties"]["station"] for f in features] == ["YL-XTW"]
    props = features[0]["properties"]
    assert props["village_code"].startswith("350304100")
    assert props["state"] in {"normal", "warning"} and props["rain_mm"]["24h"] > 0
    assert props["thresholds"]["rain_1h"] == 40.0
    xiuyu = client_as("xiuyu.staff").get("/api/v1/flood/stations").json["features"]
    assert [f["properties"]["station"] for f in xiuyu] == ["YL-HS"]
    assert client_as("xiuyu.staff").get("/api/v1/flood/stations?unit=350304100").status_code == 403
    city = client_as("city.leader").get("/api/v1/flood/stations").json["features"]
    assert len(city) == len(storm.STATIONS)
    counties = {f["properties"]["village_code"][:6] for f in city}
    assert counties == {"350302", "350303", "350304", "350305", "350322"}
    by_code = {f["properties"]["station"]: f["properties"] for f in city}
    # The demo storm leaves 木兰陂 0.32 m over its warning level and 濑溪 over its guarantee.
    assert by_code["MLX-05"]["state_label"] == "超警戒"
    assert "超警戒 0.32 m" in by_code["MLX-05"]["reason"]
    assert by_code["MLX-04"]["state_label"] == "超保证"
    # Along the river from west to east.
    river = [by_code[f"MLX-0{i}"] for i in range(1, 8)]
    assert [p["village_code"][:6] for p in river] == [
        "350322",
        "350322",
        "350322",
        "350302",
        "350302",
        "350304",
        "350303",
    ]


def test_points_near_a_station_over_warning_say_why(client_as):
    features = client_as("city.leader").get("/api/v1/flood/points").json["features"]
    raised = [f["properties"] for f in features if f["properties"]["live_risk_reason"]]
    assert any("木兰溪木兰陂站超警戒" in p["live_risk_reason"] for p in raised)
    rank = {"blue": 0, "yellow": 1, "orange": 2, "red": 3}
    assert all(rank[p["live_risk_level"]] >= rank["orange"] for p in raised)


def test_stations_on_the_map_and_their_series_in_the_panel(client_as):
    figure = render(client_as("xtw.staff"))
    trace = next(t for t in figure["data"] if t.get("name") == "监测站")
    assert trace["customdata"] == ["flood-station:YL-XTW"]
    assert trace["meta"] == {"layer": "flood-stations"}

    def click(login, station):
        data = {"points": [{"customdata": f"flood-station:{station}", "lon": 119, "lat": 25.4}]}
        return call_callback(
            client_as(login),
            [("flood-station-detail", "children")],
            inputs=[("map", "clickData", data)],
        )

    answer = response_json(click("xtw.staff", "YL-XTW"))
    text = json.dumps(answer, ensure_ascii=False)
    assert "西天尾雨量站 近24小时雨量" in text and "24小时 150 mm" in text
    # The chart offers no way to send the readings to plotly's cloud.
    children = answer["response"]["flood-station-detail"]["children"]
    chart = next(c for c in children if c["props"].get("id") == "flood-station-chart")
    config = chart["props"]["config"]
    assert config["showSendToCloud"] is False and config["showEditInChartStudio"] is False
    assert config["displaylogo"] is False and config["plotlyServerURL"] == ""
    level = json.dumps(response_json(click("city.leader", "MLX-05")), ensure_ascii=False)
    assert "警戒水位 7.6 m" in level and "保证水位 8.6 m" in level
    # Another county's station is not shown to 西天尾镇 staff, nor to 秀屿区's.
    assert click("xtw.staff", "MLX-05").status_code == 204
    assert click("xiuyu.staff", "YL-XTW").status_code == 204


def test_the_storm_replays_through_ingest_and_twice_adds_nothing(sessions):
    end = storm.storm_end() - timedelta(hours=1)  # an hour earlier: two new half hours
    slept = []
    first = storm.replay(sessions, speed=1800, end=end, sleep=slept.append)
    assert first["refused"] == 0 and first["accepted"] > 0
    assert slept and all(s == 1.0 for s in slept)  # half an hour of storm per second
    second = storm.replay(sessions, end=end)
    assert second == {
        "accepted": 0,
        "duplicate": first["accepted"] + first["duplicate"],
        "refused": 0,
    }


def test_the_replay_command_runs_as_the_system(flood_app, monkeypatch, capsys):
    import app.cli as cli

    settings = flood_app.server.extensions["onemap"].settings
    monkeypatch.setenv("ONEMAP_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("ONEMAP_SECRET_KEY", "k")
    assert cli.main(["flood", "replay-storm", "--speed", "0"]) == 0
    assert "storm replayed:" in capsys.readouterr().out
    assert cli.main(["flood", "station-token", "YL-HS"]) == 0
    assert "YL-HS: fs_" in capsys.readouterr().out


def test_a_retry_racing_its_first_request_is_answered_as_duplicates(
    flood_app, sessions, tokens, monkeypatch
):
    from sqlalchemy.exc import IntegrityError

    from modules.flood import ingest

    original = ingest.ingest
    calls = []
    items = [{"station": "YL-XTW", "time": recent(33), "value": 2.0}]

    def racing(session, batch, allowed, now=None, window=None):
        calls.append(1)
        if len(calls) == 1:
            # The device's first request stored the same reading after this one looked:
            # its insert meets the unique key.
            raise IntegrityError("INSERT", {}, Exception("unique station, time"))
        return original(session, batch, allowed, now, window)

    with sessions() as other, other.begin():
        original(other, items, allowed=None)

    monkeypatch.setattr(ingest, "ingest", racing)
    response = post(flood_app, items, tokens["YL-XTW"])
    assert response.status_code == 200 and len(calls) == 2
    assert [i["status"] for i in response.json["items"]] == ["duplicate"]
