"""A report as the paper form (XLSX: the title and header lines merged across, grouped
column headings merged over their columns, widths, number formats, the header frozen, 小计
and 合计 rows in bold, the footer) and as CSV (the same lines as leading and trailing
rows). Every text is made safe from running as a formula."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from modules.ledger.reports.build import Report
from modules.sdk import csv_bytes, formula_safe

FIXED = ("序号", "区划代码")
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
SUMMED = PatternFill("solid", fgColor="F2F2F2")


def header_rows(report: Report) -> int:
    return 2 if any(h.group for h in report.headings) else 1


def first_row(report: Report) -> int:
    """The sheet row of the first column heading: after the title, the header lines and the
    department's stamp (one line)."""
    return 2 + 1 + (1 if report.stamp else 0) + (1 if report.demo else 0)


def to_xlsx(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = report.template.title[:31]
    width = len(FIXED) + 1 + len(report.headings)
    last = get_column_letter(width)

    def line(row: int, text: str, **font) -> None:
        sheet.merge_cells(f"A{row}:{last}{row}")
        cell = sheet.cell(row, 1, formula_safe(text))
        cell.font = Font(**font)
        cell.alignment = Alignment(vertical="center")

    sheet.merge_cells(f"A1:{last}1")
    title = sheet.cell(1, 1, formula_safe(report.title))
    title.font = Font(size=16, bold=True)
    title.alignment = CENTRE
    sheet.row_dimensions[1].height = 32
    _spread(sheet, 2, report.lines, width)
    row = 3
    if report.stamp:
        line(row, "　".join(report.stamp), bold=True)
        row += 1
    if report.demo:
        line(row, "数据来源：一张表（含演示数据）", color="C00000")
        row += 1
    top = first_row(report)
    _headings(sheet, report, top)
    body = top + header_rows(report)
    for number, found in enumerate(_numbered(report), start=body):
        index, item = found
        values = [index, item.code, item.name, *item.values]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(number, column, formula_safe(value))
            cell.border = BOX
            if column > len(FIXED) + 1:
                cell.number_format = report.headings[column - len(FIXED) - 2].number_format
            if item.kind in ("subtotal", "total"):
                cell.font = Font(bold=True)
                cell.fill = SUMMED
    end = body + len(report.rows)
    _spread(sheet, end + 1, report.footer, width)
    _widths(sheet, report)
    sheet.freeze_panes = sheet.cell(body, len(FIXED) + 2)
    sheet.print_title_rows = f"{top}:{body - 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _numbered(report: Report):
    """(序号 or None, row): unit and month rows numbered, 小计 and 合计 not."""
    number = 0
    for item in report.rows:
        if item.kind in ("unit", "period"):
            number += 1
            yield number, item
        else:
            yield None, item


def _spread(sheet, row: int, texts: tuple[str, ...], width: int) -> None:
    """Texts side by side on one row, each merged over an equal share of the width."""
    share = max(1, width // max(1, len(texts)))
    for index, text in enumerate(texts):
        start = 1 + index * share
        end = width if index == len(texts) - 1 else start + share - 1
        if end > start:
            sheet.merge_cells(start_row=row, start_column=start, end_row=row, end_column=end)
        sheet.cell(row, start, formula_safe(text)).alignment = Alignment(vertical="center")


def _headings(sheet, report: Report, top: int) -> None:
    """The column headings: with groups, the group over its columns on the first row and
    the columns below; a column without one merged down both rows."""
    two = header_rows(report) == 2
    names = [*FIXED, report.first]
    for column, text in enumerate(names, start=1):
        _heading_cell(sheet, top, column, text, two)
    offset = len(names) + 1
    index = 0
    headings = report.headings
    while index < len(headings):
        heading = headings[index]
        column = offset + index
        if not heading.group:
            _heading_cell(sheet, top, column, heading.title, two)
            index += 1
            continue
        span = 1
        while index + span < len(headings) and headings[index + span].group == heading.group:
            span += 1
        if span > 1:
            sheet.merge_cells(
                start_row=top, start_column=column, end_row=top, end_column=column + span - 1
            )
        for step in range(span):
            sheet.cell(top, column + step).border = BOX
            below = sheet.cell(top + 1, column + step, formula_safe(headings[index + step].title))
            below.font, below.alignment, below.border = Font(bold=True), CENTRE, BOX
        group = sheet.cell(top, column, formula_safe(heading.group))
        group.font, group.alignment = Font(bold=True), CENTRE
        index += span


def _heading_cell(sheet, top: int, column: int, text: str, two: bool) -> None:
    if two:
        sheet.merge_cells(start_row=top, start_column=column, end_row=top + 1, end_column=column)
        sheet.cell(top + 1, column).border = BOX
    cell = sheet.cell(top, column, formula_safe(text))
    cell.font, cell.alignment, cell.border = Font(bold=True), CENTRE, BOX


def _widths(sheet, report: Report) -> None:
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 15
    longest = max([len(r.name) for r in report.rows] + [4])
    sheet.column_dimensions["C"].width = min(30, 2 * longest + 2)
    for index, heading in enumerate(report.headings, start=len(FIXED) + 2):
        wide = max(10, min(24, 2 * len(heading.title) + 2))
        sheet.column_dimensions[get_column_letter(index)].width = wide


def to_csv(report: Report) -> bytes:
    """The header lines as leading rows (# …), the table with grouped headings written
    `组·栏`, the footer as trailing rows."""
    leading = [[f"# {report.title}"], *([f"# {text}"] for text in report.lines)]
    leading += [[f"# {text}"] for text in report.stamp]
    if report.demo:
        leading.append(["# 数据来源：一张表（含演示数据）"])
    head = [
        *FIXED,
        report.first,
        *(f"{h.group}·{h.title}" if h.group else h.title for h in report.headings),
    ]
    rows = [
        [index if index else "", item.code, item.name, *item.values]
        for index, item in _numbered(report)
    ]
    trailing = [[f"# {text}"] for text in report.footer]
    first, *rest = leading
    return csv_bytes(first, [*rest, head, *rows, *trailing])
