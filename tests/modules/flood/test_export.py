"""Exports of the viewer's key points: CSV and XLSX, scoped, phones as on screen, audited."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from store.models import AuditEntry

MASKED = re.compile(r"^1[3-9]\d\*{4}\d{4}$")
FULL = re.compile(r"^1[3-9]\d{9}$")


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.data.decode("utf-8-sig")  # the BOM makes Excel read UTF-8
    return list(csv.DictReader(io.StringIO(text)))


def test_town_staff_export_their_46_points_with_full_phones(client_as):
    rows = csv_rows(client_as("xitianwei.staff").get("/api/v1/flood/points.csv"))
    assert len(rows) == 46
    assert all(r["村居代码"].startswith("350304100") for r in rows)
    assert all(FULL.match(r["联系电话"]) for r in rows)
    assert {"名称", "类别", "风险等级", "经度", "纬度", "责任人"} <= set(rows[0])


def test_a_leader_exports_masked_phones_and_a_unit_narrows_it(client_as):
    leader = client_as("licheng.leader")
    rows = csv_rows(leader.get("/api/v1/flood/points.csv?unit=350304100"))
    assert len(rows) == 46 and all(MASKED.match(r["联系电话"]) for r in rows)
    everything = csv_rows(leader.get("/api/v1/flood/points.csv"))
    assert all(r["村居代码"].startswith("350304") for r in everything)


def test_xlsx_holds_the_same_rows(client_as):
    response = client_as("xitianwei.staff").get("/api/v1/flood/points.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert values[0][1] == "名称" and len(values) == 47
    assert all(str(row[4]).startswith("350304100") for row in values[1:])


def test_exports_outside_the_scope_are_refused_and_every_export_is_audited(
    client_as, sessions, flood_app
):
    staff = client_as("xiuyu.staff")
    assert staff.get("/api/v1/flood/points.csv?unit=350304100").status_code == 403
    assert staff.get("/api/v1/flood/points.xlsx?unit=350304199").status_code == 404
    assert flood_app.server.test_client().get("/api/v1/flood/points.csv").status_code == 401
    rows = csv_rows(staff.get("/api/v1/flood/points.csv"))
    assert rows and not any(r["村居代码"].startswith("350304") for r in rows)
    with sessions() as session:
        exports = session.scalars(
            select(AuditEntry).where(
                AuditEntry.login == "xiuyu.staff", AuditEntry.action == "export"
            )
        ).all()
    assert any(
        e.target == "flood.points.csv" and f'"rows": {len(rows)}' in e.detail for e in exports
    )
