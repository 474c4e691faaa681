"""The village duties list (村级事务准入): 25 示例 items kept by admins; a task sent down to a
town's villages names a listed matter or a written basis, or each village may decline it
with one click and the sender sees who did; the monthly figures per department count
what was sent, within the list, with a basis, and declined."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from modules.ledger.checks import Refused
from modules.ledger.duties.demo import seed_duties
from modules.ledger.duties.service import (
    Send,
    add_duty,
    answers,
    decline,
    duties,
    monthly,
    retire_duty,
    send,
    visible_tasks,
)
from modules.ledger.requests.departments import set_department
from modules.sdk import Forbidden, NotFound, units
from tests.accounts_fixture import system_viewer, viewer_as
from tests.modules.ledger.helpers import XTW, XTW_VILLAGES

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
V1, V2 = XTW_VILLAGES[:2]
BASIS = {"basis_name": "关于开展农房安全排查的通知", "basis_number": "莆住建〔2026〕12号"}


@pytest.fixture
def civil(session, viewer):
    seed_duties(session)
    set_department(session, "city.minzheng", "市民政局", ["民政"], "city.admin")
    return viewer("city.minzheng")


def xtw_villages(session) -> list[str]:
    return [v.code for v in units(session, system_viewer(), "village", within=XTW)]


def test_the_demo_list_holds_25_example_items_and_admins_keep_it(session, viewer):
    assert seed_duties(session) == 25
    listed = duties(session)
    assert len(listed) == 25 and all(d.example for d in listed)
    assert seed_duties(session) == 0  # never twice
    added = add_duty(session, viewer("city.admin"), "农村饮水安全巡查", "水利")
    assert not added.example and duties(session)[-1].title == "农村饮水安全巡查"
    retire_duty(session, viewer("city.admin"), added.id, NOW)
    assert len(duties(session)) == 25
    with pytest.raises(Forbidden):
        add_duty(session, viewer("xitianwei.staff"), "某事项")
    # The list is the city's: a county's or a town's admin does not change it.
    for admin in ("licheng.admin", "xtw.admin"):
        with pytest.raises(Forbidden):
            add_duty(session, viewer(admin), "某事项")
        with pytest.raises(Forbidden):
            retire_duty(session, viewer(admin), added.id, NOW)
    assert len(duties(session)) == 25


def test_an_unlisted_task_without_basis_is_declined_by_a_village_and_the_sender_sees_it(
    session, civil, viewer
):
    task = send(session, civil, Send(title="统计辖区养犬户数", unit=XTW), NOW)
    assert task.number == "RW-2026-0001"
    assert sorted(a["unit"] for a in answers(session, civil, task)) == xtw_villages(session)
    decline(session, viewer("xitianwei.staff"), task.number, V1, NOW)
    seen = {a["unit"]: a for a in answers(session, civil, task)}
    assert seen[V1]["answer_zh"] == "已拒绝" and seen[V1]["answered_by"] == "xitianwei.staff"
    assert seen[V2]["answer"] == "open"
    with pytest.raises(Refused):  # once is enough
        decline(session, viewer("xitianwei.staff"), task.number, V1, NOW)


@pytest.mark.parametrize("grounds", ["duty", "basis"])
def test_a_listed_task_or_one_with_a_basis_cannot_be_declined(session, civil, viewer, grounds):
    given = {"duty_id": duties(session)[11].id} if grounds == "duty" else {**BASIS}
    if grounds == "basis":
        given |= {"basis_issuer": "莆田市住建局", "file_name": "通知.pdf", "file": b"%PDF-1.4"}
    task = send(session, civil, Send(title="独居老人探访", unit=XTW, **given), NOW)
    with pytest.raises(Refused) as refused:
        decline(session, viewer("xitianwei.staff"), task.number, V1, NOW)
    assert "不能拒绝" in refused.value.reason_zh
    assert all(a["answer"] == "open" for a in answers(session, civil, task))


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (BASIS, "文件名称、文号和发文机关"),  # no issuing body
        ({**BASIS, "basis_issuer": "局", "file_name": "a.exe", "file": b"MZ"}, "PDF"),
        ({"duty_id": 99999}, "清单中没有该事项"),
        ({"title": " "}, "任务名称"),
    ],
)
def test_a_task_with_a_bad_basis_is_refused_and_nothing_is_sent(session, civil, given, reason):
    ask = {"title": "某任务", "unit": XTW, **given}
    with pytest.raises(Refused) as refused:
        send(session, civil, Send(**ask), NOW)
    assert reason in refused.value.reason_zh
    assert visible_tasks(session, civil) == []


def test_tasks_go_only_inside_the_senders_scope_and_declines_only_from_the_village(
    session, civil, viewer
):
    county = viewer_as(8, "xy.dept", "秀屿区某局", "department", ["350305"])
    with pytest.raises(Forbidden):
        send(session, county, Send(title="越权任务", unit=XTW), NOW)
    with pytest.raises(Forbidden):  # a leader sends nothing down
        send(session, viewer("licheng.leader"), Send(title="某任务", unit=XTW), NOW)
    task = send(session, civil, Send(title="统计辖区养犬户数", unit=XTW), NOW)
    with pytest.raises(NotFound):  # another district's clerk does not see it
        decline(session, viewer("xiuyu.staff"), task.number, "350305101001", NOW)
    with pytest.raises(Forbidden):  # a village outside the clerk's scope
        decline(session, viewer_as(9, "hs", "hs", "staff", ["350304101"]), task.number, V1, NOW)
    with pytest.raises(Forbidden):  # only those who keep the village's affairs decline
        decline(session, viewer("licheng.leader"), task.number, V1, NOW)
    assert visible_tasks(session, viewer("xiuyu.staff")) == []
    assert all(a["answer"] == "open" for a in answers(session, civil, task))


def test_the_monthly_figures_count_what_was_sent_listed_with_basis_and_declined(
    session, civil, viewer
):
    listed = duties(session)[0].id
    send(session, civil, Send(title="党费收缴", unit=XTW, duty_id=listed), NOW)
    basis = {**BASIS, "basis_issuer": "莆田市住建局"}
    send(session, civil, Send(title="农房排查", unit=XTW, **basis), NOW)
    bare = send(session, civil, Send(title="养犬户数", unit=XTW), NOW)
    send(session, civil, Send(title="上月的任务", unit=V1), datetime(2026, 11, 5, tzinfo=UTC))
    clerk = viewer("xitianwei.staff")
    decline(session, clerk, bare.number, V1, NOW)
    decline(session, clerk, bare.number, V2, NOW)
    rows = {(r["department"], r["month"]): r for r in monthly(session, civil)}
    december = rows[("市民政局", "2026-12")]
    assert (december["sent"], december["listed"], december["with_basis"]) == (3, 1, 1)
    assert (december["declined_tasks"], december["declined_villages"]) == (1, 2)
    assert rows[("市民政局", "2026-11")]["sent"] == 1
    assert monthly(session, viewer("xiuyu.staff")) == []
