"""Admins keep the catalogue: add, edit, retire (history kept), export and import it as
XLSX all or nothing; nobody else may, and a tag holding values keeps its type."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from modules.ledger.catalogue_admin import (
    catalogue_csv,
    catalogue_xlsx,
    import_catalogue,
    retire,
    save_tag,
)
from modules.ledger.checks import Refused
from modules.ledger.models import LedgerTag
from modules.ledger.tags import all_tags
from modules.ledger.values import history
from tests.accounts_fixture import csrf_header
from tests.modules.ledger.helpers import XTW_VILLAGES, put, statuses

V1 = XTW_VILLAGES[0]
NEW = {
    "name": "电动车充电桩",
    "measure": "个",
    "value_type": "整数",
    "domain": "住建",
    "department": "住建局",
    "level": "村",
    "period_type": "年报",
    "required": "否",
}


def test_an_admin_adds_edits_and_retires_a_tag(session, viewer):
    admin = viewer("city.admin")
    tag, state = save_tag(session, admin, "ZJ011", NEW, create=True)
    assert state == "added" and tag.value_type == "integer" and tag.rollup == "sum"
    assert statuses(put(session, viewer("xitianwei.staff"), [(V1, "ZJ011", "2026-11", "4")])) == [
        "accepted"
    ]
    _, state = save_tag(session, admin, "ZJ011", {"name": "充电桩", "max_value": "500"}, False)
    assert state == "changed" and all_tags(session)["ZJ011"].name == "充电桩"
    with pytest.raises(Refused) as refused:
        save_tag(session, admin, "ZJ011", {"value_type": "小数"}, create=False)
    assert refused.value.reason_zh == "「充电桩」已有数据，不能修改类型；请停用后新建标签"
    assert retire(session, admin, "ZJ011") == "retired"
    assert "ZJ011" not in all_tags(session) and history(session, "ZJ011", V1)
    saved = put(session, viewer("xitianwei.staff"), [(V1, "ZJ011", "2026-12", "5")])
    assert "已停用" in saved.outcomes[0].reason_zh


@pytest.mark.parametrize(
    ("code", "fields", "reason"),
    [
        ("zj1", NEW, "编码「ZJ1」应为两个大写字母加三位数字"),
        ("RK001", NEW, "编码 RK001 已被「户籍人口」使用"),
        ("ZJ012", {**NEW, "value_type": "整型"}, "类型只能填 整数、小数"),
        ("ZJ012", {**NEW, "level": "县"}, "填报层级只能填 村、镇街"),
        ("ZJ012", {"name": "某"}, "新标签必须填写：类型、领域、填报层级、报送周期"),
        ("ZJ012", {**NEW, "min_value": "10", "max_value": "1"}, "下限不能大于上限"),
        ("ZJ012", {**NEW, "min_value": "很多"}, "下限应填数字"),
        ("ZJ012", {**NEW, "rule": "小于 RK001"}, "规则「小于 RK001」应写成"),
        ("ZJ012", {**NEW, "rule": "<= XX999"}, "规则「<= XX999」应写成"),
        (
            "ZJ012",
            {**NEW, "value_type": "选项", "choices": "有", "rollup": "不汇总"},
            "至少要有两个选项",
        ),
        ("ZJ012", {**NEW, "value_type": "文本", "rollup": "求和"}, "只有数字类标签可以汇总"),
        ("ZJ012", {**NEW, "name": "长" * 101}, "名称最多 100 个字"),
    ],
)
def test_a_bad_tag_is_refused_with_the_field(session, viewer, code, fields, reason):
    with pytest.raises(Refused) as refused:
        save_tag(session, viewer("city.admin"), code, fields, create=True)
    assert reason in refused.value.reason_zh


@pytest.mark.parametrize("login", ["xitianwei.staff", "city.leader", "city.coordinator"])
def test_only_admins_change_the_catalogue(session, viewer, login):
    with pytest.raises(Refused, match="ledger.catalogue"):
        save_tag(session, viewer(login), "ZJ012", NEW, create=True)
    with pytest.raises(Refused, match="ledger.catalogue"):
        retire(session, viewer(login), "RK001")
    assert not import_catalogue(session, viewer(login), b"", "x.csv").ok


def test_the_catalogue_goes_out_as_xlsx_and_comes_back(session, viewer):
    admin = viewer("city.admin")
    data = catalogue_xlsx(session)
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    assert [c.value for c in sheet[1]][:4] == ["编码", "名称", "计量单位", "类型"]
    assert sheet.max_row == 1 + len(all_tags(session))
    unchanged = import_catalogue(session, admin, data, "tags.xlsx")
    assert unchanged.ok and (unchanged.added, unchanged.changed) == (0, 0), unchanged.errors
    sheet.append(["ZJ013", "新建小区", "个", "整数", "住建", "住建局", "村", "年报", "否"])
    sheet.cell(2, 2).value = "户籍人口数"
    sheet.cell(3, 17).value = "是"  # 已停用
    edited = io.BytesIO()
    book.save(edited)
    report = import_catalogue(session, admin, edited.getvalue(), "tags.xlsx")
    assert report.ok and (report.added, report.changed, report.retired) == (1, 1, 1)
    tags = all_tags(session, retired=True)
    assert tags["RK001"].name == "户籍人口数" and tags["RK002"].retired_at is not None
    assert catalogue_csv(session).startswith("\ufeff编码".encode())


def test_a_bad_catalogue_file_changes_nothing_and_names_every_bad_cell(session, viewer):
    rows = (
        "编码,名称,类型,领域,填报层级,报送周期\n"
        "ZJ014,充电站,整数,住建,村,年报\n"
        "ZJ015,,,住建,村,年报\n"
        "RK001,户籍人口,整数,人口,村,每周\n"
        "ZJ014,重复,整数,住建,村,年报\n"
        "ZJ016,某,整数,住建,乡,年报\n"
    )
    report = import_catalogue(session, viewer("city.admin"), rows.encode(), "tags.csv")
    assert not report.ok
    assert report.errors == [
        "第 3 行：新标签必须填写：名称、类型",
        "第 4 行（报送周期）：只能填 月报、季报、年报、变动时报，收到「每周」",
        "第 5 行（编码）：与第 2 行重复",
        "第 6 行（填报层级）：只能填 村、镇街，收到「乡」",
    ]
    assert session.scalar(select(LedgerTag).where(LedgerTag.code == "ZJ014")) is None


def test_the_catalogue_routes_are_for_admins(client_as):
    admin, staff = client_as("city.admin"), client_as("xitianwei.staff")
    assert staff.get("/api/v1/ledger/catalogue.xlsx").status_code == 200
    added = admin.post(
        "/api/v1/ledger/tags", json={"code": "ZJ020", **NEW}, headers=csrf_header(admin)
    )
    assert added.status_code == 201 and added.get_json()["tag"]["value_type"] == "integer"
    bad = admin.patch("/api/v1/ledger/tags/ZJ020", json={"level": "县"}, headers=csrf_header(admin))
    assert bad.status_code == 400 and "填报层级只能填" in bad.get_json()["error_zh"]
    assert admin.get("/api/v1/ledger/tags").get_json()["tags"][-1]["level"] == "village"
    assert (
        staff.post(
            "/api/v1/ledger/tags", json={"code": "ZJ021", **NEW}, headers=csrf_header(staff)
        ).status_code
        == 403
    )
    assert (
        staff.post("/api/v1/ledger/tags/ZJ020/retire", headers=csrf_header(staff)).status_code
        == 403
    )
    retired = admin.post("/api/v1/ledger/tags/ZJ020/retire", headers=csrf_header(admin))
    assert retired.get_json()["result"] == "retired"
    codes = {t["code"] for t in admin.get("/api/v1/ledger/tags").get_json()["tags"]}
    assert "ZJ020" not in codes
