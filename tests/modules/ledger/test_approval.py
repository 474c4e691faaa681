"""Month-end close and approval: submitted by the staff who keep a unit, approved or sent
back by an admin of its scope, read-only once submitted or approved (and the months before
it too, which are read forward into it), reopened with a reason; completeness per unit and
town, on time or late against the due day; the map's shading."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, text

from modules.ledger.approval import act
from modules.ledger.completeness import LATE, MISSING, NOT_DUE, ON_TIME, by_town, of_units
from modules.ledger.completeness import _shading as shading
from modules.ledger.models import LedgerPeriod
from tests.modules.ledger.helpers import XIUYU_VILLAGE, XTW, XTW_VILLAGES, put, statuses

V1, V2, V3 = XTW_VILLAGES
NOV = 202611
REQUIRED = {
    "RK001": "1200",
    "RK002": "1180",
    "RK003": "400",
    "RK004": "600",
    "RK005": "600",
    "RK008": "300",
    "MZ001": "20",
    "MZ002": "5",
    "MZ003": "9",
    "YJ001": "3",
    "DJ001": "50",
}


def step(session, viewer, action, units, month=NOV, reason=""):
    return [
        (s.status, s.state, s.reason_zh) for s in act(session, viewer, action, units, month, reason)
    ]


def test_a_month_goes_submitted_approved_and_is_read_only(session, viewer):
    staff, admin = viewer("xitianwei.staff"), viewer("xtw.admin")
    put(session, staff, [(V1, "MZ011", "2026-10", "1")])
    assert step(session, staff, "submit", [V1]) == [("done", "submitted", "")]
    saved = put(session, staff, [(V1, "MZ011", "2026-11", "2"), (V1, "MZ011", "2026-10", "3")])
    assert statuses(saved) == ["refused", "refused"]
    assert "2026年11月已提交或已审核（只读）" in saved.outcomes[0].reason_zh
    # The month after is still open; the same value confirmed is no change at all.
    assert statuses(put(session, staff, [(V1, "MZ011", "2026-12", "4")])) == ["accepted"]
    assert step(session, staff, "approve", [V1])[0][2] == "审核通过需由镇街管理员办理"
    assert step(session, admin, "approve", [V1]) == [("done", "approved", "")]
    assert step(session, admin, "approve", [V1])[0][2].endswith("本月已审核，不能审核通过")
    assert step(session, admin, "reopen", [V1])[0][2] == "重新打开需要写明原因"
    assert step(session, admin, "reopen", [V1], reason="户籍数更正") == [("done", "open", "")]
    assert statuses(put(session, staff, [(V1, "MZ011", "2026-11", "2")])) == ["accepted"]
    audited = session.scalar(
        text("SELECT count(*) FROM audit_log WHERE target LIKE 'ledger.period:%'")
    )
    assert audited == 3


def test_a_month_sent_back_opens_for_corrections(session, viewer):
    staff, admin = viewer("xitianwei.staff"), viewer("licheng.admin")
    step(session, staff, "submit", [V1, V2])
    assert step(session, admin, "return", [V2], reason="低保人数有误") == [("done", "returned", "")]
    assert statuses(put(session, staff, [(V2, "MZ011", "2026-11", "7")])) == ["accepted"]
    assert statuses(put(session, staff, [(V1, "MZ011", "2026-11", "7")])) == ["refused"]
    row = session.scalar(select(LedgerPeriod).where(LedgerPeriod.unit_code == V2))
    assert row.reason == "低保人数有误"
    assert step(session, staff, "submit", [V2]) == [("done", "submitted", "")]


def test_only_the_units_own_staff_and_admins_act_on_it(session, viewer):
    assert step(session, viewer("xiuyu.staff"), "submit", [V1])[0][2] == f"单位 {V1} 不在您的辖区内"
    assert step(session, viewer("xitianwei.staff"), "submit", [XIUYU_VILLAGE])[0][0] == "refused"
    assert (
        step(session, viewer("xtw.leader"), "submit", [V1])[0][2] == "提交需由本辖区的工作人员办理"
    )
    assert step(session, viewer("licheng.leader"), "approve", [V1])[0][0] == "refused"
    assert step(session, viewer("xitianwei.staff"), "submit", ["x"])[0][2] == "「x」不是单位编码"
    assert step(session, viewer("licheng.admin"), "approve", ["350304000000"])[0][0] == "refused"
    assert session.scalar(select(func.count()).select_from(LedgerPeriod)) == 0


def test_completeness_counts_required_tags_and_timeliness(session, viewer):
    staff = viewer("xitianwei.staff")
    saved = put(session, staff, [(V1, code, "2026-11", value) for code, value in REQUIRED.items()])
    assert not saved.refused
    put(session, staff, [(V2, "RK001", "2026-11", "900")])
    on_time = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # 23:00 on the 4th, Beijing
    act(session, staff, "submit", [V1], NOV, now=on_time)
    act(session, staff, "submit", [V2], NOV, now=datetime(2026, 12, 5, 16, 1, tzinfo=UTC))
    after_due = datetime(2026, 12, 6, tzinfo=UTC)
    found = {u.code: u for u in of_units(session, staff, NOV, "village", XTW, now=after_due)}
    assert (found[V1].filled, found[V1].required, found[V1].rate) == (11, 11, 100.0)
    assert (found[V1].timeliness, found[V2].timeliness, found[V3].timeliness) == (
        ON_TIME,
        LATE,
        MISSING,
    )
    assert found[V2].filled == 1 and found[V1].state == "submitted"
    early = of_units(session, staff, NOV, "village", XTW, now=datetime(2026, 12, 2, tzinfo=UTC))
    assert {u.code: u.timeliness for u in early}[V3] == NOT_DUE
    # A due day of the 10th makes the late one on time.
    later = of_units(session, staff, NOV, "village", XTW, due_day=10, now=after_due)
    assert {u.code: u.timeliness for u in later}[V2] == ON_TIME


def test_a_leader_sees_completeness_by_town_and_the_map_shades_by_it(session, viewer):
    staff = viewer("xitianwei.staff")
    put(session, staff, [(V1, code, "2026-11", value) for code, value in REQUIRED.items()])
    act(session, staff, "submit", [V1], NOV)
    towns = {t.code: t for t in by_town(session, viewer("licheng.leader"), NOV)}
    assert XTW in towns and all(code.startswith("350304") for code in towns)
    assert (towns[XTW].submitted, towns[XTW].villages) == (
        1,
        len(of_units(session, staff, NOV, "village", XTW)),
    )
    assert 0 < towns[XTW].rate < 100
    assert by_town(session, viewer("xiuyu.staff"), NOV)[0].code.startswith("350305")
    shaded = shading(session, viewer("licheng.leader"), [XTW, "350305101000"])
    assert set(shaded) <= {XTW}
