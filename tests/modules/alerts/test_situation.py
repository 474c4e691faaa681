"""The alerts module's answer to the `situation` hook: the SMS of the event's window counted
inside the viewer's scope (a drill's window is real time), and each instruction delivery,
never a row of another town's people."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from modules.alerts.situation import items
from modules.sdk import INSTRUCTION, Signal, SituationEvent
from tests.accounts_fixture import viewer_as, viewer_of
from tests.modules.alerts.helpers import send_as

PAST = datetime(2015, 9, 28, 6, 0, tzinfo=UTC)
XINDU_STAFF = viewer_as(9, "xindu.staff", "新度镇", "staff", ["350304101"])


def event(started: datetime, drill=False, scope="350300000000", event_id=7) -> SituationEvent:
    return SituationEvent(event_id, "typhoon", "1521", scope, "1521 杜鹃", started, drill, 3)


def answer(context, viewer, evt, moment=None) -> dict:
    with context.sessions() as session:
        found = items(viewer, session, evt, moment or datetime.now(UTC))
    return {item.id: item for item in found}


def fresh_start() -> datetime:
    """A moment after every message written so far (their `created` is a clock reading)."""
    time.sleep(0.01)
    return datetime.now(UTC)


def test_sms_of_the_event_counted_inside_the_viewer_scope(context):
    before = send_as(context, "xtw.staff", unit="350304100002", groups=("重点人群",))
    started = fresh_start()
    own = send_as(context, "xtw.staff", unit="350304100001", groups=("重点人群",))
    other = send_as(context, "city.coordinator", unit="350304101001", groups=("重点人群",))
    county = send_as(context, "city.coordinator", unit="350304000000", groups=("村居干部",))

    xtw = answer(context, viewer_of("xtw.staff"), event(started))["alerts.sms"]
    rows = {r["id"]: r for r in xtw.rows}
    assert set(rows) == {own.id, county.id}  # not before the event, not another town's
    assert rows[own.id]["recipients"] == own.recipients == 3
    assert 0 < rows[county.id]["recipients"] < county.recipients  # 西天尾镇's part only
    assert rows[own.id]["pending"] == 3 and rows[own.id]["sent"] == 0
    pending = sum(r["recipients"] for r in xtw.rows)
    assert xtw.value == f"发送 0 · 送达 0 · 回执 0 · 升级 0 · 待发送 {pending}"
    assert (xtw.key, xtw.entered, xtw.left) == ("id", "新告警", "—")

    xindu = answer(context, XINDU_STAFF, event(started))["alerts.sms"]
    assert {r["id"] for r in xindu.rows} == {other.id, county.id}
    assert before.id not in {r["id"] for r in xindu.rows}


def test_a_drill_counts_the_sms_sent_in_real_time_whatever_its_replay_clock(context):
    message = send_as(context, "xtw.staff", unit="350304100003", groups=("重点人群",))
    drill = answer(context, viewer_of("xtw.staff"), event(PAST, drill=True), PAST)
    assert message.id in {r["id"] for r in drill["alerts.sms"].rows}
    # A live event's window ends at its moment: nothing sent today belongs to 2015.
    live = answer(context, viewer_of("xtw.staff"), event(PAST), PAST)
    assert live["alerts.sms"].rows == ()


def test_instruction_rows_of_two_towns_reach_each_town_staff_only_through_the_core(context):
    started = fresh_start()
    payload = {
        "ref": "consult:entry:21",
        "units": ["350304100000", "350304101000"],
        "text": "请做好防御",
        "sender": "city.coordinator",
        "scopes": ["350300000000"],
        "drill": False,
    }
    from tests.modules.alerts.test_instructions import handle

    handle(context, Signal(INSTRUCTION, "consult", payload, key=payload["ref"]))  # confirmed
    moment = datetime.now(UTC)
    with context.sessions() as session:
        board = {
            login: {
                i.id: i
                for i in context.core.situation(session, viewer, event(started), moment)
                if i.module == "alerts"
            }
            for login, viewer in (("xtw", viewer_of("xtw.staff")), ("xindu", XINDU_STAFF))
        }
    xtw_rows = board["xtw"]["alerts.instructions"].rows
    xindu_rows = board["xindu"]["alerts.instructions"].rows
    assert xtw_rows and all(r["unit"].startswith("350304100") for r in xtw_rows)
    assert xindu_rows and all(r["unit"].startswith("350304101") for r in xindu_rows)
    assert not {r["delivery"] for r in xtw_rows} & {r["delivery"] for r in xindu_rows}
    coordinator = answer(context, viewer_of("city.coordinator"), event(started), moment)
    assert len(coordinator["alerts.instructions"].rows) == len(xtw_rows) + len(xindu_rows)
    assert board["xtw"]["alerts.instructions"].value == f"0/{len(xtw_rows)}"
    # Outside the viewer's scope the event has nothing for them.
    assert answer(context, viewer_of("xtw.staff"), event(started, scope="350305000000")) == {}


def test_an_instruction_naming_its_event_shows_on_that_event_only(context):
    started = fresh_start()
    payload = {
        "ref": "consult:entry:22",
        "units": ["350304100001"],
        "text": "请做好防御",
        "sender": "city.coordinator",
        "event_id": 99,
    }
    with context.sessions() as session, session.begin():
        context.core.publish(session, Signal(INSTRUCTION, "consult", payload, key=payload["ref"]))
    xtw = viewer_of("xtw.staff")
    theirs = answer(context, xtw, event(started, event_id=99))["alerts.instructions"]
    another = answer(context, xtw, event(started, event_id=7))["alerts.instructions"]
    assert {r["ref"] for r in theirs.rows} == {"consult:entry:22"}
    assert another.rows == ()
