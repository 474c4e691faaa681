"""A contacts file as it arrives (a page upload's data URL, or bytes the CLI read with
`read_file`), capped by the `contacts_max_mb` setting before anything is decoded, then read
by the SDK into a `Table`. Every refusal is a `FileRefused` saying what to do."""

from __future__ import annotations

import binascii
import io
import zipfile

from modules.alerts.contacts import COLUMNS
from modules.sdk import FileRefused, Table, Unreadable, check_size, kind_of, read_rows

KINDS = ("csv", "xlsx")
MAX_ROWS = 50_000
# Lines a text file may have: the rows, and the blank lines the SDK reads past before it
# calls a file too long (its BLANK_ROWS_ALLOWANCE).
MAX_LINES = MAX_ROWS + 10_000
MB = 1024 * 1024
# A data URL's header ("data:application/vnd...;base64,") is short; a comma further on is data.
HEADER_CHARS = 300
DECODE_CHARS = 4 * 1024 * 1024  # a multiple of 4: base64 decodes in whole quanta


def size_text(size: int) -> str:
    return f"{size / MB:.3g} MB" if size >= MB else f"{max(1, size // 1024)} KB"


def too_many_rows() -> FileRefused:
    return FileRefused(
        f"more than {MAX_ROWS} rows: split the file", f"超过 {MAX_ROWS} 行，请拆分后分批导入。"
    )


def upload_bytes(contents: object, filename: str, limit: int) -> bytes:
    """The file in a dcc.Upload `contents` (a base64 data URL), refused by its decoded
    length before it is decoded, and decoded a piece at a time so that a text file of too
    many lines is refused as soon as they are counted."""
    if not isinstance(contents, str):
        contents = ""
    if contents.startswith("data:") and len(contents) < HEADER_CHARS and "," not in contents:
        return b""  # the browser's data URL of an empty file
    comma = contents.find(",", 0, HEADER_CHARS)
    if comma < 0 or ";base64" not in contents[:comma]:
        raise FileRefused(
            "the upload is not a file", "无法读取上传的内容：请重新选择文件后再上传。"
        )
    lines = MAX_LINES if kind_of(filename, KINDS) == "csv" else None
    try:
        check_size((len(contents) - comma - 1) // 4 * 3, limit)
        pieces, newlines = [], 0
        for start in range(comma + 1, len(contents), DECODE_CHARS):
            piece = binascii.a2b_base64(contents[start : start + DECODE_CHARS], strict_mode=True)
            newlines += piece.count(b"\n")
            if lines is not None and newlines > lines:
                raise too_many_rows()
            pieces.append(piece)
        data = b"".join(pieces)
        check_size(len(data), limit)
    except Unreadable as refused:
        raise FileRefused(refused.reason, refused.reason_zh) from None
    except FileRefused:
        raise
    except ValueError:  # binascii.Error, or text that is not ASCII
        raise FileRefused(
            "the upload is not valid base64", "上传的内容已损坏：请重新选择文件后再上传。"
        ) from None
    return data


def read_contacts(data: bytes, filename: str, limit: int) -> Table:
    """The contacts table in `data` (CSV, tab-separated text or XLSX)."""
    kind = kind_of(filename, KINDS)
    try:
        check_size(len(data), limit)
    except Unreadable as refused:
        raise FileRefused(refused.reason, refused.reason_zh) from None
    # Two refusals the SDK makes only after it has unpacked the whole file (a CSV is decoded
    # and copied whole; a sheet without a <dimension> is parsed whole when it is opened), so
    # they are made here first, from the bytes, to keep memory bounded.
    if kind == "csv" and data.count(b"\n") > MAX_LINES:
        raise too_many_rows()
    if kind == "xlsx":
        _check_unpacked(data, limit)
    return read_rows(data, filename, COLUMNS, max_rows=MAX_ROWS, max_bytes=limit)


def _check_unpacked(data: bytes, limit: int) -> None:
    """A workbook unpacking to more than the file limit is refused before it is opened
    (a contacts sheet of MAX_ROWS rows unpacks to a few MB)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return  # not a workbook: read_rows says so
    if unpacked > limit:
        raise FileRefused(
            f"the workbook unpacks to {size_text(unpacked)}, more than the limit of "
            f"{size_text(limit)}",
            f"工作簿解压后有 {size_text(unpacked)}，超过上限 {size_text(limit)}："
            "请只保留联系人工作表，或拆分后分批导入。",
        )
