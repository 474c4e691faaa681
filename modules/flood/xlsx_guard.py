"""A workbook's sheets measured before openpyxl opens them, for two ways openpyxl's read-only
mode goes wrong on a sheet whose stated size (<dimension ref="A1:E11">) is missing or false.

- Opening a workbook reads the size of every sheet: a sheet that states none is parsed to
  its end, keeping every row element. A file of 0.7 MB unpacking to four million rows took
  73 s and 345 MB that way before the SDK's row count could refuse it.
- Reading rows stops at the stated last row: a sheet stating A1:E3 over ten rows of data
  gives two of them, and the rest would be left out without a word.

So each sheet's rows are counted here as its part is inflated, a slice at a time, stopping
past the limit; a sheet without a size and too many rows, or with more rows than it states,
is refused with what to do.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from modules.sdk import FileRefused

SLICE = 1024 * 1024
TAIL = 4096
HEAD = 64 * 1024  # where <dimension> stands if a sheet has one (after sheetPr and the like)
ROW = re.compile(rb"<(?:\w+:)?row(?=[\s>/])([^>]*)>")
ROW_NUMBER = re.compile(rb'\sr="(\d{1,9})"')
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Za-z$]*\d*(?::[A-Za-z$]*(\d+))?')
SHEET_DATA = re.compile(rb"<(?:\w+:)?sheetData[\s/>]")
# The SDK's own allowance of blank rows past `max_rows` (modules.sdk.importing).
BLANK_ROWS_ALLOWANCE = 10_000


@dataclass
class Rows:
    count: int = 0  # row elements seen
    last: int = 0  # the highest row number seen (rows without r="" follow the one before)


def _stated_last_row(head: bytes) -> int | None:
    """The last row a sheet states it has, None when it states no size."""
    dimension, data = DIMENSION.search(head), SHEET_DATA.search(head)
    if dimension is None or (data is not None and data.start() < dimension.start()):
        return None
    return int(dimension.group(1) or 1)


def _rows(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> Rows:
    """The sheet's rows, counted up to just past `limit`."""
    rows = Rows()
    tail = b""
    with archive.open(info) as part:
        while rows.count <= limit:
            chunk = part.read(SLICE)
            text = tail + chunk
            # A tag cut in two by the slice is read in the next one (with this tail; a row
            # tag is far shorter than TAIL, and the tail never grows past it).
            end = len(text) if not chunk else max(text.rfind(b"<"), len(text) - TAIL, 0)
            for match in ROW.finditer(text, 0, end):
                number = ROW_NUMBER.search(match.group(1))
                rows.last = int(number.group(1)) if number else rows.last + 1
                rows.count += 1
            if not chunk:
                break
            tail = text[end:]
    return rows


def _refused(english: str, chinese: str) -> FileRefused:
    return FileRefused(english, chinese)


def refuse_unreadable_sheets(data: bytes, max_rows: int) -> None:
    """Raise FileRefused for a sheet without a stated size holding more rows than the SDK
    reads before it refuses (`max_rows` and the blank rows it allows), or a sheet holding
    more rows than it states. Anything that is not a readable workbook is left to the SDK
    to describe."""
    limit = max_rows + BLANK_ROWS_ALLOWANCE
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return
    with archive:
        for info in archive.infolist():
            name = info.filename
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            try:
                with archive.open(info) as part:
                    stated = _stated_last_row(part.read(HEAD))
                rows = _rows(archive, info, limit)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
                return  # a damaged part: the SDK says so
            if stated is None and rows.count > limit:
                raise _refused(
                    f"more than {max_rows} rows: split the file",
                    f"超过 {max_rows} 行，请拆分后分批导入。",
                )
            if stated is not None and rows.last > stated:
                raise _refused(
                    f"the workbook states its sheet ends at row {stated} but it goes on to "
                    f"row {rows.last}: open it in Excel and save it again",
                    f"工作簿记录的表格范围（到第 {stated} 行）与实际内容（到第 {rows.last} 行）"
                    "不符，可能由其他软件生成：请在 Excel 或 WPS 中打开后另存为 .xlsx 再导入。",
                )
