"""The unit's file and its contacts over HTTP, as the browser asks for them: the side panel
for the map's focus (the core's panels callback) and the two callbacks that follow the unit
picked (a village inside the focused town). 西天尾镇's own staff get its file and contacts;
a clerk of the next town (黄石镇) or of another district (秀屿区) forging 西天尾镇's codes gets
nothing of it, and a department gets no file."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete

from app import accounts
from modules.alerts.models import Contact
from tests.accounts_fixture import PASSWORD, viewer_as
from tests.dash_client import call_callback, response_json
from tests.modules.ledger.helpers import XTW, XTW_VILLAGES

V1 = XTW_VILLAGES[0]
PROFILE = {"module": "ledger", "role": "profile"}
PROFILE_SHOWN = {"module": "ledger", "role": "profile-shown"}
CONTACTS = {"module": "alerts", "role": "contacts"}
CONTACTS_SHOWN = {"module": "alerts", "role": "contacts-shown"}
OUTSIDERS = {"huangshi.staff": ["350304101"], "xiuyu.staff": ["350305"]}
PHONE = "13812345678"


@pytest.fixture(scope="module")
def people(ledger_app):
    """Two contacts in 西天尾镇's first village, and 黄石镇's clerk among the accounts."""
    context = ledger_app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        session.add_all(
            [
                Contact(name="林书记", phone=PHONE, village_code=V1, groups="村居干部"),
                Contact(name="陈网格", phone="13900001111", village_code=V1, groups="网格员"),
            ]
        )
        if accounts.get_user(session, "huangshi.staff") is None:
            accounts.add_user(
                session,
                "huangshi.staff",
                "staff",
                OUTSIDERS["huangshi.staff"],
                name="huangshi.staff",
                password=PASSWORD,
            )
    yield
    with context.sessions() as session, session.begin():
        session.execute(delete(Contact).where(Contact.village_code == V1))


def plain(response) -> str:
    if response.status_code == 204:
        return ""
    return json.dumps(response_json(response)["response"], ensure_ascii=False)


def follow(client, body, shown, selected, was=""):
    return call_callback(
        client,
        [(body, "children")],
        inputs=[("map-selected", "data", selected)],
        state=[(shown, "data", was)],
    )


def focus_panels(client, focus):
    return call_callback(
        client, [("map-panels", "children")], inputs=[("map-focus", "data", focus)]
    )


def leaks(text: str, login: str) -> set[str]:
    import re

    viewer = viewer_as(9, login, login, "staff", OUTSIDERS[login])
    found = {c for c in re.findall(r"(?<!\d)35\d{10}(?!\d)", text) if not viewer.covers(c)}
    marks = ("西天尾", "林书记", "陈网格", "一村一档", "一镇一档", PHONE[-4:])
    return found | {mark for mark in marks if mark in text}


def test_staff_get_the_villages_file_and_contacts_when_it_is_picked(people, client_as):
    staff = client_as("xitianwei.staff")
    profile = plain(follow(staff, PROFILE, PROFILE_SHOWN, V1, XTW))
    assert "一村一档 · " in profile and "常住人口" in profile and "近12个月" in profile
    contacts = plain(follow(staff, CONTACTS, CONTACTS_SHOWN, V1, XTW))
    assert "共 2 人：村居干部 1、网格员 1" in contacts and PHONE in contacts
    # The same unit shown already: nothing is sent again.
    assert follow(staff, PROFILE, PROFILE_SHOWN, V1, V1).status_code == 204


def test_the_side_panel_for_the_town_holds_its_file_and_contacts(people, client_as):
    text = plain(focus_panels(client_as("xitianwei.staff"), XTW))
    assert "panel-ledger-profile" in text and "一镇一档 · 西天尾镇" in text
    assert "panel-alerts-contacts" in text and "林书记" in text


def test_a_leader_sees_contacts_with_masked_phones(people, client_as):
    contacts = plain(follow(client_as("licheng.leader"), CONTACTS, CONTACTS_SHOWN, V1))
    assert "林书记" in contacts and PHONE not in contacts and "138****5678" in contacts


@pytest.mark.parametrize("login", sorted(OUTSIDERS))
def test_a_clerk_of_another_town_gets_nothing_of_it(people, client_as, login):
    outsider = client_as(login)
    for body, shown in ((PROFILE, PROFILE_SHOWN), (CONTACTS, CONTACTS_SHOWN)):
        for selected in (V1, XTW, "350304000000", "35030410000x", 350304100001):
            response = follow(outsider, body, shown, selected)
            assert response.status_code in (200, 204), (body, selected)
            assert not leaks(plain(response), login), (body, selected)
    panels = focus_panels(outsider, XTW)
    assert panels.status_code in (200, 204) and not leaks(plain(panels), login)


def test_a_department_gets_no_file_and_no_contacts(people, client_as):
    """A department reads people only through a granted ledger request: no panel, no
    following callback, no export lists them."""
    department = client_as("city.minzheng")
    for body, shown in ((PROFILE, PROFILE_SHOWN), (CONTACTS, CONTACTS_SHOWN)):
        for selected in (V1, XTW, "350304"):
            assert follow(department, body, shown, selected).status_code == 204, (body, selected)
    panels = plain(focus_panels(department, XTW))
    assert "一村一档" not in panels and "panel-alerts-contacts" not in panels
    assert "林书记" not in panels and " 人" not in panels
    for kind in ("csv", "xlsx"):
        export = department.get(f"/api/v1/alerts/contacts.{kind}?unit=350304100")
        assert export.status_code == 403 and "林书记".encode() not in export.data


def test_a_countys_contacts_are_counted_not_listed(people, client_as, ledger_app):
    with ledger_app.server.extensions["onemap"].sessions() as session:
        inside = session.query(Contact).filter(Contact.village_code.startswith("350304")).count()
    contacts = plain(follow(client_as("licheng.leader"), CONTACTS, CONTACTS_SHOWN, "350304"))
    assert f"荔城区 共 {inside} 人" in contacts and "林书记" not in contacts
