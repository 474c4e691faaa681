"""Patrols: the demo campaign (西天尾镇 38/46), 我的巡查 (overdue first), recording an
inspection through the page's callback, photos, opening campaigns, progress on the map."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from access.viewer import Forbidden, NotFound
from modules.flood import patrol
from modules.flood.models import FloodInspection
from modules.flood.points import points_for
from modules.sdk import MeasureSpec
from store.models import AuditEntry
from tests.accounts_fixture import viewer_as, viewer_of
from tests.dash_client import call_callback, response_json
from tests.modules.test_contract import render

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64
RECORD_OUTPUTS = [
    ("flood-patrol-message", "children"),
    ("flood-patrol-list", "children"),
    ("flood-patrol-progress", "children"),
    ("flood-patrol-point", "options"),
    ("flood-patrol-point", "value"),
    ("flood-patrol-result", "value"),
    ("flood-patrol-hazard", "value"),
    ("flood-patrol-measures", "value"),
    ("flood-patrol-photo", "contents"),
]


def upload(data: bytes, mime="image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def record(client, point_id, result="ok", hazard="", measures="", photo=None, raw=False):
    response = call_callback(
        client,
        RECORD_OUTPUTS,
        inputs=[("flood-patrol-submit", "n_clicks", 1)],
        state=[
            ("flood-patrol-point", "value", point_id),
            ("flood-patrol-result", "value", result),
            ("flood-patrol-hazard", "value", hazard),
            ("flood-patrol-measures", "value", measures),
            ("flood-patrol-photo", "contents", photo),
        ],
    )
    body = response_json(response)
    return body if raw else json.dumps(body, ensure_ascii=False)


def open_page(client, path: str) -> str:
    response = call_callback(
        client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        inputs=[("_pages_location", "pathname", path), ("_pages_location", "search", "")],
    )
    return json.dumps(response_json(response), ensure_ascii=False)


def progress_of(sessions, login="xtw.staff", unit=None) -> dict:
    with sessions() as session:
        return patrol.progress(session, viewer_of(login), unit)


def unpatrolled_xtw_point(sessions) -> int:
    viewer = viewer_of("xtw.staff")
    with sessions() as session:
        points = points_for(session, viewer)
        states = patrol.statuses(session, points)
    return next(p.id for p in points if states[p.id].status == patrol.NOT_PATROLLED)


def inspections(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(FloodInspection))


def test_the_demo_campaign_has_xitianwei_at_38_of_46(sessions):
    assert progress_of(sessions) == {"done": 38, "total": 46, "percent": 82}
    assert progress_of(sessions, "licheng.leader", "350304100") == progress_of(sessions)
    with sessions() as session:
        campaigns = patrol.campaigns_for(session, viewer_of("xiuyu.staff"))
        city = progress_of(sessions, "city.leader")
    assert [c.name for c in campaigns] == ["2027年汛前巡查"]
    assert 0 < city["done"] < city["total"] and city["total"] > 900


def test_campaigns_and_inspections_over_http_are_scoped(client_as):
    staff = client_as("xtw.staff")
    [campaign] = staff.get("/api/v1/flood/campaigns").json["campaigns"]
    assert campaign["name"] == "2027年汛前巡查" and campaign["due_date"] == "2027-04-30"
    assert (campaign["done"], campaign["total"], campaign["percent"]) == (38, 46, 82)
    assert campaign["overdue"] == 8
    assert campaign["jurisdiction_code"] is None  # the city is above 西天尾镇's staff
    city = client_as("city.leader").get("/api/v1/flood/campaigns").json["campaigns"]
    assert city[0]["jurisdiction_code"] == "350300000000" and city[0]["total"] > 900
    by_unit = client_as("city.leader").get("/api/v1/flood/campaigns?unit=350304100")
    assert (by_unit.json["campaigns"][0]["done"], by_unit.json["campaigns"][0]["total"]) == (38, 46)
    found = staff.get("/api/v1/flood/inspections").json["inspections"]
    assert len(found) == 38 and all(i["village_code"].startswith("350304100") for i in found)
    assert {i["result_label"] for i in found} <= {"已巡查正常", "发现隐患", "已整改"}
    xiuyu = client_as("xiuyu.staff")
    theirs = xiuyu.get("/api/v1/flood/inspections").json["inspections"]
    assert theirs and not any(i["village_code"].startswith("350304") for i in theirs)
    for url in ("/api/v1/flood/inspections", "/api/v1/flood/campaigns"):
        assert xiuyu.get(f"{url}?unit=350304100").status_code == 403
        assert xiuyu.get(f"{url}?unit=350305199").status_code == 404


def test_my_patrol_page_lists_overdue_points_first(client_as, sessions):
    text = open_page(client_as("xtw.staff"), "/flood/patrol")
    assert "我的巡查" in text and "已巡查 38/46，82%" in text
    viewer = viewer_of("xtw.staff")
    with sessions() as session:
        points = points_for(session, viewer)
        states = patrol.statuses(session, points)
    overdue = [p.name for p in points if states[p.id].overdue]
    assert len(overdue) == 8  # the campaign opened on 11-01: every point is past its period
    positions = sorted(text.index(f'"{name}"') for name in overdue)
    others = [text.index(f'"{p.name}"') for p in points if not states[p.id].overdue]
    assert positions[-1] < min(others)
    assert text.count("已逾期") == 8
    # Leaders do not record: the page says so and lists nothing.
    leader = open_page(client_as("xtw.leader"), "/flood/patrol")
    assert "您没有记录巡查的权限" in leader and "西天尾镇" not in leader


def test_recording_an_inspection_moves_progress_and_is_audited(client_as, sessions):
    before = progress_of(sessions)
    point_id = unpatrolled_xtw_point(sessions)
    body = record(
        client_as("xtw.staff"), point_id, "hazard", "排水沟堵塞", photo=upload(PNG), raw=True
    )
    text = json.dumps(body, ensure_ascii=False)
    # The form is cleared for the next point.
    assert body["response"]["flood-patrol-hazard"]["value"] == ""
    assert body["response"]["flood-patrol-photo"]["contents"] is None
    assert "已记录巡查" in text
    after = progress_of(sessions)
    assert after["done"] == before["done"] + 1 and after["total"] == before["total"]
    assert f"已巡查 {after['done']}/46" in text
    with sessions() as session:
        saved = session.scalars(
            select(FloodInspection).where(FloodInspection.point_id == point_id)
        ).one()
        assert (saved.result, saved.photo_type, saved.inspector) == (
            "hazard",
            "image/png",
            "xtw.staff",
        )
        states = patrol.statuses(session, points_for(session, viewer_of("xtw.staff")))
        assert states[point_id].status == "发现隐患"
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.target == "flood.inspection")
        ).all()[-1]
    assert entry.login == "xtw.staff" and str(point_id) in entry.detail


def test_refusals_are_clear_and_change_nothing(client_as, sessions):
    staff = client_as("xtw.staff")
    point_id = unpatrolled_xtw_point(sessions)
    count = inspections(sessions)
    assert "只接受 JPEG 或 PNG" in record(staff, point_id, photo=upload(GIF, "image/gif"))
    big = upload(JPEG + b"\x00" * (5 * 1024 * 1024), "image/jpeg")
    assert "照片过大" in record(staff, point_id, photo=big)
    assert "请描述隐患情况" in record(staff, point_id, "hazard")
    assert "请填写采取的措施" in record(staff, point_id, "fixed", "挡墙裂缝")
    assert "请选择巡查结果" in record(staff, point_id, "350304100001")
    assert inspections(sessions) == count
    # Another town's staff cannot record on 西天尾镇's point, nor learn that it exists.
    forged = record(client_as("xiuyu.staff"), point_id)
    assert "不在您的辖区内" in forged and "西天尾镇" not in forged
    assert "您没有记录巡查的权限" in record(client_as("xtw.leader"), point_id)
    assert inspections(sessions) == count
    with sessions() as session:
        with pytest.raises(NotFound):
            patrol.record_inspection(
                session, viewer_of("xiuyu.staff"), point_id=point_id, result="ok"
            )


def test_photo_types_are_read_from_their_bytes():
    assert patrol.photo_type(PNG) == "image/png"
    assert patrol.photo_type(JPEG) == "image/jpeg"
    with pytest.raises(patrol.PatrolRefused, match="JPEG 或 PNG"):
        patrol.photo_type(b"%PDF-1.4 pretending")
    with pytest.raises(patrol.PatrolRefused, match="5 MB"):
        patrol.photo_type(JPEG + b"\x00" * (5 * 1024 * 1024))


def test_campaigns_open_only_inside_the_scope_with_a_due_date(client_as, sessions):
    due = (date.today() + timedelta(days=30)).isoformat()

    def submit(client, name, unit, when, button="flood-campaign-submit", pending=None):
        body = submit_campaign(client, name, unit, when, button, pending)
        return json.dumps(body, ensure_ascii=False)

    coordinator = client_as("xtw.coordinator")
    # The town's 46 points move from the city campaign: asked first (test_campaign_moves.py).
    asked = submit_campaign(coordinator, "西天尾镇复查", "350304100000", due)
    pending = asked["response"]["flood-campaign-pending"]["data"]
    assert pending["points"] == 46
    assert "已发起巡查任务：西天尾镇复查" in submit(
        coordinator, "西天尾镇复查", "350304100000", due, "flood-campaign-confirm", pending
    )
    assert "截止日期不能早于今天" in submit(coordinator, "过期", "350304100000", "2020-01-01")
    assert "截止日期格式" in submit(coordinator, "坏日期", "350304100000", "明天")
    refused = submit(coordinator, "越权", "350305101000", due)
    assert "不在您的辖区内" in refused and "350305101000" not in refused
    assert "没有发起巡查任务的权限" in submit(client_as("xtw.staff"), "x", "350304100000", due)
    with sessions() as session:
        mine = [c.name for c in patrol.campaigns_for(session, viewer_of("xtw.staff"))]
        theirs = [c.name for c in patrol.campaigns_for(session, viewer_of("xiuyu.staff"))]
        with pytest.raises(Forbidden):
            patrol.open_campaign(
                session,
                viewer_as(1, "c", "c", "coordinator", ["350305"]),
                name="越权",
                unit="350304100",
                due=due,
            )
        # The newer campaign over 西天尾镇 is now the points' campaign: all to do again.
        fresh = patrol.progress(session, viewer_of("xtw.staff"))
    assert mine[0] == "西天尾镇复查" and "西天尾镇复查" not in theirs
    assert fresh == {"done": 0, "total": 46, "percent": 0}
    page = open_page(client_as("xiuyu.staff"), "/flood/campaigns")
    assert "没有发起巡查任务的权限" in page


CAMPAIGN_OUTPUTS = [
    ("flood-campaign-message", "children"),
    ("flood-campaign-list", "children"),
    ("flood-campaign-confirm-box", "hidden"),
    ("flood-campaign-moves", "children"),
    ("flood-campaign-pending", "data"),
]


def submit_campaign(client, name, unit, when, button="flood-campaign-submit", pending=None):
    """Click 发起 (or 确认发起, 取消) on 巡查任务 with this form; the callback's answer."""
    response = call_callback(
        client,
        CAMPAIGN_OUTPUTS,
        inputs=[
            ("flood-campaign-submit", "n_clicks", 1),
            ("flood-campaign-confirm", "n_clicks", 1 if button == "flood-campaign-confirm" else 0),
            ("flood-campaign-cancel", "n_clicks", 1 if button == "flood-campaign-cancel" else 0),
        ],
        state=[
            ("flood-campaign-name", "value", name),
            ("flood-campaign-unit", "value", unit),
            ("flood-campaign-due", "value", when),
            ("flood-campaign-pending", "data", pending),
        ],
        changed=[f"{button}.n_clicks"],
    )
    return response_json(response)


def test_progress_shades_units_and_fills_the_panel_for_the_focus(flood_app, client_as, sessions):
    registry = flood_app.server.extensions["onemap"].modules
    viewer = viewer_of("licheng.leader")
    measure = next(
        m
        for m in registry.collect("register_measures", MeasureSpec, viewer=viewer)
        if m.id == "flood-patrol-progress"
    )
    assert (measure.title, measure.unit) == ("巡查进度", "%")
    with sessions() as session:
        values = measure.values(session, viewer, ["350304100000", "350304101000"])
        expected = patrol.progress(session, viewer, "350304100")
        assert measure.values(session, viewer_of("xiuyu.staff"), ["350304100000"]) == {}
    assert values["350304100000"] == round(100 * expected["done"] / expected["total"], 1)
    assert 0 <= values["350304101000"] <= 100
    figure = render(
        client_as("licheng.leader"), focus="350304000000", shade="measure:flood-patrol-progress"
    )
    assert figure["data"][0]["z"]

    def panel(login, focus):
        response = call_callback(
            client_as(login),
            [("flood-progress", "children")],
            inputs=[("map-focus", "data", focus)],
        )
        return json.dumps(response_json(response), ensure_ascii=False)

    shown = panel("licheng.leader", "350304100000")
    assert f"西天尾镇 {expected['done']}/{expected['total']}" in shown
    forged = panel("xiuyu.staff", "350304100000")
    assert "西天尾镇" not in forged and "秀屿区" in forged
