"""Reading a table a person uploads (CSV, XLSX, or GeoJSON points), the same way everywhere.

A module names its columns (`Columns`: each field's accepted headers, zh-CN first, and the
required ones) and gets the rows as `(row number, {field: value})`, where the number is the
one a clerk sees in the spreadsheet (the header is row 1) or the feature's position in a
GeoJSON file. Anything wrong with the file as a whole (type, size, encoding, NUL bytes,
missing columns, no rows, too many) raises `FileRefused` carrying one `RowError` that says
what to do, in English and in zh-CN. Checking the rows, and writing them all or nothing, is
the module's: collect every `RowError`, and write only when there is none.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import PurePath

from openpyxl import load_workbook

KINDS = {"csv": "csv", "txt": "csv", "xlsx": "xlsx", "xlsm": "xlsx", "geojson": "geojson"}
KINDS_ZH = {"csv": "CSV", "xlsx": "XLSX", "geojson": "GeoJSON"}


@dataclass(frozen=True)
class RowError:
    """One problem: where (`row`, None for the file as a whole; `field`), and why."""

    row: int | None  # spreadsheet row (header = 1) or GeoJSON feature (1-based)
    field: str | None
    reason: str  # English, for logs and the CLI
    reason_zh: str  # on screen
    label: str = ""  # the column's zh-CN name

    def text(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        return f"{where}{f' ({self.field})' if self.field else ''}: {self.reason}"

    def text_zh(self) -> str:
        where = f"第 {self.row} 行" if self.row is not None else "文件"
        label = self.label or self.field or ""
        return f"{where}{f'（{label}）' if label else ''}：{self.reason_zh}"


class FileRefused(ValueError):
    """The file cannot be read as a table at all; `error` says why, for the person."""

    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.error = RowError(None, None, reason, reason_zh)


@dataclass(frozen=True)
class Columns:
    """The fields of a table: accepted headers for each (matched without case; the first is
    its zh-CN name), and those a file must have."""

    fields: dict[str, tuple[str, ...]]
    required: tuple[str, ...] = ()
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup = {name.strip().lower(): key for key, names in self.fields.items() for name in names}
        object.__setattr__(self, "_lookup", lookup)

    def label(self, key: str) -> str:
        return self.fields.get(key, (key,))[0]

    def error(self, row: int | None, key: str | None, reason: str, reason_zh: str) -> RowError:
        """A RowError about one field, carrying the column's zh-CN name."""
        return RowError(row, key, reason, reason_zh, self.label(key) if key else "")

    def of(self, header: list) -> dict[int, str]:
        """{column index: field} for the headers known here; others are ignored."""
        found: dict[int, str] = {}
        for index, title in enumerate(header):
            key = self._lookup.get(str(title or "").strip().lower())
            if key and key not in found.values():
                found[index] = key
        return found


def kind_of(filename: str, allowed: tuple[str, ...] = ("csv", "xlsx", "geojson")) -> str:
    """ "csv", "xlsx" or "geojson" by the file's suffix; FileRefused for anything else."""
    kind = KINDS.get(PurePath(filename or "").suffix.lower().lstrip("."))
    if kind not in allowed:
        names = "、".join(KINDS_ZH[k] for k in allowed)
        raise FileRefused(
            f"unsupported file type: use {', '.join('.' + k for k in allowed)}",
            f"不支持的文件类型：请使用 {names} 文件。",
        )
    return kind


def read_rows(
    data: bytes,
    filename: str,
    columns: Columns,
    *,
    max_rows: int,
    max_bytes: int,
    allowed: tuple[str, ...] = ("csv", "xlsx"),
    point_fields: tuple[str, str] = ("lon", "lat"),
) -> tuple[str, list[tuple[int, dict]]]:
    """The file's kind and its non-empty rows as (number, {field: value}). A GeoJSON
    feature's Point coordinates fill `point_fields`; any other geometry leaves them None and
    names its type under "_geometry"."""
    kind = kind_of(filename, allowed)
    if len(data) > max_bytes:
        size = f"{max_bytes // (1024 * 1024)} MB"
        raise FileRefused(f"file larger than {size}", f"文件超过 {size}。")
    if kind == "geojson":
        rows = _geojson_rows(data, columns, point_fields)
    else:
        table = _csv_table(data) if kind == "csv" else _xlsx_table(data)
        rows = _table_rows(table, columns)
    if len(rows) > max_rows:
        raise FileRefused(f"more than {max_rows} rows", f"超过 {max_rows} 行，请分批导入。")
    if not rows:
        raise FileRefused("no rows to import", "文件中没有数据行。")
    return kind, rows


def _csv_table(data: bytes) -> list[list]:
    if b"\x00" in data:  # a binary file, or UTF-16: never a CSV a clerk saved
        raise FileRefused(
            "the CSV holds NUL bytes (a binary file, or UTF-16)",
            "CSV 文件含有空字符（可能不是文本文件，或为 UTF-16 编码）：请另存为 UTF-8 或 GBK。",
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRefused(
            "the CSV is neither UTF-8 nor GBK", "CSV 文件编码无法识别（应为 UTF-8 或 GBK）。"
        )
    table = list(csv.reader(io.StringIO(text)))
    if not table:
        raise FileRefused("the file is empty", "文件为空。")
    return table


def _xlsx_table(data: bytes) -> list[list]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        table = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise FileRefused(f"not a readable XLSX file ({exc})", "XLSX 文件无法读取。") from exc
    if not table:
        raise FileRefused("the workbook's first sheet is empty", "工作簿的第一个工作表为空。")
    return table


def _table_rows(table: list[list], columns: Columns) -> list[tuple[int, dict]]:
    header, body = table[0], table[1:]
    found = columns.of(header)
    missing = [k for k in columns.required if k not in found.values()]
    if missing:
        names = "、".join(columns.label(k) for k in missing)
        raise FileRefused(
            f"missing columns: {', '.join(missing)}", f"缺少列：{names}（第 1 行为表头）。"
        )
    rows = []
    for number, values in enumerate(body, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        rows.append(
            (number, {key: values[i] if i < len(values) else None for i, key in found.items()})
        )
    return rows


def _geojson_rows(data: bytes, columns: Columns, point_fields: tuple[str, str]) -> list:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileRefused(f"not valid JSON ({exc})", "GeoJSON 文件无法解析。") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise FileRefused(
            "expected a GeoJSON FeatureCollection", "应为 GeoJSON FeatureCollection。"
        )
    lon_field, lat_field = point_fields
    rows = []
    for number, feature in enumerate(document.get("features") or [], start=1):
        properties = (feature or {}).get("properties") or {}
        header = list(properties)
        row = {key: properties[header[i]] for i, key in columns.of(header).items()}
        geometry = (feature or {}).get("geometry") or {}
        coordinates = geometry.get("coordinates")
        if (
            geometry.get("type") == "Point"
            and isinstance(coordinates, list)
            and len(coordinates) >= 2
        ):
            row[lon_field], row[lat_field] = coordinates[0], coordinates[1]
        else:
            row[lon_field] = row[lat_field] = None
            row["_geometry"] = geometry.get("type") or "none"
        rows.append((number, row))
    return rows
