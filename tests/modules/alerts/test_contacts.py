"""Contacts: mainland mobile numbers, import all or nothing with a row report (CSV, XLSX,
page upload, CLI), masking by role and scope, audited export; the schema."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from modules.alerts.contacts import import_contacts, normalize_phone
from modules.alerts.models import Contact
from modules.sdk import mask_phone, sees_phone
from store.migrate import check, current_revision
from store.models import AuditEntry
from tests.accounts_fixture import viewer_of
from tests.dash_client import call_callback, response_json

GOOD = (
    "姓名,手机号,村居代码,分组\n"
    "林一,+86 138-0013-0001,350304100001,村居干部、网格员\n"
    "陈二,13800130002,350304100002,重点人群\n"
)


def count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Contact))


def test_phone_numbers_are_mainland_mobiles_after_stripping_prefix_spaces_and_dashes():
    assert normalize_phone("+86 138-1234-5678") == "13812345678"
    assert normalize_phone("8613812345678") == "13812345678"
    assert normalize_phone(13812345678.0) == "13812345678"  # an Excel number cell
    for bad in ("12812345678", "1381234567", "138123456789", "0594-2345678", "", None, "abc"):
        assert normalize_phone(bad) is None, bad
    assert mask_phone("13812345678") == "138****5678"


def test_whole_numbers_only_for_staff_and_coordinators_whose_scope_holds_the_contact():
    code = "350304100001"
    assert sees_phone(viewer_of("xtw.staff"), code)
    assert sees_phone(viewer_of("city.coordinator"), code)
    assert not sees_phone(viewer_of("licheng.leader"), code)
    assert not sees_phone(viewer_of("xtw.admin"), code)
    assert not sees_phone(viewer_of("xiuyu.staff"), code)


def test_an_import_adds_and_updates_or_with_one_bad_row_changes_nothing(sessions):
    before = count(sessions)
    bad = GOOD + "王三,12345,350304100003,网格员\n张四,13800130004,350305101001,网格员\n"
    bad += "林一,13800130001,350304100001,村居干部\n"
    with sessions() as session:
        report = import_contacts(session, viewer_of("xtw.staff"), bad.encode(), "c.csv")
        session.rollback()
    assert not report.ok and count(sessions) == before
    text = report.text()
    assert "第 4 行：手机号无效：12345" in text
    assert "第 5 行：该区划不在您的辖区内" in text
    assert "第 6 行：与第 2 行重复" in text
    assert "未做任何修改" in text

    with sessions() as session, session.begin():
        report = import_contacts(session, viewer_of("xtw.staff"), GOOD.encode(), "c.csv")
    assert report.ok and (report.added, report.updated) == (2, 0)
    assert count(sessions) == before + 2
    with sessions() as session, session.begin():  # the same people again: updated, not added
        report = import_contacts(session, viewer_of("xtw.staff"), GOOD.encode(), "c.csv")
    assert (report.added, report.updated) == (0, 2) and count(sessions) == before + 2
    with sessions() as session:
        lin = session.scalars(select(Contact).where(Contact.phone == "13800130001")).one()
        assert lin.group_list == ["村居干部", "网格员"]


def test_an_xlsx_import_and_a_file_without_the_columns(sessions):
    book = Workbook()
    book.active.append(["姓名", "手机", "区划代码", "分组"])
    book.active.append(["黄五", 13800130005, 350304100004, "包保责任人"])
    data = io.BytesIO()
    book.save(data)
    with sessions() as session, session.begin():
        report = import_contacts(session, viewer_of("xtw.staff"), data.getvalue(), "c.xlsx")
    assert report.ok and report.added == 1
    with sessions() as session:
        report = import_contacts(session, viewer_of("xtw.staff"), b"a,b\n1,2\n", "c.csv")
    assert "缺少列：姓名、手机号、村居代码" in report.text()


def test_the_page_upload_imports_and_is_refused_to_leaders(client_as, sessions):
    before = count(sessions)
    csv = "姓名,手机号,村居代码,分组\n郑六,13800130006,350304100005,网格员\n".encode()
    contents = "data:text/csv;base64," + base64.b64encode(csv).decode()
    outputs = [("alerts-import-out", "children")]
    inputs = [("alerts-upload", "contents", contents)]
    state = [("alerts-upload", "filename", "c.csv")]
    body = response_json(call_callback(client_as("xtw.staff"), outputs, inputs, state))
    assert "新增 1 人" in str(body) and count(sessions) == before + 1
    body = response_json(call_callback(client_as("xtw.leader"), outputs, inputs, state))
    assert "无权" in str(body) and count(sessions) == before + 1


def test_the_cli_imports_as_the_system(alerts_app, tmp_path):
    context = alerts_app.server.extensions["onemap"]
    path = tmp_path / "contacts.csv"
    path.write_text("姓名,手机号,村居代码,分组\n吴七,13800130007,350305101001,网格员\n")
    env = {"ONEMAP_DATABASE_URL": context.engine.url.render_as_string(hide_password=False)}
    env["ONEMAP_LOAD_BOUNDARIES"] = "0"
    run = subprocess.run(
        [str(Path(sys.executable).with_name("onemap")), "alerts", "import-contacts", str(path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "新增 1 人" in run.stdout
    path.write_text("姓名,手机号,村居代码,分组\n吴七,1380013,350305101001,网格员\n")
    run = subprocess.run(
        [str(Path(sys.executable).with_name("onemap")), "alerts", "import-contacts", str(path)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1 and "第 2 行：手机号无效" in run.stdout


@pytest.mark.parametrize(
    ("login", "expected"),
    [("xtw.staff", "13800000000"), ("xtw.leader", "138****0000"), ("xtw.admin", "138****0000")],
)
def test_the_export_masks_by_role_and_is_audited(client_as, sessions, login, expected):
    response = client_as(login).get("/api/v1/alerts/contacts.csv?unit=350304100")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert expected in text and "350305" not in text
    assert client_as(login).get("/api/v1/alerts/contacts.csv?unit=350305101").status_code == 403
    with sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id.desc())
        ).first()
    assert entry.login == login and entry.target == "alerts.contacts.csv"


def test_the_model_and_the_migration_agree(context):
    locations = [path for _, path in context.modules.call("register_migrations")]
    check(context.engine, locations)
    assert "alerts_0001" in current_revision(context.engine).split()
