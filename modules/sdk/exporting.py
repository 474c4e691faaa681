"""Writing a table for a person to download: CSV (UTF-8 with a BOM, so Excel opens it) or
XLSX, every text cell made safe from running as a formula (`formula_safe`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

from layers.uploads import formula_safe


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A CSV file of `header` and `rows`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([formula_safe(value) for value in header])
    for row in rows:
        writer.writerow([formula_safe(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """An XLSX workbook of (title, header, rows) sheets. Text cells are written as text,
    never as formulas."""
    # Not write-only: that mode leaves out the sheet's <dimension>, without which readers
    # (openpyxl among them) scan the whole sheet before the first row.
    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append([formula_safe(value) for value in header])
        for row in rows:
            sheet.append([formula_safe(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
