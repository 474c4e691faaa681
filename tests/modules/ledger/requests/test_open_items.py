"""open_items: the open requests and tasks concerning a unit, for its file (一村一档): a
request about the unit, one inside it or one holding it; a task waiting in its villages;
overdue marked; nothing for a unit outside the viewer's scope, nor another's request for a
department."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from modules.ledger.duties.demo import seed_duties
from modules.ledger.duties.service import Send, decline, send
from modules.ledger.requests import open_items
from modules.ledger.requests.departments import set_department
from modules.ledger.requests.service import Ask, decide, submit
from tests.accounts_fixture import viewer_as
from tests.modules.ledger.helpers import XTW, XTW_VILLAGES

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
LICHENG = "350304000000"
V1, V2 = XTW_VILLAGES[:2]


def ask(unit, tags=("MZ013",)):
    return Ask(unit=unit, period_from="2026-11", period_to="2026-11", purpose="入户核查", tags=tags)


def test_a_units_file_lists_the_requests_and_tasks_that_concern_it(session, viewer):
    seed_duties(session)
    set_department(session, "city.minzheng", "市民政局", ["民政"], "city.admin")
    civil = viewer("city.minzheng")
    about_village = submit(session, civil, ask(V1), NOW)
    about_county = submit(session, civil, ask(LICHENG), NOW + timedelta(hours=1))
    about_other = submit(session, civil, ask("350305000000"), NOW)
    refused = submit(session, civil, ask(V2), NOW)
    decide(session, viewer("xtw.admin"), refused.number, False, NOW, reason="不必要")
    task = send(session, civil, Send(title="统计辖区养犬户数", unit=XTW), NOW)
    decline(session, viewer("xitianwei.staff"), task.number, V2, NOW)

    later = NOW + timedelta(days=4)
    admin = viewer("xtw.admin")
    found = open_items(session, admin, V1, now=later)
    assert [(i["kind"], i["number"]) for i in found] == [
        ("request", about_village.number),
        ("task", task.number),
    ]
    # A request about the whole district is seen by those who see the district.
    county = open_items(session, viewer("licheng.admin"), V1, now=later)
    assert [i["number"] for i in county][-1] == about_county.number
    assert all(i["overdue"] for i in found if i["kind"] == "request")
    assert found[0]["state_zh"] == "待审批" and "市民政局" in found[0]["title"]
    assert not any(i["number"] == about_other.number for i in found)
    # The village that declined has no open task, and its request was refused: nothing open.
    assert open_items(session, admin, V2, now=later) == []
    town = {i["number"]: i for i in open_items(session, admin, XTW, now=later)}
    villages = len([c for c in town if c == task.number])
    assert villages == 1 and "个村待办" in town[task.number]["state_zh"]

    decide(session, admin, about_village.number, True, later, days=3)
    approved = open_items(session, admin, V1, now=later)[0]
    assert approved["state_zh"].startswith("已批准") and not approved["overdue"]
    gone = later + timedelta(days=3)
    assert about_village.number not in [i["number"] for i in open_items(session, admin, V1, gone)]


def test_nothing_comes_back_outside_the_viewers_scope_or_for_another_department(session, viewer):
    set_department(session, "city.minzheng", "市民政局", ["民政"], "city.admin")
    made = submit(session, viewer("city.minzheng"), ask(V1), NOW)
    assert open_items(session, viewer("xiuyu.staff"), V1, now=NOW) == []
    set_department(session, "health", "市卫健委", ["卫健"], "city.admin")
    health = viewer_as(6, "health", "市卫健委", "department", ["350300"])
    assert open_items(session, health, V1, now=NOW) == []
    assert open_items(session, viewer("xtw.admin"), "not-a-code", now=NOW) == []
    mine = open_items(session, viewer("city.minzheng"), V1, now=NOW)
    assert [i["number"] for i in mine] == [made.number]
