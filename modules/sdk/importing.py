"""Reading a table a person uploads (CSV, XLSX, or GeoJSON points), the same way everywhere.

A module names its columns (`Columns`: each field's accepted headers, zh-CN first, and the
required ones) and gets a `Table`: the rows as `(row number, {field: value})`, where the
number is the one a clerk sees in the spreadsheet (the header is row 1) or the feature's
position in a GeoJSON file, the fields the file has columns for (a missing column means
"unchanged" when a row updates a stored one), and what was ignored (columns nobody reads,
heights of 3-D coordinates), for the import's note.

Anything wrong with the file as a whole (type, size, encoding, NUL bytes, structure,
missing columns, no rows, too many) raises `FileRefused` carrying `RowError`s that say what
to do, in English and in zh-CN. Memory stays bounded: the size is checked before reading,
an XLSX's unpacked size before it is opened, and rows are counted while streaming.
Checking the rows, and writing them all or nothing, is the module's: collect every
`RowError`, and write only when there is none.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from openpyxl import load_workbook

from layers.uploads import Unreadable, check_size, formula_unquoted, load_json, text_encoding

KINDS = {
    "csv": "csv",
    "txt": "csv",
    "tsv": "csv",
    "xlsx": "xlsx",
    "xlsm": "xlsx",
    "geojson": "geojson",
    "json": "geojson",
}
KINDS_ZH = {"csv": "CSV", "xlsx": "XLSX", "geojson": "GeoJSON"}
# An XLSX may unpack to this many times its size limit (text compresses ~10x); past it the
# workbook is refused before a cell is read.
XLSX_UNPACKED_FACTOR = 20
MAX_COLUMNS = 200
# Physical rows read (blank ones included) before a file is called too long, so a sheet of
# a million empty rows stops early too.
BLANK_ROWS_ALLOWANCE = 10_000
# The largest first sheet read when it does not state its size (a few seconds' work).
UNDIMENSIONED_SHEET_MAX = 8 * 1024 * 1024


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
    """The file cannot be read as a table at all; `errors` say why, for the person (most
    often one, about the file as a whole; `error` is the first)."""

    def __init__(self, reason: str, reason_zh: str, errors: list[RowError] | None = None):
        super().__init__(reason)
        self.errors = errors or [RowError(None, None, reason, reason_zh)]
        self.error = self.errors[0]


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


@dataclass(frozen=True)
class Table:
    """What `read_rows` read: the kind, the non-empty rows, the fields the file has columns
    for, and what it carried that nobody reads."""

    kind: str
    rows: list[tuple[int, dict]]
    present: frozenset[str] = frozenset()
    ignored: tuple[str, ...] = ()  # column headers (or GeoJSON property names)
    notes: tuple[tuple[str, str], ...] = ()  # (English, zh-CN): other things left out

    def note(self) -> str:
        """What was left out, in English ('' when nothing was)."""
        parts = [f"ignored columns: {', '.join(self.ignored)}"] if self.ignored else []
        return "; ".join(parts + [english for english, _ in self.notes])

    def note_zh(self) -> str:
        """What was left out, in zh-CN ('' when nothing was)."""
        parts = [f"以下列未导入：{'、'.join(self.ignored)}"] if self.ignored else []
        return "；".join(parts + [chinese for _, chinese in self.notes])


def kind_of(filename: str, allowed: tuple[str, ...] = ("csv", "xlsx", "geojson")) -> str:
    """ "csv", "xlsx" or "geojson" by the file's suffix; FileRefused for anything else."""
    kind = KINDS.get(PurePath(filename or "").suffix.lower().lstrip("."))
    if kind not in allowed:
        names = "、".join(KINDS_ZH[k] for k in allowed)
        suffix = PurePath(filename or "").suffix or "（无扩展名）"
        raise FileRefused(
            f"unsupported file type {suffix}: use {', '.join('.' + k for k in allowed)}",
            f"不支持的文件类型 {suffix}：请使用 {names} 文件。",
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
) -> Table:
    """The file's kind and its non-empty rows as (number, {field: value}). A GeoJSON
    feature's Point coordinates fill `point_fields`; any other geometry leaves them None and
    names its type under "_geometry"."""
    kind = kind_of(filename, allowed)
    try:
        check_size(len(data), max_bytes)
        if kind == "geojson":
            table = _geojson_table(data, columns, point_fields, max_rows)
        else:
            cells = _csv_cells(data) if kind == "csv" else _xlsx_cells(data, max_bytes)
            table = _table(kind, cells, columns, max_rows)
    except Unreadable as refused:
        raise FileRefused(refused.reason, refused.reason_zh) from None
    if not table.rows:
        raise FileRefused(
            "the file has a header but no rows to import",
            "文件只有表头，没有数据行：请在表头下填写数据后再导入。",
        )
    return table


def _too_many(max_rows: int) -> FileRefused:
    return FileRefused(
        f"more than {max_rows} rows: split the file", f"超过 {max_rows} 行，请拆分后分批导入。"
    )


def _csv_cells(data: bytes) -> Iterator[list]:
    encoding = text_encoding(data, "CSV")
    first_line = data[: data.find(b"\n") if b"\n" in data[:65536] else 65536]
    # Excel's "Unicode text" and many exports are tab-separated: read them as they are.
    delimiter = "\t" if b"\t" in first_line and b"," not in first_line else ","
    # Streamed: the decoded text is never held whole beside the bytes.
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        for values in reader:
            yield [formula_unquoted(v) for v in values]
    except csv.Error as exc:
        raise Unreadable(
            f"line {reader.line_num}: {exc}",
            f"第 {reader.line_num} 行无法按 CSV 读取（引号不成对或单元格过长）：请检查该行。",
        ) from None


def _xlsx_cells(data: bytes, max_bytes: int) -> Iterator[list]:
    limit = max_bytes * XLSX_UNPACKED_FACTOR
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            sheet_size, has_dimension = _first_sheet(archive)
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, RuntimeError, NotImplementedError):
        raise Unreadable(
            "not an XLSX workbook (the file is not a zip archive)",
            "文件不是有效的 XLSX 工作簿：请在 Excel 中另存为“Excel 工作簿 (*.xlsx)”。",
        ) from None
    if unpacked > limit:
        raise Unreadable(
            f"the workbook unpacks to more than {limit // (1024 * 1024)} MB",
            f"工作簿解压后超过 {limit // (1024 * 1024)} MB，请拆分后分批导入。",
        )
    if sheet_size > UNDIMENSIONED_SHEET_MAX and not has_dimension:
        # openpyxl reads such a sheet twice, the first time only to find its size.
        raise Unreadable(
            "the workbook's first sheet is large and does not state its size: "
            "open it in Excel or WPS and save it again",
            "工作表较大且缺少尺寸信息：请在 Excel 或 WPS 中打开后重新保存为 .xlsx。",
        )
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise Unreadable(
            f"the XLSX workbook cannot be read ({type(exc).__name__}: {exc})",
            "XLSX 工作簿已损坏或不是 Excel 文件：请在 Excel 中打开并另存为 .xlsx。",
        ) from None
    try:
        if not book.worksheets:
            return
        sheet = book.worksheets[0]
        # A stated size smaller than the sheet would stop the rows early, silently.
        sheet.reset_dimensions()
        for values in sheet.iter_rows(values_only=True):
            if len(values) > MAX_COLUMNS and any(v is not None for v in values[MAX_COLUMNS:]):
                raise Unreadable(
                    f"a row has more than {MAX_COLUMNS} columns",
                    f"工作表超过 {MAX_COLUMNS} 列，不是可导入的表格。",
                )
            yield [formula_unquoted(v) for v in values[:MAX_COLUMNS]]
    except Unreadable:
        raise
    except Exception as exc:  # a damaged sheet part, found while streaming
        raise Unreadable(
            f"the XLSX workbook cannot be read ({type(exc).__name__}: {exc})",
            "XLSX 工作簿已损坏：请在 Excel 中打开并另存为 .xlsx。",
        ) from None
    finally:
        book.close()


def _first_sheet(archive: zipfile.ZipFile) -> tuple[int, bool]:
    """The unpacked size of the workbook's first sheet and whether it states its size (a
    `<dimension>` element, written before the cells)."""
    names = sorted(
        (n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")),
        key=lambda n: (len(n), n),
    )
    if not names:
        return 0, True
    with archive.open(names[0]) as sheet:
        head = sheet.read(4096)
    return archive.getinfo(names[0]).file_size, b"<dimension" in head or b":dimension" in head


def _blank(values: list) -> bool:
    return all(v is None or str(v).strip() == "" for v in values)


def _table(kind: str, cells: Iterator[list], columns: Columns, max_rows: int) -> Table:
    header: list | None = None
    found: dict[int, str] = {}
    rows: list[tuple[int, dict]] = []
    for number, values in enumerate(cells, start=1):
        if number > max_rows + BLANK_ROWS_ALLOWANCE:
            raise _too_many(max_rows)
        if _blank(values):
            continue
        if header is None:
            header = values
            found = _header_fields(header, columns)
            continue
        if len(rows) >= max_rows:
            raise _too_many(max_rows)
        rows.append(
            (number, {key: values[i] if i < len(values) else None for i, key in found.items()})
        )
    if header is None:
        raise Unreadable(
            "the file is empty" if kind == "csv" else "the workbook's first sheet is empty",
            "文件为空，没有表头也没有数据。"
            if kind == "csv"
            else "工作簿的第一个工作表为空：请把数据放在第一个工作表。",
        )
    ignored = tuple(
        str(title).strip()
        for index, title in enumerate(header)
        if index not in found and title is not None and str(title).strip()
    )
    return Table(kind, rows, frozenset(found.values()), ignored)


def _header_fields(header: list, columns: Columns) -> dict[int, str]:
    """{column index: field}; Unreadable when a required column is missing."""
    found = columns.of(header)
    missing = [k for k in columns.required if k not in found.values()]
    if missing:
        names = "、".join(columns.label(k) for k in missing)
        seen = "、".join(str(v).strip() for v in header if v not in (None, ""))[:120]
        raise Unreadable(
            f"missing columns: {', '.join(missing)} (the first row must be the header)",
            f"缺少列：{names}。第一行应为表头，本文件的表头是：{seen or '（空）'}。",
        )
    return found


def _feature_error(number: int, reason: str, reason_zh: str) -> RowError:
    return RowError(number, None, reason, reason_zh)


def _geojson_table(
    data: bytes, columns: Columns, point_fields: tuple[str, str], max_rows: int
) -> Table:
    document = load_json(data, "GeoJSON file")
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise Unreadable(
            "expected a GeoJSON FeatureCollection",
            "应为 GeoJSON FeatureCollection（顶层对象的 type 为 FeatureCollection）。",
        )
    features = document.get("features")
    if not isinstance(features, list):
        raise Unreadable(
            "'features' must be an array of features",
            "GeoJSON 的 features 应为要素数组。",
        )
    if len(features) > max_rows:
        raise _too_many(max_rows)
    lon_field, lat_field = point_fields
    rows: list[tuple[int, dict]] = []
    errors: list[RowError] = []
    present: set[str] = set()
    ignored: dict[str, None] = {}
    heights = False
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            errors.append(
                _feature_error(number, "the feature is not an object", "要素应为 JSON 对象")
            )
            continue
        properties = feature.get("properties")
        if properties is None:
            properties = {}
        if not isinstance(properties, dict):
            errors.append(
                _feature_error(
                    number, "'properties' must be an object", "properties 应为对象（键值对）"
                )
            )
            continue
        geometry = feature.get("geometry")
        if geometry is not None and not isinstance(geometry, dict):
            errors.append(
                _feature_error(number, "'geometry' must be an object", "geometry 应为对象")
            )
            continue
        header = list(properties)
        found = columns.of(header)
        present.update(found.values())
        for index, name in enumerate(header):
            if index not in found:
                ignored.setdefault(str(name))
        row = {key: formula_unquoted(properties[header[i]]) for i, key in found.items()}
        geometry = geometry or {}
        coordinates = geometry.get("coordinates")
        if geometry.get("type") == "Point":
            if not (
                isinstance(coordinates, list)
                and len(coordinates) >= 2
                and all(_finite(c) for c in coordinates[:3])
            ):
                errors.append(
                    _feature_error(
                        number,
                        "a Point needs two finite numbers as coordinates",
                        "点的坐标应为两个有效数字 [经度, 纬度]",
                    )
                )
                continue
            row[lon_field], row[lat_field] = coordinates[0], coordinates[1]
            heights = heights or len(coordinates) > 2
        else:
            row[lon_field] = row[lat_field] = None
            row["_geometry"] = str(geometry.get("type") or "none")[:40]
        rows.append((number, row))
    if errors:
        raise FileRefused(errors[0].reason, errors[0].reason_zh, errors)
    notes = (("heights of 3-D coordinates ignored", "坐标中的高程值未导入"),) if heights else ()
    if rows and any(row.get(lon_field) is not None for _, row in rows):
        present.update(point_fields)
    return Table("geojson", rows, frozenset(present), tuple(ignored), notes)


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
