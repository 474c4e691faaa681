"""Contacts: mainland mobile numbers, import all or nothing with a row report through every
entry point (page upload, CLI), each capped by the contacts_max_mb setting before reading,
masking by role and scope, audited export; the schema."""

from __future__ import annotations

import base64
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from modules.alerts.commands import import_file
from modules.alerts.contacts import contacts_in, normalize_phone
from modules.alerts.models import Contact
from modules.alerts.settings import AlertsSettingsError, contacts_max_bytes
from modules.sdk import Forbidden, mask_phone, sees_phone
from store.migrate import check, current_revision
from store.models import AuditEntry
from tests.accounts_fixture import system_viewer, viewer_of
from tests.dash_client import call_callback, response_json
from tests.modules.alerts.helpers import core_of, import_as, tables
from tests.snapshot import changed

GOOD = (
    "姓名,手机号,村居代码,分组\n"
    "林一,+86 138-0013-0001,350304100001,村居干部、网格员\n"
    "陈二,13800130002,350304100002,重点人群\n"
)
UPLOAD_OUT = [("alerts-import-out", "children")]


def count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Contact))


def upload(client, data: bytes | str, filename="c.csv"):
    """The page's upload callback as the browser (or a forger) calls it; its text."""
    contents = data if isinstance(data, str) else "data:text/csv;base64," + b64(data)
    inputs = [("alerts-upload", "contents", contents)]
    state = [("alerts-upload", "filename", filename)]
    body = response_json(call_callback(client, UPLOAD_OUT, inputs, state))
    return body["response"]["alerts-import-out"]["children"]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


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


def test_an_import_adds_and_updates_or_with_one_bad_row_changes_nothing(context, sessions):
    before = tables(context.engine)
    bad = GOOD + "王三,12345,350304100003,网格员\n张四,13800130004,350305101001,网格员\n"
    bad += "林一,13800130001,350304100001,村居干部\n"
    report = import_as(context, "xtw.staff", bad)
    assert not report.ok and changed(before, tables(context.engine)) == []
    text = report.text_zh()
    assert "第 4 行（手机号）：手机号无效：12345（应为 11 位大陆手机号" in text
    assert "第 5 行（村居代码）：该区划不在您的辖区内：350305101001" in text
    assert "第 6 行（手机号）：与第 2 行重复" in text
    assert "未做任何修改" in text and "第 0 行" not in text

    report = import_as(context, "xtw.staff", GOOD)
    assert report.ok and (report.added, report.updated) == (2, 0)
    assert changed(before, tables(context.engine)) == ["alerts_contacts"]
    # The same people again (a double submit): nothing changes, and the report says so.
    middle = tables(context.engine)
    report = import_as(context, "xtw.staff", GOOD)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 2)
    assert "可能已导入过" in report.text_zh() and tables(context.engine) == middle
    with sessions() as session:
        lin = session.scalars(select(Contact).where(Contact.phone == "13800130001")).one()
        assert lin.group_list == ["村居干部", "网格员"]


def test_an_xlsx_import_and_a_file_without_the_columns(context):
    book = Workbook()
    book.active.append(["姓名", "手机", "区划代码", "分组"])
    book.active.append(["黄五", 13800130005, 350304100004, "包保责任人"])
    data = io.BytesIO()
    book.save(data)
    report = import_as(context, "xtw.staff", data.getvalue(), "c.xlsx")
    assert report.ok and report.added == 1
    report = import_as(context, "xtw.staff", b"a,b\n1,2\n")
    assert report.text_zh().splitlines()[1].startswith("文件：缺少列：姓名、手机号、村居代码")
    assert "file: missing columns" in report.text()


def test_the_page_upload_imports_and_is_refused_to_leaders(client_as, sessions):
    before = count(sessions)
    csv = "姓名,手机号,村居代码,分组\n郑六,13800130006,350304100005,网格员\n".encode()
    assert "新增 1 人" in upload(client_as("xtw.staff"), csv)
    assert count(sessions) == before + 1
    assert "无权" in upload(client_as("xtw.leader"), csv) and count(sessions) == before + 1


def test_the_page_refuses_a_header_only_file_an_oversized_one_and_forged_contents(
    client_as, context
):
    client = client_as("xtw.staff")
    before = tables(context.engine)
    header_only = upload(client, "姓名,手机号,村居代码,分组\n".encode())
    assert "文件：文件只有表头，没有数据行" in header_only and "第 0 行" not in header_only
    # Over the limit: refused by its decoded length, before a byte is decoded.
    big = "data:text/csv;base64," + "QUFB" * ((50 * 1024 * 1024) // 3 + 4)
    text = upload(client, big)
    assert "文件超过大小上限 50 MB" in text and "请拆分" in text
    for forged in ("not a data url", "data:text/csv;base64,@@@@", ""):
        text = upload(client, forged)
        assert "请重新选择文件" in text and "Error" not in text
    assert "文件：文件为空" in upload(client, "data:")  # the browser's URL of an empty file
    assert "不支持的文件类型" in upload(client, b"x", "c.exe")
    assert "不支持的文件类型" in upload(client, "data:text/csv;base64,eA==", None)
    assert changed(before, tables(context.engine)) == []


def test_the_cli_reads_its_file_capped_and_answers_in_english(
    context, tmp_path, monkeypatch, capsys
):
    core = core_of(context, viewer=system_viewer())
    path = tmp_path / "contacts.csv"
    path.write_text("姓名,手机号,村居代码\n")
    before = tables(context.engine)
    assert import_file(core, path) == 1
    assert "file: the file has a header but no rows" in capsys.readouterr().out
    monkeypatch.setenv("ONEMAP_ALERTS_CONTACTS_MAX_MB", "0.001")  # about 1 KB
    path.write_text("姓名,手机号,村居代码\n" + "吴七,13800130007,350305101001\n" * 100)
    assert import_file(core, path) == 1
    out = capsys.readouterr().out
    assert "REJECTED" in out and "larger than the limit of 1 KB" in out
    monkeypatch.setenv("ONEMAP_ALERTS_CONTACTS_MAX_MB", "lots")
    assert import_file(core, path) == 2
    assert "ONEMAP_ALERTS_CONTACTS_MAX_MB" in capsys.readouterr().err
    assert import_file(core, tmp_path / "missing.csv") == 2
    assert changed(before, tables(context.engine)) == []


def test_the_cli_imports_as_the_system(alerts_app, tmp_path):
    context = alerts_app.server.extensions["onemap"]
    path = tmp_path / "contacts.csv"
    path.write_text("姓名,手机号,村居代码,分组\n吴七,13800130007,350305101001,网格员\n")
    env = {"ONEMAP_DATABASE_URL": context.engine.url.render_as_string(hide_password=False)}
    env["ONEMAP_LOAD_BOUNDARIES"] = "0"
    command = [str(Path(sys.executable).with_name("onemap")), "alerts", "import-contacts"]
    run = subprocess.run(
        [*command, str(path)], env={**os.environ, **env}, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "OK: 1 rows; added 1" in run.stdout
    path.write_text("姓名,手机号,村居代码,分组\n吴七,1380013,350305101001,网格员\n")
    run = subprocess.run(
        [*command, str(path)], env={**os.environ, **env}, capture_output=True, text=True
    )
    assert run.returncode == 1 and "row 2 (phone): not a mainland mobile number" in run.stdout


def test_the_contacts_limit_is_a_module_setting():
    assert contacts_max_bytes({}) == 50 * 1024 * 1024
    assert contacts_max_bytes({"ONEMAP_ALERTS_CONTACTS_MAX_MB": "2"}) == 2 * 1024 * 1024
    with pytest.raises(AlertsSettingsError, match="ONEMAP_ALERTS_CONTACTS_MAX_MB"):
        contacts_max_bytes({"ONEMAP_ALERTS_CONTACTS_MAX_MB": "0"})


@pytest.mark.parametrize(
    ("login", "expected"),
    [("xtw.staff", "13800000000"), ("xtw.leader", "138****0000"), ("xtw.admin", "138****0000")],
)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_export_masks_by_role_and_is_audited(client_as, sessions, login, expected, kind):
    response = client_as(login).get(f"/api/v1/alerts/contacts.{kind}?unit=350304100")
    assert response.status_code == 200
    text = export_text(response.data, kind)
    assert expected in text and "350305" not in text
    outside = client_as(login).get(f"/api/v1/alerts/contacts.{kind}?unit=350305101")
    assert outside.status_code == 403
    with sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id.desc())
        ).first()
    assert entry.login == login and entry.target == f"alerts.contacts.{kind}"


def test_another_towns_staff_exports_none_of_these_contacts(client_as):
    for kind in ("csv", "xlsx"):
        response = client_as("xiuyu.staff").get(f"/api/v1/alerts/contacts.{kind}")
        text = export_text(response.data, kind)
        assert response.status_code == 200 and "350305" in text and "350304" not in text


def test_a_department_may_not_read_the_contacts(context):
    """Refused in the data layer itself, whatever asks (a panel, an export, an audience)."""
    import_as(context, "xtw.staff", GOOD)
    with context.sessions() as session:
        assert contacts_in(session, viewer_of("xtw.staff"), None)
        with pytest.raises(Forbidden):
            contacts_in(session, viewer_of("city.minzheng"), None)


def export_text(data: bytes, kind: str) -> str:
    if kind == "csv":
        return data.decode("utf-8-sig")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(",".join(str(v or "") for v in row) for row in book.active.values)


def test_the_model_and_the_migration_agree(context):
    locations = [path for _, path in context.modules.call("register_migrations")]
    check(context.engine, locations)
    heads = current_revision(context.engine).split()
    assert any(head.startswith("alerts_") for head in heads), (
        heads
    )  # the module's branch is at its head


FORMULAS = ('=HYPERLINK("http://evil.example","点我")', "+1", "-1", "@x")
VILLAGE = "350304100203"  # 北大村, 西天尾镇


def formula_contacts(context) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["姓名", "手机号", "村居代码", "分组"])
    for number, name in enumerate(FORMULAS):
        writer.writerow([name, f"1390015000{number}", VILLAGE, "网格员"])
    report = import_as(context, "xtw.staff", buffer.getvalue())
    assert report.ok, report.text()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_contacts_named_like_formulas_are_exported_inert(client_as, context, kind):
    formula_contacts(context)
    response = client_as("xtw.staff").get(f"/api/v1/alerts/contacts.{kind}?unit={VILLAGE}")
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
        names = [row[0] for row in rows[1:]]
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.data)).active
        assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value)
        names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    for name in FORMULAS:
        assert "'" + name in names and name not in names


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("login", ["xtw.staff", "xtw.admin"])  # whole phones, masked phones
def test_the_export_imports_back_unchanged(client_as, context, kind, login):
    formula_contacts(context)
    response = client_as(login).get(f"/api/v1/alerts/contacts.{kind}?unit=350304100")
    assert ("138****" in export_text(response.data, kind)) is (login == "xtw.admin")
    before = tables(context.engine)
    report = import_as(context, "xtw.staff", response.data, f"contacts.{kind}")
    assert report.ok, report.text()
    assert (report.added, report.updated) == (0, 0) and report.unchanged == report.rows > 100
    assert tables(context.engine) == before
