"""The sheet a clerk sees as a file, and back: XLSX (or CSV) of her units × the tags kept at
their level for one month, with names and units of measure in the header; edited offline in
Excel or WPS and imported back all or nothing, every bad cell reported with its sheet, row,
column and reason."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from modules.ledger import periods
from modules.ledger.entry import ACCEPTED, REFUSED, UNCHANGED, Change, save
from modules.ledger.sheet import DEMO, Sheet, header
from modules.ledger.tags import readable
from modules.sdk import Columns, FileRefused, Viewer, csv_bytes, read_rows, xlsx_bytes

MAX_ROWS = 2_000
MAX_BYTES = 10 * 1024 * 1024
FIXED = ("单位代码", "单位", "期间", "数据")


def sheet_title(month: int) -> str:
    return periods.label_zh(month)


def exported(sheet: Sheet) -> tuple[list[str], list[list]]:
    """The header and rows of the sheet as a file: the tags kept at the sheet's level only
    (roll-ups are computed, never typed)."""
    kept = [t for t in sheet.tags if t.code not in sheet.rolled]
    head = [*FIXED, *(header(t) for t in kept)]
    demo = sheet.demo_units
    rows = [
        [
            code,
            name,
            periods.label(sheet.month),
            DEMO if code in demo else "",
            *(sheet.cell(code, t) for t in kept),
        ]
        for code, name in sheet.units
    ]
    return head, rows


def to_xlsx(sheet: Sheet) -> bytes:
    head, rows = exported(sheet)
    return xlsx_bytes([(sheet_title(sheet.month), head, rows)])


def to_csv(sheet: Sheet) -> bytes:
    head, rows = exported(sheet)
    return csv_bytes(head, rows)


@dataclass
class ImportReport:
    ok: bool
    errors: list[str] = field(default_factory=list)  # zh-CN, one line per bad cell
    errors_en: list[str] = field(default_factory=list)
    accepted: int = 0
    unchanged: int = 0
    note: str = ""

    def summary(self) -> str:
        if not self.ok:
            return f"未导入：共 {len(self.errors)} 处错误，请改正后重新导入（整份文件都未保存）。"
        text = f"已导入：修改 {self.accepted} 个数，{self.unchanged} 个数与原来相同。"
        return text + (f"（{self.note}）" if self.note else "")


def columns_for(session: Session, viewer: Viewer) -> Columns:
    fields: dict[str, tuple[str, ...]] = {
        "_unit": ("单位代码", "代码", "unit", "unit_code"),
        "_name": ("单位", "单位名称", "name"),
        "_period": ("期间", "月份", "period"),
        "_source": ("数据",),  # 演示 or blank, as exported: not imported
    }
    for tag in readable(session, viewer).values():
        fields[tag.code] = (header(tag), tag.name, tag.code)
    return Columns(fields=fields, required=("_unit",))


def import_file(
    session: Session, viewer: Viewer, data: bytes, filename: str, month: int
) -> ImportReport:
    """Read a sheet file and save every cell in it for `month` (channel import), all or
    nothing; the caller commits the transaction when the report is ok."""
    columns = columns_for(session, viewer)
    try:
        table = read_rows(data, filename, columns, max_rows=MAX_ROWS, max_bytes=MAX_BYTES)
    except FileRefused as refused:
        return ImportReport(
            False, [e.text_zh() for e in refused.errors], [e.text() for e in refused.errors]
        )
    sheet = _first_sheet_name(data) if table.kind == "xlsx" else None
    where = f"工作表「{sheet}」" if sheet else ""
    tags = [code for code in table.present if not code.startswith("_")]
    if not tags:
        return ImportReport(
            False,
            ["文件：没有可导入的标签列：表头应为导出时的标签名称（如 户籍人口（人））或标签编码。"],
            ["file: no tag columns (use the exported headers or tag codes)"],
        )
    changes: list[Change] = []
    places: list[tuple[int, str]] = []
    errors: list[str] = []
    errors_en: list[str] = []
    for number, row in table.rows:
        period = row.get("_period")
        if period not in (None, ""):
            try:
                asked = periods.parse(str(period).strip())
            except periods.BadPeriod as bad:
                errors.append(f"{where}第 {number} 行（期间）：{bad.reason_zh}")
                errors_en.append(f"row {number} (period): {bad}")
                continue
            if asked != month:
                errors.append(
                    f"{where}第 {number} 行（期间）：这一行是 {periods.label_zh(asked)} 的数，"
                    f"当前导入的是 {periods.label_zh(month)}；请先选择 {periods.label_zh(asked)} "
                    "再导入，或改正期间"
                )
                errors_en.append(f"row {number} (period): {periods.label(asked)} != {month}")
                continue
        for code in tags:
            changes.append(Change(row.get("_unit"), code, periods.label(month), row.get(code)))
            places.append((number, columns.label(code)))
    saved = save(session, viewer, changes, "import", all_or_nothing=True, write=not errors)
    for (number, label), outcome in zip(places, saved.outcomes, strict=True):
        if outcome.status == REFUSED:
            errors.append(f"{where}第 {number} 行（{label}）：{outcome.reason_zh}")
            errors_en.append(f"row {number} ({outcome.tag}): {outcome.reason}")
    if errors:
        return ImportReport(False, errors, errors_en)
    return ImportReport(
        True,
        accepted=sum(o.status == ACCEPTED for o in saved.outcomes),
        unchanged=sum(o.status == UNCHANGED for o in saved.outcomes),
        note=table.note_zh(),
    )


def _first_sheet_name(data: bytes) -> str | None:
    # read_rows has checked the file's packed and unpacked sizes; only the workbook's
    # index is read here.
    try:
        book = load_workbook(io.BytesIO(data), read_only=True)
        try:
            return book.sheetnames[0] if book.sheetnames else None
        finally:
            book.close()
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
