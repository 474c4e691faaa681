"""Contacts: phone numbers checked as mainland mobiles, masked unless the viewer may see them,
imported from CSV or XLSX all or nothing (a report names every bad row), exported audited."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.alerts.models import Contact
from modules.sdk import (
    Columns,
    DivisionCode,
    FileRefused,
    Forbidden,
    InvalidCode,
    NotFound,
    Viewer,
    phone_as_seen,
    prefix_range,
    read_rows,
    record_audit,
    require_unit,
)

PHONE = re.compile(r"^1[3-9]\d{9}$")
GROUPS: tuple[str, ...] = ("村居干部", "包保责任人", "网格员", "重点人群", "在建工地负责人")
IMPORT_PERMISSIONS = ("alert", "import")
# Accepted column headers (zh-CN first) for each field.
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "phone": ("手机号", "手机", "电话", "联系电话", "phone"),
    "village_code": ("村居代码", "区划代码", "单位代码", "village_code", "code"),
    "groups": ("分组", "群组", "groups"),
    "site_id": ("重点部位编号", "重点部位", "site_id"),
}
MAX_ROWS = 50_000
MAX_BYTES = 10 * 1024 * 1024
COLUMNS = Columns(HEADERS, required=("name", "phone", "village_code"))


def normalize_phone(text: object) -> str | None:
    """The 11 digits of a mainland mobile number (+86, spaces and dashes dropped), or None."""
    value = re.sub(r"[\s\-()（）]", "", str(text or ""))
    if isinstance(text, float) and value.endswith(".0"):  # a number cell in a spreadsheet
        value = value[:-2]
    for lead in ("+86", "0086", "86"):
        if value.startswith(lead) and len(value) == 11 + len(lead):
            value = value[len(lead) :]
            break
    return value if PHONE.match(value) else None


def split_groups(text: object) -> list[str]:
    parts = re.split(r"[、,，;；/|\s]+", str(text or "").strip())
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return seen


def contacts_in(session: Session, viewer: Viewer, unit: str | None) -> list[Contact]:
    """The contacts inside `unit` (a code the caller has checked; None for the whole scope)
    and the viewer's scope."""
    statement = (
        select(Contact)
        .where(viewer.code_filter(Contact.village_code))
        .order_by(Contact.village_code, Contact.id)
    )
    if unit is not None:
        statement = statement.where(prefix_range(Contact.village_code, unit))
    return list(session.scalars(statement))


# --- import ------------------------------------------------------------------------------


@dataclass
class ImportReport:
    rows: int = 0
    added: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def text(self) -> str:
        if self.ok:
            return f"导入成功：共 {self.rows} 行，新增 {self.added} 人，更新 {self.updated} 人。"
        lines = [f"导入失败，未做任何修改（共 {self.rows} 行，{len(self.errors)} 处错误）："]
        lines += [
            f"第 {row} 行：{message}" if row else f"文件：{message}"
            for row, message in self.errors[:200]
        ]
        if len(self.errors) > 200:
            lines.append(f"……另有 {len(self.errors) - 200} 处错误")
        return "\n".join(lines)


def import_contacts(session: Session, viewer: Viewer, data: bytes, filename: str) -> ImportReport:
    """Check every row, then add or update them all, or change nothing. Rows are numbered
    as in the file (the header is row 1). A contact is keyed by unit and phone."""
    report = ImportReport()
    if not any(viewer.can(p) for p in IMPORT_PERMISSIONS):
        raise Forbidden("the viewer may not import contacts")
    try:
        rows = read_rows(data, filename, COLUMNS, max_rows=MAX_ROWS, max_bytes=MAX_BYTES).rows
    except FileRefused as refused:  # the file as a whole: one line that says what to do
        report.errors.append((0, refused.error.reason_zh))
        return report

    def cell(row: dict, key: str) -> object:
        return row.get(key)

    parsed: dict[tuple[str, str], tuple[int, str, list[str], str]] = {}
    unit_problem: dict[str, str] = {}  # code -> "" when the viewer may keep contacts there
    for number, row in rows:
        report.rows += 1
        problems = []
        name = str(cell(row, "name") or "").strip()
        if not name or len(name) > 50:
            problems.append("姓名为空或超过 50 字")
        phone = normalize_phone(cell(row, "phone"))
        if phone is None:
            problems.append(f"手机号无效：{cell(row, 'phone') or '（空）'}（需 11 位大陆手机号）")
        code_text = str(cell(row, "village_code") or "").strip().removesuffix(".0")
        try:
            code = DivisionCode.parse(code_text)
        except InvalidCode:
            code = None
            problems.append(f"区划代码无效：{code_text or '（空）'}")
        if code is not None:
            if code not in unit_problem:
                try:
                    require_unit(session, viewer, code)
                    unit_problem[code] = ""
                except NotFound:
                    unit_problem[code] = f"区划代码不存在：{code}"
                except Forbidden:
                    unit_problem[code] = "该区划不在您的辖区内"
            if unit_problem[code]:
                problems.append(unit_problem[code])
        groups = split_groups(cell(row, "groups"))
        if len("、".join(groups)) > 200:
            problems.append("分组过长")
        site_id = str(cell(row, "site_id") or "").strip()
        if len(site_id) > 64:
            problems.append("重点部位编号过长")
        if code and phone and (code, phone) in parsed:
            problems.append(f"与第 {parsed[(code, phone)][0]} 行重复（同一单位同一手机号）")
        if problems:
            report.errors.append((number, "；".join(problems)))
        elif code and phone:
            parsed[(code, phone)] = (number, name, groups, site_id)
    if not report.ok:
        return report

    existing = {
        (c.village_code, c.phone): c
        for c in session.scalars(
            select(Contact).where(Contact.village_code.in_({k[0] for k in parsed}))
        )
    }
    for (code, phone), (_, name, groups, site_id) in parsed.items():
        contact = existing.get((code, phone))
        if contact is None:
            session.add(
                Contact(
                    name=name,
                    phone=phone,
                    village_code=code,
                    groups="、".join(groups),
                    site_id=site_id,
                )
            )
            report.added += 1
        else:
            contact.name, contact.groups, contact.site_id = name, "、".join(groups), site_id
            report.updated += 1
    session.flush()
    return report


def record_import(session: Session, viewer: Viewer, report: ImportReport, filename: str) -> None:
    record_audit(
        session,
        "data.change",
        viewer,
        target="alerts.contacts",
        detail={
            "op": "import",
            "file": filename[:100],
            "added": report.added,
            "updated": report.updated,
        },
    )


# --- export ------------------------------------------------------------------------------

EXPORT_COLUMNS = ("姓名", "手机号", "村居代码", "分组", "重点部位编号")


def contacts_csv(viewer: Viewer, contacts: list[Contact]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for c in contacts:
        writer.writerow(
            [
                c.name,
                phone_as_seen(viewer, c.village_code, c.phone),
                c.village_code,
                c.groups,
                c.site_id,
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
