"""Audiences (unit and children, groups, key-point officers, the 10-level circle within 24 h),
duplicates, strict scope, templates and the preview with real values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from access.viewer import Forbidden, NotFound
from modules.alerts.audience import (
    Audience,
    AudienceRefused,
    check_text,
    render_all,
    resolve,
)
from modules.sdk import Signal
from tests.dash_client import call_callback, response_json
from tests.modules.alerts.helpers import core_of

TOWN = "350304100"


def recipients(context, login, **audience):
    core = core_of(context, login)
    with context.sessions() as session:
        return resolve(session, core.viewer(), core, Audience(**audience))


def sites_of(context, login, unit=None):
    core = core_of(context, login)
    with context.sessions() as session:
        return core.sites(session, core.viewer(), unit)


def test_a_unit_and_its_children_each_phone_once(context):
    resolved = recipients(context, "xtw.staff", unit=TOWN)
    codes = {r.village_code for r in resolved.recipients}
    assert codes >= {"350304100000", "350304100001", "350304100216"}
    assert all(c.startswith(TOWN) for c in codes)
    phones = [r.phone for r in resolved.recipients]
    assert len(phones) == len(set(phones))
    grouped = recipients(context, "xtw.staff", unit=TOWN, groups=("网格员", "在建工地负责人"))
    # Some 网格员 serve two villages (demo): one message each, and the removal is reported.
    assert grouped.duplicates > 0
    assert len(grouped.recipients) < len(resolved.recipients)
    with context.sessions() as session:
        per_unit = grouped.per_unit(session)
    assert len(per_unit) == 17 and all(u["code"].startswith(TOWN) for u in per_unit)
    assert sum(u["count"] for u in per_unit) == len(grouped.recipients)


def test_units_outside_the_scope_are_refused_and_unknown_ones_not_found(context):
    with pytest.raises(Forbidden):
        recipients(context, "xtw.staff", unit="350305101")
    with pytest.raises(NotFound):
        recipients(context, "xtw.staff", unit="350304199")
    with pytest.raises(AudienceRefused):  # two towns: the unit must be named
        recipients(context, "two.towns")


def test_key_point_officers_and_forged_site_ids_outside_are_ignored(context):
    mine = [s for s in sites_of(context, "xtw.staff") if s.contact_phone][:3]
    theirs = [s for s in sites_of(context, "xiuyu.staff") if s.contact_phone][:2]
    assert mine and theirs
    resolved = recipients(context, "xtw.staff", unit=TOWN, sites=tuple(s.id for s in mine + theirs))
    assert {r.phone for r in resolved.recipients} == {s.contact_phone for s in mine}
    assert resolved.ignored_sites == 2
    assert {r.site_name for r in resolved.recipients} <= {s.name for s in mine}


def test_everyone_linked_to_points_inside_the_10_level_circle_within_24_hours(context):
    now = datetime.now(UTC)
    mine = [s for s in sites_of(context, "xtw.staff") if s.contact_phone][:4]
    theirs = [s for s in sites_of(context, "xiuyu.staff") if s.contact_phone][:1]

    def item(site, level, hours):
        start = now + timedelta(hours=hours)
        return {
            "site": site.id,
            "level": level,
            "from": start.isoformat(),
            "until": (start + timedelta(hours=6)).isoformat(),
        }

    payload = {
        "hazard": "台风",
        "event": "测试",
        "drill": False,
        "sites": [
            item(mine[0], 10, 2),
            item(mine[1], 12, 20),
            item(mine[2], 7, 1),  # only the 7-level circle
            item(mine[3], 10, 30),  # beyond 24 h
            item(theirs[0], 12, 1),  # outside the viewer's scope
        ],
        "units": [],
    }
    key = "storm:alerts-test"
    with context.sessions() as session, session.begin():
        context.core.publish(session, Signal("exposure", "test", payload, now, key))
    try:
        resolved = recipients(context, "xtw.staff", unit=TOWN, exposure=True)
        assert {r.phone for r in resolved.recipients} == {
            mine[0].contact_phone,
            mine[1].contact_phone,
        }
        assert {r.level for r in resolved.recipients} == {10, 12}
        with context.sessions() as session:
            bodies = render_all(session, "{单位}{风圈等级}：{重点部位}", resolved)
        assert any("10级" in b and mine[0].name in b for b in bodies)
    finally:
        with context.sessions() as session, session.begin():
            context.core.publish(session, Signal("exposure", "test", {}, now, key))


def test_texts_are_checked_and_rendered_with_real_values(context):
    with pytest.raises(AudienceRefused, match="超过 500 字"):
        check_text("台" * 501)
    with pytest.raises(AudienceRefused, match="未知字段：地点"):
        check_text("请到{地点}集合")
    resolved = recipients(context, "xtw.staff", unit="350304100001", groups=("村居干部",))
    moment = datetime(2026, 9, 28, 2, 5, tzinfo=UTC)
    with context.sessions() as session:
        bodies = render_all(session, "{单位}：{时间}起注意防范。", resolved, moment)
    assert bodies[0] == "东星社区居委会：9月28日10:05起注意防范。"  # Beijing time


def test_the_preview_shows_counts_per_unit_and_samples(client_as):
    outputs = [("alerts-preview-out", "children")]
    state = [
        ("alerts-unit", "value", "350304100"),
        ("alerts-groups", "value", ["村居干部"]),
        ("alerts-sites", "value", []),
        ("alerts-exposure", "value", []),
        ("alerts-text", "value", "{单位}请注意：{时间}"),
        ("alerts-template", "value", None),
        ("alerts-drill", "value", []),
        ("alerts-drill-mode", "value", "mark"),
    ]
    body = response_json(
        call_callback(client_as("xtw.staff"), outputs, [("alerts-preview", "n_clicks", 1)], state)
    )
    text = str(body)
    assert "共 35 人" in text  # 2 in each of 17 villages, 1 for the town itself (demo)
    assert "东星社区" in text and "138****" in text
    forged = [(i, p, "350305101000" if i == "alerts-unit" else v) for i, p, v in state]
    body = response_json(
        call_callback(client_as("xtw.staff"), outputs, [("alerts-preview", "n_clicks", 1)], forged)
    )
    assert "不在您的辖区内" in str(body) and "350305101000" not in str(body)


def test_key_point_choices_follow_the_unit_and_never_leave_the_scope(client_as, context):
    outputs = [("alerts-sites", "options")]

    def options(login, unit):
        inputs = [("alerts-unit", "value", unit)]
        body = response_json(call_callback(client_as(login), outputs, inputs))
        return body["response"]["alerts-sites"]["options"]

    mine = options("xtw.staff", "350304100")
    ids = {o["value"] for o in mine}
    inside = {s.id for s in sites_of(context, "xtw.staff", "350304100")}
    assert ids == inside
    assert options("xtw.staff", "350305101000") == []  # another district: nothing
    assert options("xtw.leader", "350304100") == []  # no right to send
