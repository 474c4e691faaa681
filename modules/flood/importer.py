"""Import key points from CSV, XLSX or GeoJSON: all or nothing, with a row-by-row report.

Columns (Chinese or English names; the export's own columns read back): see
`import_check.FIELDS`. Coordinates are read in `crs` (wgs84 | gcj02 | bd09 | EPSG:n) and
converted to WGS84; the village is found by point-in-polygon. A point already registered
under the same name in the same village is updated, field by field and only where the file
has a column, so importing an export again changes nothing ("already imported").

Two phases: every row is checked in a read-only session (the slow part, holding no lock),
then one transaction takes the import lock as its first statement, looks the points up
again and writes them. A second import of the same file waits for the first and then finds
nothing to change; one that waits longer than `import_wait_seconds` answers "busy".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from modules.flood import settings
from modules.flood.busy import Busy, is_busy, lock_for_import
from modules.flood.import_check import COLUMNS, DEFAULT_PATROL_DAYS, Checked, check_rows
from modules.flood.models import FloodKeyPoint
from modules.flood.points import EDIT_PERMISSIONS
from modules.flood.xlsx_guard import refuse_unreadable_sheets
from modules.sdk import (
    FileRefused,
    Forbidden,
    RowError,
    UnknownCRS,
    Viewer,
    kind_of,
    parse_crs,
    read_rows,
    record_audit,
)

LOGGER = logging.getLogger(__name__)

MAX_ROWS = 20_000
KINDS = ("csv", "xlsx", "geojson")
# Stored coordinates closer than this (degrees, about 1 cm) to the file's are unchanged: an
# export writes 7 decimals, and a point's position is not known better than that.
SAME_PLACE = 1e-7
STORED = (
    "name",
    "category",
    "risk_level",
    "responsible_name",
    "responsible_phone",
    "patrol_every_days",
    "lon",
    "lat",
    "village_code",
)
BUSY_EN = "another import is still being written: nothing was changed; try again in a minute"
BUSY_ZH = "导入正在进行，请稍后重试（本次未做任何修改）。"


@dataclass
class ImportResult:
    kind: str
    crs: str
    dry_run: bool = False
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    note: str = ""  # what the file carried that was not imported (English)
    note_zh: str = ""
    busy: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.busy

    def text(self) -> str:
        """The report in English (the CLI, logs)."""
        lines = [
            f"Key points from a {self.kind.upper()} file, coordinates {self.crs}: {self.rows} rows"
        ]
        if self.busy:
            lines.append(f"BUSY: {BUSY_EN}.")
        elif self.errors:
            lines.append(f"REJECTED: {len(self.errors)} problem(s); nothing was changed.")
            lines += [f"  - {e.text()}" for e in self.errors]
        elif self.dry_run:
            lines.append(
                f"DRY RUN: the file is valid; nothing was changed. Importing it would add "
                f"{self.added}, update {self.updated} and leave {self.unchanged} key points "
                "unchanged."
            )
        elif not self.added and not self.updated:
            lines.append(
                f"ALREADY IMPORTED: the file's {self.unchanged} key points are stored as they "
                "are; nothing was changed."
            )
        else:
            lines.append(
                f"OK: added {self.added}, updated {self.updated} key points "
                f"({self.unchanged} unchanged)."
            )
        if self.note and not self.busy:
            lines.append(f"Note: {self.note}.")
        return "\n".join(lines)

    def summary_zh(self) -> str:
        """The report's first line on the page."""
        if self.busy:
            return BUSY_ZH
        if self.errors:
            return f"未导入：发现 {len(self.errors)} 处问题，未做任何修改。"
        if self.dry_run:
            return (
                f"检查通过（未导入）：将新增 {self.added} 个、更新 {self.updated} 个重点部位，"
                f"{self.unchanged} 个不变。"
            )
        if not self.added and not self.updated:
            return f"已导入过：文件中的 {self.unchanged} 个重点部位与现有数据相同，未做修改。"
        return (
            f"导入成功：新增 {self.added} 个、更新 {self.updated} 个重点部位"
            f"（{self.unchanged} 个不变）。"
        )


def _differs(point: FloodKeyPoint, name: str, value) -> bool:
    stored = getattr(point, name)
    if name in ("lon", "lat"):
        return stored is None or abs(stored - value) > SAME_PLACE
    if isinstance(value, str):
        return (stored or "") != value
    return stored != value


def _existing(session: Session, viewer: Viewer, checked: Checked) -> dict:
    names = sorted({row.values["name"] for row in checked.rows})
    found: dict[tuple[str, str], FloodKeyPoint] = {}
    for start in range(0, len(names), 500):
        statement = select(FloodKeyPoint).where(
            FloodKeyPoint.name.in_(names[start : start + 500]),
            viewer.code_filter(FloodKeyPoint.village_code),
        )
        for point in session.scalars(statement):
            found.setdefault((point.name, point.village_code), point)
    return found


def _apply(
    session: Session, viewer: Viewer, checked: Checked, result: ImportResult, write: bool
) -> tuple[int, int]:
    """Count (and, when `write`, make) the additions and updates; returns how many masked
    phones were kept as stored and how many new points got none."""
    existing = _existing(session, viewer, checked)
    kept = unknown = 0
    for row in checked.rows:
        values = {k: v for k, v in row.values.items() if k in STORED}
        point = existing.get(row.key)
        if point is None:
            unknown += row.masked_phone
            new = {
                "responsible_name": "",
                "responsible_phone": "",
                "patrol_every_days": DEFAULT_PATROL_DAYS,
                **values,
            }
            result.added += 1
            if write:
                session.add(FloodKeyPoint(**new))
            continue
        kept += row.masked_phone
        changes = {k: v for k, v in values.items() if _differs(point, k, v)}
        if not changes:
            result.unchanged += 1
            continue
        result.updated += 1
        if write:
            for name, value in changes.items():
                setattr(point, name, value)
    if write:
        session.flush()
    return kept, unknown


def _notes(result: ImportResult, table_note: tuple[str, str], kept: int, unknown: int) -> None:
    english, chinese = ([part] if part else [] for part in table_note)
    if kept:
        english.append(f"{kept} masked phone(s) (like 138****5678) kept as stored")
        chinese.append(f"{kept} 个打码的联系电话（如 138****5678）保留原号码")
    if unknown:
        english.append(
            f"{unknown} new key point(s) had a masked phone, stored without one: "
            "type the whole number"
        )
        chinese.append(f"{unknown} 个新增部位的联系电话是打码的，未保存，请填写完整号码")
    result.note, result.note_zh = "; ".join(english), "；".join(chinese)


def import_points(
    sessions: Callable[[], Session],
    viewer: Viewer,
    data: bytes,
    filename: str,
    crs: str = "wgs84",
    dry_run: bool = False,
    *,
    address: str | None = None,
    max_bytes: int | None = None,
    wait_seconds: float | None = None,
) -> ImportResult:
    """Check every row, then (unless dry_run or any row is wrong) write them all in one
    transaction, audited. `sessions` opens a session (the core's); commits are made here."""
    if not any(viewer.can(p) for p in (*EDIT_PERMISSIONS, "import")):
        raise Forbidden("the viewer may not import key points")
    try:
        crs_name = parse_crs(crs)
    except UnknownCRS as exc:
        result = ImportResult("?", str(crs)[:40], dry_run)
        result.errors.append(
            RowError(None, None, str(exc), "不支持的坐标系：应为 wgs84、gcj02、bd09 或 EPSG:代码")
        )
        return result
    result = ImportResult("?", crs_name, dry_run)
    max_bytes = max_bytes or settings.import_max_bytes()
    try:
        if kind_of(filename, KINDS) == "xlsx" and len(data) <= max_bytes:
            refuse_unreadable_sheets(data, MAX_ROWS)
        table = read_rows(
            data, filename, COLUMNS, max_rows=MAX_ROWS, max_bytes=max_bytes, allowed=KINDS
        )
    except FileRefused as refused:
        result.errors += refused.errors
        return result
    result.kind, result.rows = table.kind, len(table.rows)
    with sessions() as session:
        checked = check_rows(session, viewer, table, crs_name)
        if checked.errors:
            result.errors = checked.errors
            return result
        if dry_run:
            kept, unknown = _apply(session, viewer, checked, result, write=False)
            _notes(result, (table.note(), table.note_zh()), kept, unknown)
            return result
    wait = wait_seconds or settings.load().import_wait_seconds
    try:
        with sessions() as session, session.begin():
            lock_for_import(session, wait)
            kept, unknown = _apply(session, viewer, checked, result, write=True)
            record_audit(
                session,
                "data.change",
                viewer,
                target="flood.points.import",
                address=address,
                detail={
                    "kind": result.kind,
                    "crs": result.crs,
                    "added": result.added,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
    except (Busy, DBAPIError) as error:
        if not isinstance(error, Busy) and not is_busy(error):
            raise
        LOGGER.warning("key points import by %s: database busy (%s)", viewer.login, error)
        result.added = result.updated = result.unchanged = 0
        result.busy = True
        return result
    _notes(result, (table.note(), table.note_zh()), kept, unknown)
    LOGGER.info(
        "key points import by %s: %d added, %d updated, %d unchanged",
        viewer.login,
        result.added,
        result.updated,
        result.unchanged,
    )
    return result
