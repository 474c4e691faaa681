"""一村一档 / 一镇一档: the unit's file in the map's side panel holds what was saved (the
village's values, the town's roll-ups of them and its own), twelve months of each as a
sparkline, completeness, the key points, the open requests and tasks; and during a storm
the people exposed, read from the table. Scope: nobody reads another town's file."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from modules.ledger import periods
from modules.ledger.models import LedgerValue
from modules.ledger.profile.figures import MONTHS, main_tags, unit_series, window
from modules.ledger.profile.panel import file_view, profile_panel
from modules.ledger.rollup import rollup
from modules.ledger.tags import all_tags
from modules.ledger.values import carried
from modules.sdk import EXPOSURE, CoreServices, DivisionCode, Signal
from tests.modules.ledger.helpers import XTW, XTW_VILLAGES, put

V1, V2, V3 = XTW_VILLAGES
NOW = datetime.now(UTC)
MONTH = periods.of_date(NOW.date())
THIS = periods.label(MONTH)


def months_ago(n: int) -> str:
    return periods.label(periods.shift(MONTH, -n))


def text_of(component) -> str:
    """Everything a component tree says, as one string (props included)."""
    return json.dumps(component, default=lambda c: c.to_plotly_json(), ensure_ascii=False)


def find(component, wanted) -> list:
    """Every component in the tree whose id or className is `wanted`."""
    found = []

    def walk(node):
        if isinstance(node, list | tuple):
            for child in node:
                walk(child)
            return
        if not hasattr(node, "to_plotly_json"):
            return
        props = node.to_plotly_json()["props"]
        if props.get("id") == wanted or props.get("className") == wanted:
            found.append(node)
        walk(props.get("children"))

    walk(component)
    return found


def figure_row(view, tag: str):
    rows = find(view, {"module": "ledger", "role": "profile-figure", "tag": tag})
    assert len(rows) == 1, tag
    return rows[0]


def core_without_sites() -> CoreServices:
    return CoreServices(viewer=lambda: None, sessions=lambda: None)


@pytest.fixture
def saved(ledger_db, viewer):
    """西天尾镇's clerk keeps 常住人口 of two villages over four months and the town's own
    抢险救援队伍人数; returns the session factory."""
    staff = viewer("xitianwei.staff")
    items = [
        (V1, "RK002", months_ago(3), 1000),
        (V1, "RK002", months_ago(1), 1050),
        (V1, "RK002", THIS, 1100),
        (V2, "RK002", months_ago(2), 700),
        (V1, "MZ001", THIS, 12),
        (XTW, "YJ008", months_ago(5), 40),
    ]
    with ledger_db() as session:
        outcomes = put(session, staff, items).outcomes
        assert {o.status for o in outcomes} == {"accepted"}, [o.reason for o in outcomes]
        session.commit()
    return ledger_db


def test_a_villages_file_holds_what_was_saved_with_twelve_months_each(saved, viewer):
    staff = viewer("xitianwei.staff")
    with saved() as session:
        view = file_view(session, staff, core_without_sites(), V1, now=NOW)
        series = {
            s.tag.code: s
            for s in unit_series(
                session, staff, DivisionCode.parse(V1), MONTH, main_tags(session, staff, "village")
            )
        }
    text = text_of(view)
    assert "一村一档 · " in text and "演示" not in text
    assert figure_row(view, "RK002").children[1].children == "1,100 人"
    assert figure_row(view, "MZ001").children[1].children == "12 人"
    assert figure_row(view, "RK001").children[1].children == "—"  # never kept
    points = series["RK002"].points
    assert len(points) == MONTHS and series["RK002"].months == window(MONTH)
    assert points[-4:] == (1000, 1000, 1050, 1100) and set(points[:-4]) == {None}
    bars = find(figure_row(view, "RK002"), "ledger-spark-bar")
    assert len(bars) == MONTHS
    titles = [bar.title for bar in bars]
    assert titles[-1] == f"{periods.label_zh(MONTH)}：1,100 人"
    assert titles[0].endswith("：—")
    # The highest month is the tallest bar, the lowest held one the shortest held one.
    heights = [float(bar.style["height"].rstrip("%")) for bar in bars]
    assert heights[-1] == 100 and heights[-4] == 20


def test_a_towns_file_holds_its_villages_roll_up_and_its_own_figures(saved, viewer):
    leader = viewer("licheng.leader")
    with saved() as session:
        view = file_view(session, leader, core_without_sites(), XTW, now=NOW)
        tags = all_tags(session)
        expected = rollup(session, leader, tags["RK002"], MONTH, "town", XTW)[XTW]
        series = {
            s.tag.code: s
            for s in unit_series(
                session, leader, DivisionCode.parse(XTW), MONTH, main_tags(session, leader, "town")
            )
        }
    assert "一镇一档 · 西天尾镇" in text_of(view)
    assert expected == 1800
    row = figure_row(view, "RK002")
    assert row.children[0].children == "常住人口·汇总" and row.children[1].children == "1,800 人"
    # Month by month: 1000 alone, then with 700, then 1050 + 700, then 1100 + 700.
    assert series["RK002"].points[-4:] == (1000, 1700, 1750, 1800)
    assert figure_row(view, "YJ008").children[1].children == "40 人"  # the town's own
    assert series["YJ008"].points[-6:] == (40,) * 6
    completeness = text_of(find(view, "ledger-profile-completeness"))
    assert "各村（社区）：已提交 0/" in completeness


def test_demo_figures_are_the_ledgers_roll_ups_month_by_month_and_say_演示(demo_session, viewer):
    leader = viewer("licheng.leader")
    town = DivisionCode.parse(XTW)
    series = {
        s.tag.code: s
        for s in unit_series(
            demo_session, leader, town, MONTH, main_tags(demo_session, leader, "town")
        )
    }
    tags = all_tags(demo_session)
    for code in ("RK002", "MZ001", "YJ001"):
        for month, point in zip(series[code].months, series[code].points, strict=True):
            assert point == rollup(demo_session, leader, tags[code], month, "town", XTW).get(XTW)
    village = unit_series(
        demo_session, leader, DivisionCode.parse(V2), MONTH, [tags["RK002"], tags["RK008"]]
    )
    held = carried(demo_session, ["RK002", "RK008"], MONTH, LedgerValue.unit_code == V2)
    assert [s.latest for s in village] == [held[(V2, "RK002")].number, held[(V2, "RK008")].number]
    view = file_view(demo_session, leader, core_without_sites(), XTW, now=NOW)
    assert find(view, "badge-demo")


def test_the_key_points_come_through_the_sites_contract(ledger_app, viewer):
    context = ledger_app.server.extensions["onemap"]
    staff = viewer("xitianwei.staff")
    with context.sessions() as session:
        sites = context.core.sites(session, staff, V1) or context.core.sites(session, staff, XTW)
        unit = sites[0].village_code
        mine = [s for s in context.core.sites(session, staff, unit)]
        view = file_view(session, staff, context.core, unit, now=NOW)
    points = text_of(find(view, "ledger-profile-points"))
    assert f"共 {len(mine)} 个" in points
    listed = text_of(find(view, "ledger-profile-point-list"))
    assert all(site.name in listed for site in mine[:8])
    # Each point says where its patrol stands, as the flood module keeps it.
    assert all(site.status for site in mine)
    for site in mine[:8]:
        assert re.search(f"{re.escape(site.name)}（[^）]*） · {re.escape(site.status)}", listed)


def requests_package(monkeypatch, answer) -> list:
    """The requests package answering `answer` to open_items; returns who asked for what."""
    asked = []

    def open_items(session, who, unit_code):
        asked.append((who.login, unit_code))
        return answer

    monkeypatch.setitem(
        sys.modules, "modules.ledger.requests", SimpleNamespace(open_items=open_items)
    )
    return asked


def test_open_requests_and_tasks_are_listed(saved, viewer, monkeypatch):
    since = datetime(2026, 11, 20, tzinfo=UTC)
    asked = requests_package(
        monkeypatch,
        [
            {
                "kind": "task",
                "title": "市民政局下派：独居老人走访",
                "state_zh": "待办",
                "since": since,
                "overdue": False,
            },
            {
                "kind": "request",
                "title": "市卫健委申请调阅：孕产妇建档",
                "state_zh": "待审批",
                "since": since,
                "overdue": True,
            },
        ],
    )
    staff = viewer("xitianwei.staff")
    with saved() as session:
        view = file_view(session, staff, core_without_sites(), V1, now=NOW)
    assert asked == [("xitianwei.staff", V1)]
    text = text_of(view)
    assert "共 2 项" in text and "独居老人走访 · 待办 · 2026-11-20" in text
    assert text.count("已超期") == 1


def test_without_open_items_the_file_says_so(saved, viewer, monkeypatch):
    requests_package(monkeypatch, [])
    with saved() as session:
        view = file_view(session, viewer("xitianwei.staff"), core_without_sites(), V1, now=NOW)
    assert text_of(find(view, "ledger-profile-open-items")).count("暂无") == 1


def test_another_towns_file_is_never_built(saved, viewer):
    outsider = viewer("xiuyu.staff")
    with saved() as session:
        for unit in (V1, XTW, "350304000000"):
            view = file_view(session, outsider, core_without_sites(), unit, now=NOW)
            text = text_of(view)
            assert "西天尾" not in text and "1,100" not in text and "ledger-profile" not in text
            assert "点选镇街或村" in text
        # The panel for the map's focus falls back to the viewer's own home.
        panel = profile_panel(session, outsider, core_without_sites(), XTW)
        assert "秀屿区" in text_of(panel.component) and "西天尾" not in text_of(panel.component)
        # A department reads nothing of the table: no file at all.
        assert profile_panel(session, viewer("city.minzheng"), core_without_sites(), XTW) is None


def drill_signal(units: list[dict], at: datetime) -> Signal:
    """An exposure as the typhoon module publishes a drill on 1521 杜鹃: the storm's times
    shifted so that its replayed moment is now."""
    payload = {
        "hazard": "台风",
        "event": "1521 杜鹃（演练）",
        "storm": "1521",
        "drill": True,
        "replayed_from": "2015-09-28T06:00:00+00:00",
        "scope": ["350300000000"],
        "sites": [],
        "units": units,
    }
    return Signal(
        name=EXPOSURE,
        source="typhoon",
        payload=payload,
        at=at,
        key="storm:1521@350300000000",
        valid_from=at,
        valid_until=at + timedelta(hours=24),
    )


def entry(code: str, level: int, start: datetime, hours: float = 6) -> dict:
    return {
        "code": code,
        "level": level,
        "from": start.isoformat(),
        "until": (start + timedelta(hours=hours)).isoformat(),
    }


def test_during_the_demo_storm_the_file_shows_the_people_exposed(ledger_app, viewer):
    context = ledger_app.server.extensions["onemap"]
    coordinator = viewer("city.coordinator")
    now = datetime.now(UTC)
    with context.sessions() as session:
        try:
            context.core.publish(
                session,
                drill_signal(
                    [
                        entry(V1, 10, now - timedelta(hours=1)),
                        entry(V1, 7, now - timedelta(hours=3)),
                        entry(V2, 7, now + timedelta(hours=2)),  # about to be reached
                        entry(V3, 12, now - timedelta(hours=9)),  # over: it has left
                    ],
                    now,
                ),
            )
            month = periods.of_date(now.date())
            held = carried(
                session, ["RK002", "RK008", "MZ001"], month, LedgerValue.unit_code.in_([V1, V2])
            )
            village = file_view(session, coordinator, context.core, V1, now=now)
            town = file_view(session, coordinator, context.core, XTW, now=now)
            quiet = file_view(session, coordinator, context.core, V3, now=now)
        finally:
            session.rollback()

    def people(unit, tag):
        return f"{int(held[(unit, tag)].number):,} 人"

    shown = text_of(find(village, "ledger-profile-exposed"))
    assert "影响范围内 1 个村（社区）" in shown
    assert f"常住人口 {people(V1, 'RK002')}" in shown
    assert f"60岁以上老人 {people(V1, 'RK008')}" in shown
    assert f"独居老人 {people(V1, 'MZ001')}" in shown
    block = text_of(find(village, "ledger-profile-exposure alarm"))
    assert "1521 杜鹃（演练） 影响" in block and "10级风圈" in block and "演示" in block
    total = sum(int(held[(u, "RK002")].number) for u in (V1, V2))
    town_text = text_of(find(town, "ledger-profile-exposure alarm"))
    assert "影响范围内 2 个村（社区）" in town_text and f"常住人口 {total:,} 人" in town_text
    assert "7级风圈（将进入）" in town_text
    assert not find(quiet, "ledger-profile-exposure alarm")


def test_an_outsider_sees_no_exposure_of_another_town(ledger_app, viewer):
    context = ledger_app.server.extensions["onemap"]
    now = datetime.now(UTC)
    with context.sessions() as session:
        try:
            context.core.publish(session, drill_signal([entry(V1, 10, now)], now))
            view = file_view(session, viewer("xiuyu.staff"), context.core, None, now=now)
        finally:
            session.rollback()
    assert not find(view, "ledger-profile-exposure alarm") and "西天尾" not in text_of(view)


def test_a_county_or_the_city_asks_for_a_town_or_village(saved, viewer):
    leader = viewer("city.leader")
    with saved() as session:
        for unit, name in (("350304000000", "荔城区"), ("350300000000", "莆田市")):
            view = file_view(session, leader, core_without_sites(), unit, now=NOW)
            text = text_of(view)
            assert f"{name}：在地图上点选镇街或村（社区）" in text
            assert not find(view, "ledger-profile-figures")


def test_a_task_sent_down_shows_in_the_files_of_its_villages_and_town(saved, viewer):
    from modules.ledger.duties.service import Send, send

    with saved() as session:
        send(
            session,
            viewer("licheng.admin"),
            Send(title="独居老人冬季走访登记", unit=XTW),
            NOW,
        )
        session.flush()
        staff = viewer("xitianwei.staff")
        village = text_of(
            find(
                file_view(session, staff, core_without_sites(), V1, now=NOW),
                "ledger-profile-open-items",
            )
        )
        view = file_view(session, staff, core_without_sites(), XTW, now=NOW)
        outsider = file_view(session, viewer("xiuyu.staff"), core_without_sites(), None, now=NOW)
        session.rollback()
    assert "共 1 项" in village
    town = text_of(view)
    assert "独居老人冬季走访登记" in town and "个村待办" in town
    assert "独居老人冬季走访登记" not in text_of(outsider)
