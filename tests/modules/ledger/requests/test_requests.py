"""Data requests (申请调阅): a department asks for tags over a unit and months; 公开 tags are
granted at once, the rest wait for the owning unit's admin, who approves for a number of
days or refuses with a reason; a grant lapses on its day (the clock is passed in); a
pending request shows as overdue after three days; a department sees only its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from modules.ledger.checks import Refused
from modules.ledger.requests.departments import set_department
from modules.ledger.requests.service import (
    Ask,
    decide,
    granted_now,
    history,
    overdue,
    state_of,
    submit,
    visible,
)
from modules.sdk import Forbidden, NotFound
from tests.accounts_fixture import viewer_as
from tests.modules.ledger.helpers import XTW, XTW_VILLAGES

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
LICHENG = "350304000000"
V1 = XTW_VILLAGES[0]


@pytest.fixture
def civil(session, viewer):
    """市民政局's account, registered for the domains 民政 and 人口."""
    set_department(session, "city.minzheng", "市民政局", ["民政", "人口"], "city.admin")
    return viewer("city.minzheng")


def ask(unit=LICHENG, tags=("MZ002", "MZ003"), first="2026-10", last="2026-11", **more):
    return Ask(
        unit=unit, period_from=first, period_to=last, purpose="低保资金测算", tags=tags, **more
    )


def test_public_tags_are_granted_at_once_until_their_validity_ends(session, civil):
    made = submit(session, civil, ask(), NOW)
    assert made.number == "SQ-2026-0001"
    assert state_of(made, NOW) == "approved"
    assert granted_now(made, NOW) == ["MZ002", "MZ003"]
    assert [e.action for e in history(session, made)] == ["submit", "grant"]
    lapsed = made.valid_until
    assert granted_now(made, lapsed - timedelta(seconds=1)) == ["MZ002", "MZ003"]
    assert state_of(made, lapsed) == "expired" and granted_now(made, lapsed) == []
    assert submit(session, civil, ask(), NOW).number == "SQ-2026-0002"


def test_a_sensitive_tag_waits_for_the_admin_and_the_public_ones_are_granted(session, civil):
    made = submit(session, civil, ask(tags=("MZ002", "MZ013")), NOW)
    assert state_of(made, NOW) == "pending"
    assert granted_now(made, NOW) == ["MZ002"]
    assert made.approver_unit == LICHENG


def test_the_admin_approves_for_a_number_of_days_and_the_grant_then_lapses(session, civil, viewer):
    made = submit(session, civil, ask(tags=("MZ002", "MZ013")), NOW)
    later = NOW + timedelta(hours=5)
    decide(session, viewer("licheng.admin"), made.number, True, later, days=10)
    assert state_of(made, later) == "approved"
    assert granted_now(made, later) == ["MZ002", "MZ013"]
    end = later + timedelta(days=10)
    assert granted_now(made, end - timedelta(minutes=1)) == ["MZ002", "MZ013"]
    assert state_of(made, end) == "expired" and granted_now(made, end) == []
    assert [e.action for e in history(session, made)] == ["submit", "grant", "approve"]
    with pytest.raises(Refused):  # decided once
        decide(session, viewer("licheng.admin"), made.number, False, later, reason="再议")


def test_a_refusal_needs_a_reason_and_keeps_it(session, civil, viewer):
    made = submit(session, civil, ask(tags=("MZ013",)), NOW)
    admin = viewer("licheng.admin")
    with pytest.raises(Refused) as refused:
        decide(session, admin, made.number, False, NOW, reason="  ")
    assert "理由" in refused.value.reason_zh and state_of(made, NOW) == "pending"
    decide(session, admin, made.number, False, NOW, reason="涉及个人信息，请走线下程序")
    assert state_of(made, NOW) == "refused" and made.reason == "涉及个人信息，请走线下程序"
    assert granted_now(made, NOW) == []


@pytest.mark.parametrize("days", [0, -3, 400, "7", None])
def test_an_approval_needs_a_validity_of_one_day_to_a_year(session, civil, viewer, days):
    made = submit(session, civil, ask(tags=("MZ013",)), NOW)
    with pytest.raises(Refused):
        decide(session, viewer("licheng.admin"), made.number, True, NOW, days=days)
    assert state_of(made, NOW) == "pending"


def test_village_data_is_decided_by_its_town_and_not_by_others(session, civil, viewer):
    made = submit(session, civil, ask(unit=V1, tags=("MZ013",)), NOW)
    assert made.approver_unit == XTW
    with pytest.raises(NotFound):  # another district's admin does not even see it
        decide(session, viewer_as(3, "xy", "xy", "admin", ["350305"]), made.number, True, NOW, 5)
    with pytest.raises(Forbidden):  # the department cannot approve its own request
        decide(session, civil, made.number, True, NOW, days=5)
    with pytest.raises(Forbidden):  # staff of the town see it but do not decide
        decide(session, viewer("xitianwei.staff"), made.number, True, NOW, days=5)
    decide(session, viewer("xtw.admin"), made.number, True, NOW, days=5)
    assert state_of(made, NOW) == "approved"


def test_a_pending_request_is_overdue_after_three_days(session, civil):
    made = submit(session, civil, ask(tags=("MZ013",)), NOW)
    assert not overdue(made, NOW + timedelta(days=3))
    assert overdue(made, NOW + timedelta(days=3, minutes=1))
    public = submit(session, civil, ask(), NOW)
    assert not overdue(public, NOW + timedelta(days=30))  # nothing waits on it


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"tags": ("WJ001",)}, "不在本部门可申请的领域"),  # 卫健: not 市民政局's
        ({"tags": ("ZZ999",)}, "没有这些标签"),
        ({"tags": ()}, "至少一个标签"),
        ({"first": "2026-11", "last": "2026-10"}, "截止月份早于起始月份"),
        ({"first": "2024-01", "last": "2026-11"}, "最多申请 24 个月"),
        ({"last": "2027-01"}, "尚未到来的月份"),
    ],
)
def test_a_bad_request_is_refused_with_the_reason_and_nothing_is_stored(
    session, civil, changes, reason
):
    with pytest.raises(Refused) as refused:
        submit(session, civil, ask(**changes), NOW)
    assert reason in refused.value.reason_zh
    assert visible(session, civil) == []


def test_a_department_asks_only_inside_its_scope_and_only_as_a_department(session, viewer):
    set_department(session, "putuo", "秀屿区民政局", ["民政"], "city.admin")
    county = viewer_as(4, "putuo", "秀屿区民政局", "department", ["350305"])
    with pytest.raises(Forbidden):
        submit(session, county, ask(unit=LICHENG), NOW)
    with pytest.raises(NotFound):
        submit(session, county, ask(unit="350305999999"), NOW)
    with pytest.raises(Forbidden):
        submit(session, viewer("licheng.admin"), ask(), NOW)
    unregistered = viewer_as(5, "nobody", "某局", "department", ["350300"])
    with pytest.raises(Refused) as refused:
        submit(session, unregistered, ask(), NOW)
    assert "尚未登记部门" in refused.value.reason_zh


def test_each_side_sees_the_requests_that_concern_it(session, civil, viewer):
    made = submit(session, civil, ask(unit=V1, tags=("MZ013",)), NOW)
    set_department(session, "health", "市卫健委", ["卫健"], "city.admin")
    health = viewer_as(6, "health", "市卫健委", "department", ["350300"])
    assert [r.number for r in visible(session, civil)] == [made.number]
    assert visible(session, health) == []
    for login in ("xtw.admin", "licheng.admin", "xitianwei.staff", "licheng.leader"):
        assert [r.number for r in visible(session, viewer(login))] == [made.number], login
    assert visible(session, viewer("xiuyu.staff")) == []
    other_town = viewer_as(7, "hs", "hs", "admin", ["350304101"])
    assert visible(session, other_town) == []
