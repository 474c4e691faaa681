"""CMA advisories stored: a newer bulletin is the forecast in force and the older stay on
record; a bad bulletin is refused line by line at every door and changes nothing; and a
coordinator whose scope covers the advisory corrects its radii by hand (人工订正, audited),
after which exposure follows the corrected circles."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from modules.typhoon import importing
from store.models import AuditEntry
from tests.accounts_fixture import csrf_header, viewer_of
from tests.dash_client import call_callback, response_json
from tests.modules.typhoon.doors import quick_snapshot, via_api, via_cli, via_page
from tests.snapshot import changed

BULLETINS = Path(__file__).resolve().parent / "bulletins"
BAD = json.loads((BULLETINS / "bad" / "manifest.json").read_text(encoding="utf-8"))["files"]
NOW = datetime(2026, 9, 30, 18, tzinfo=UTC)


def bulletin(name: str, storm: str) -> bytes:
    """A test bulletin, under its own storm number so that tests do not share a storm."""
    return (BULLETINS / name).read_text(encoding="utf-8").replace("9921", storm).encode()


def imported(core, name: str, storm: str, login: str = "city.admin"):
    outcome = importing.run(core, viewer_of(login), bulletin(name, storm), "wtpq", now=NOW)
    assert outcome.ok, outcome.text()
    return outcome


@pytest.fixture(scope="module")
def admin(typhoon_app):
    from tests.app_fixtures import client_factory

    return client_factory(typhoon_app)("city.admin")


def test_a_newer_advisory_is_in_force_and_the_older_stays_on_record(core, client_as):
    imported(core, "2_typhoon.txt", "9951")
    client = client_as("xtw.staff")
    first = client.get("/api/v1/typhoon/storms/9951/track").json["advisories"]
    assert [(a["issued_at"], a["in_force"]) for a in first] == [("2026-09-28T03:00:00+00:00", True)]
    imported(core, "3_landfall.txt", "9951")
    record = client.get("/api/v1/typhoon/storms/9951/track").json["advisories"]
    assert [(a["agency"], a["in_force"], a["replaced_by"]) for a in record] == [
        ("CMA", False, "2026-09-29T03:00:00+00:00"),
        ("CMA", True, None),
    ]
    exposure = client.get("/api/v1/typhoon/storms/9951/exposure").json
    assert [f["issued_at"] for f in exposure["forecasts"]] == ["2026-09-29T03:00:00+00:00"]
    # The older bulletin sent again changes nothing: the newer stays in force.
    again = importing.run(
        core, viewer_of("city.admin"), bulletin("2_typhoon.txt", "9951"), "wtpq", now=NOW
    )
    assert again.unchanged == ["9951"]
    record = client.get("/api/v1/typhoon/storms/9951/track").json["advisories"]
    assert [a["in_force"] for a in record] == [False, True]
    storms = {s["id"]: s for s in client.get("/api/v1/typhoon/storms").json["storms"]}
    assert storms["9951"]["forecasts"] == 2 and storms["9951"]["name_en"] == "Mock"


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_bulletin_is_refused_line_by_line_at_every_door_and_changes_nothing(
    name, typhoon_app, admin, cli_core, tmp_path, capsys
):
    entry = BAD[name]
    data = (BULLETINS / "bad" / name).read_bytes()
    before = quick_snapshot(typhoon_app)
    cli = via_cli(cli_core, tmp_path, data, "wtpq", None, capsys)
    page = via_page(admin, data, "wtpq")
    api = via_api(admin, data, "wtpq", None, name)
    assert api.status == 400
    for answer in (cli, page, api):
        assert not answer.ok and entry["expect_zh"] in answer.text_zh, answer
    for answer in (cli, api):
        assert entry["expect"] in answer.text, answer
    assert cli.text_zh == page.text_zh == api.text_zh
    assert changed(before, quick_snapshot(typhoon_app)) == []


def test_a_good_bulletin_is_imported_once_whichever_door(
    typhoon_app, admin, cli_core, tmp_path, capsys
):
    data = bulletin("3_landfall.txt", "9952")
    first = via_api(admin, data, "wtpq")
    assert first.ok and first.text_zh.startswith("已导入：9952"), first
    for answer in (
        via_page(admin, data, "wtpq"),
        via_cli(cli_core, tmp_path, data, "wtpq", None, capsys),
    ):
        assert answer.ok and "已导入过且内容相同，未作更改：9952" in answer.text_zh, answer


def correct(client, storm: str, body: dict):
    return client.post(
        f"/api/v1/typhoon/storms/{storm}/advisory/radii",
        json=body,
        headers=csrf_header(client),
    )


SMALL_10 = {"level": 10, "radii": {"ne": 5, "se": 5, "sw": 5, "nw": 5}}


def _forecast_units(client, storm: str, level: str) -> set[str]:
    body = client.get(f"/api/v1/typhoon/storms/{storm}/exposure").json
    (forecast,) = body["forecasts"]
    return {u["code"] for u in forecast["levels"][level]["units"]}


def test_only_a_coordinator_whose_scope_covers_the_advisory_corrects_it(core, client_as):
    imported(core, "3_landfall.txt", "9953")  # owned by the city admin's scope
    staff = correct(client_as("xiuyu.staff"), "9953", SMALL_10)
    assert staff.status_code == 403 and staff.json["error_zh"]
    outside = correct(client_as("xtw.coordinator"), "9953", SMALL_10)
    assert outside.status_code == 403
    assert "莆田市导入的数据" in outside.json["error_zh"] and "无权修改" in outside.json["error_zh"]
    track = client_as("xtw.staff").get("/api/v1/typhoon/storms/9953/track").json
    analysis = next(f for f in track["features"] if f["properties"].get("kind") == "forecast")
    assert analysis["properties"]["radii_km"]["10"] == {"ne": 80, "se": 80, "sw": 60, "nw": 60}
    assert analysis["properties"]["edited_by"] is None


def test_a_county_coordinator_corrects_its_own_counties_advisory_not_the_citys(core, client_as):
    imported(core, "3_landfall.txt", "9954", login="licheng.admin")  # owned by 荔城区
    assert correct(client_as("xtw.coordinator"), "9954", SMALL_10).status_code == 403
    assert correct(client_as("city.coordinator"), "9954", SMALL_10).status_code == 200


def test_a_hand_correction_is_audited_marked_and_moves_the_exposure(core, client_as, sessions):
    imported(core, "3_landfall.txt", "9955")
    reader = client_as("xtw.staff")
    before = _forecast_units(reader, "9955", "10")
    assert before  # 西天尾镇 lies within 60 km of the analysis centre, NW of it
    coordinator = client_as("city.coordinator")
    done = correct(coordinator, "9955", SMALL_10)
    assert done.status_code == 200, done.json
    assert done.json["before"] == {"ne": 80.0, "se": 80.0, "sw": 60.0, "nw": 60.0}
    assert done.json["radii"] == {"ne": 5.0, "se": 5.0, "sw": 5.0, "nw": 5.0}
    assert done.json["time"] == "2026-09-29T00:00:00+00:00"  # the analysis by default
    assert _forecast_units(reader, "9955", "10") == set()  # computed again from 5 km
    track = reader.get("/api/v1/typhoon/storms/9955/track").json
    analysis = next(f for f in track["features"] if f["properties"].get("kind") == "forecast")
    props = analysis["properties"]
    assert props["radii_km"]["10"] == {"ne": 5.0, "se": 5.0, "sw": 5.0, "nw": 5.0}
    assert props["edited_by"] == done.json["edited_by"] and props["edited_at"]
    assert props["radii_km"]["7"] == {"ne": 250, "se": 250, "sw": 200, "nw": 220}  # untouched
    (entry,) = track["advisories"]
    assert entry["edits"][0]["time"] == "2026-09-29T00:00:00+00:00"
    with sessions() as session:
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.target == "typhoon.radii")
        ).all()
    mine = [a for a in audit if json.loads(a.detail)["storm"] == "9955"]
    assert len(mine) == 1 and mine[0].login == "city.coordinator"
    detail = json.loads(mine[0].detail)
    assert detail["level"] == 10 and detail["before"]["nw"] == 60 and detail["after"]["nw"] == 5
    # A newer advisory is in force; the corrected one stays on record with its mark.
    imported(core, "4_weakening.txt", "9955")
    record = reader.get("/api/v1/typhoon/storms/9955/track").json["advisories"]
    assert [bool(a["edits"]) for a in record] == [True, False]
    assert [a["in_force"] for a in record] == [False, True]


def test_a_correction_of_a_later_point_and_refusals_of_bad_input(core, client_as):
    imported(core, "3_landfall.txt", "9956")
    coordinator = client_as("city.coordinator")
    later = {
        "level": 7,
        "time": "2026-09-29T12:00:00Z",
        "radii": {"ne": 200, "se": 190, "sw": 160, "nw": 150},
    }
    done = correct(coordinator, "9956", later)
    assert done.status_code == 200 and done.json["before"]["ne"] == 180
    for body, said in (
        ({"level": 8, "radii": SMALL_10["radii"]}, "风圈等级应为 7、10 或 12"),
        ({"level": 7, "radii": {"ne": 100, "se": 100, "sw": 100}}, "西北象限半径未填写"),
        (
            {"level": 7, "radii": {"ne": -1, "se": 1, "sw": 1, "nw": 1}},
            "东北象限半径 -1 公里不合理",
        ),
        (
            {**SMALL_10, "time": "2026-09-29T06:00:00Z"},
            "现行报文在 2026-09-29 06:00 UTC 没有预报点",
        ),
        ({**SMALL_10, "time": "soon"}, "时间格式无效"),
    ):
        refused = correct(coordinator, "9956", body)
        assert refused.status_code == 400 and said in refused.json["error_zh"], refused.json
        assert set(refused.json) >= {"error", "error_zh", "message", "status"}
    assert correct(coordinator, "0000", SMALL_10).status_code == 404
    no_advisory = correct(coordinator, "1521", SMALL_10)
    assert no_advisory.status_code == 409 and "没有预报报文" in no_advisory.json["error_zh"]


def test_the_page_lists_the_advisories_and_marks_the_correction(core, client_as):
    imported(core, "2_typhoon.txt", "9957")
    imported(core, "3_landfall.txt", "9957")
    best = (
        "storm,kind,time,lat,lon,pressure_hpa,wind_ms\n"
        "9957,best,2026-09-28T00:00:00Z,23.5,122.6,950,40\n"
        "9957,best,2026-09-29T00:00:00Z,25.2,119.3,975,30\n"
    )
    outcome = importing.run(core, viewer_of("city.admin"), best.encode(), "csv", now=NOW)
    assert outcome.ok, outcome.text()
    assert correct(client_as("city.coordinator"), "9957", SMALL_10).status_code == 200
    response = call_callback(
        client_as("xtw.staff"),
        [
            ("typhoon-map", "figure"),
            ("typhoon-status", "children"),
            ("typhoon-exposure", "children"),
        ],
        [
            ("typhoon-storm", "value", "9957"),
            ("typhoon-time", "value", 12),
            ("typhoon-replay", "value", []),
        ],
    )
    listing = json.dumps(
        response_json(response)["response"]["typhoon-exposure"], ensure_ascii=False
    )
    assert "预报报文记录" in listing
    assert "CMA 09-28 11:00 发布（已被 09-29 11:00 报文取代，仅作记录）" in listing
    assert "CMA 09-29 11:00 发布（现行）：09-29 08:00 点 人工订正（" in listing


def open_page(client) -> str:
    response = call_callback(
        client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        inputs=[("_pages_location", "pathname", "/typhoon"), ("_pages_location", "search", "")],
    )
    return json.dumps(response_json(response), ensure_ascii=False)


def page_correct(client, storm: str, level=10, radii=(5, 5, 5, 5)) -> str:
    response = call_callback(
        client,
        [("typhoon-correct-message", "children")],
        [("typhoon-correct", "n_clicks", 1)],
        [
            ("typhoon-storm", "value", storm),
            ("typhoon-correct-level", "value", level),
            *(
                (f"typhoon-correct-{q}", "value", r)
                for q, r in zip(("ne", "se", "sw", "nw"), radii, strict=True)
            ),
        ],
    )
    return json.dumps(response_json(response), ensure_ascii=False)


def test_the_pages_correction_form_is_a_coordinators_and_checks_the_scope(core, client_as):
    imported(core, "3_landfall.txt", "9958")
    assert "人工订正现行报文的风圈" in open_page(client_as("city.coordinator"))
    assert "人工订正现行报文的风圈" not in open_page(client_as("xiuyu.staff"))
    assert "只有应急会商人员可以订正风圈" in page_correct(client_as("xiuyu.staff"), "9958")
    assert "无权修改" in page_correct(client_as("xtw.coordinator"), "9958")
    assert "西北象限半径未填写" in page_correct(
        client_as("city.coordinator"), "9958", radii=(5, 5, 5, None)
    )
    done = page_correct(client_as("city.coordinator"), "9958")
    assert "已订正：台风 9958 现行 CMA 报文 10级风圈（东北5、东南5、西南5、西北5 公里）" in done
    track = client_as("xtw.staff").get("/api/v1/typhoon/storms/9958/track").json
    (entry,) = track["advisories"]
    assert entry["edits"] and entry["edits"][0]["edited_by"] == "city.coordinator"


def status_at(client, storm: str, hour: int) -> str:
    response = call_callback(
        client,
        [
            ("typhoon-map", "figure"),
            ("typhoon-status", "children"),
            ("typhoon-exposure", "children"),
        ],
        [
            ("typhoon-storm", "value", storm),
            ("typhoon-time", "value", hour),
            ("typhoon-replay", "value", []),
        ],
    )
    return json.dumps(response_json(response)["response"]["typhoon-status"], ensure_ascii=False)


def test_the_page_says_how_much_of_the_jma_circle_is_the_quadrant_rules(client_as):
    client = client_as("xtw.staff")
    # 1521 on 09-26 12 UTC: JMA's longest 30-kt radius lies in a diagonal direction.
    said = status_at(client, "1521", 120)
    assert "7级风圈：4个象限中3个为推算（资料只给最长、最短半径" in said
    assert "10级风圈：4个象限中" not in said  # JMA's 50-kt circle is symmetric then
    # At landfall JMA's circles are symmetric: every quadrant is stated, nothing is said.
    assert "为推算" not in status_at(client, "1521", 181)
