"""The import from start to end: read, validate, plan, write; retried if the data moved."""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from pathlib import Path

from shapely.errors import GEOSException
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from layers.importing.checks import validate
from layers.importing.limits import IMPORT_LEVELS, LOCK_WAIT_SECONDS, MAX_FILE_BYTES
from layers.importing.lock import ImportBusy, import_lock
from layers.importing.reading import SourceFile, read_source
from layers.importing.regenerate import plan_import
from layers.importing.report import ImportReport, Rejected, file_error
from layers.importing.snapshot import read_snapshot
from layers.importing.writing import StaleSnapshot, write_plan

LOGGER = logging.getLogger(__name__)

# Attempts before giving up when other writers keep changing the boundaries meanwhile.
MAX_ATTEMPTS = 3


def import_boundaries(
    engine: Engine,
    level: str,
    path: Path,
    crs: str | None = None,
    code_field: str | None = None,
    dry_run: bool = False,
    max_bytes: int = MAX_FILE_BYTES,
    wait_seconds: float = LOCK_WAIT_SECONDS,
) -> ImportReport:
    """Validate `path` and, unless dry_run or any feature is bad, import it atomically.

    A file over `max_bytes` (a zip: unpacking past it) is refused before it is read. Another
    import of the same database in progress is waited for up to `wait_seconds`. Whatever
    happens, the answer is a report: bad input never raises.
    """
    started = time.perf_counter()
    path = Path(path)
    report = ImportReport(path=path, level=level, dry_run=dry_run)
    try:
        if level not in IMPORT_LEVELS:
            raise Rejected(
                [
                    file_error(
                        f"cannot import level {level!r}: only town or village boundaries can "
                        "be imported",
                        f"只能导入镇街或村居边界，不能导入 {level}",
                    )
                ]
            )
        source = read_source(path, crs, code_field, report, max_bytes)
        with nullcontext() if dry_run else import_lock(engine, wait_seconds):
            _run(engine, level, path, source, dry_run, report)
    except ImportBusy:
        report.errors = [
            file_error(
                f"another boundaries import is in progress (waited {wait_seconds:.0f} s); "
                "nothing was changed: try again when it has finished",
                "导入正在进行，请稍后重试（另一个边界导入尚未完成，本次未做任何修改）",
            )
        ]
    except GEOSException as error:
        LOGGER.exception("geometry operation failed while importing %s", path)
        report.errors = [
            file_error(
                f"a geometry operation failed ({error}); nothing was changed",
                "几何运算失败，未做任何修改：请检查文件中的边界是否有明显错误，或将文件交给管理员",
            )
        ]
    except Rejected as rejected:
        report.errors = sorted(
            rejected.errors,
            key=lambda e: (e.feature is not None, e.feature or 0, e.code or ""),
        )
    except OperationalError as error:
        LOGGER.exception("the database failed while importing %s", path)
        if "locked" in str(error) or "timeout" in str(error).lower():
            reason, reason_zh = "the database is busy", "数据库正忙，未做任何修改，请稍后重试"
        else:
            reason = f"the database could not be reached ({_first_line(error)})"
            reason_zh = "数据库暂时无法访问，未做任何修改，请稍后重试"
        report.errors = [
            file_error(f"{reason}; nothing was changed: try again in a minute", reason_zh)
        ]
    except Exception as error:  # a bug must not leave the caller with a traceback
        LOGGER.exception("the import of %s failed", path)
        report.errors = [
            file_error(
                f"an internal error stopped the import ({type(error).__name__}: "
                f"{_first_line(error)}); nothing was changed; please report this",
                "导入时发生内部错误，未做任何修改：请把文件和本信息交给系统管理员",
            )
        ]
    if report.errors:
        report.ok = False
    report.seconds = time.perf_counter() - started
    return report


def _run(
    engine: Engine,
    level: str,
    path: Path,
    source: SourceFile,
    dry_run: bool,
    report: ImportReport,
) -> None:
    """Validate, plan and write, again if the stored boundaries moved meanwhile."""
    for _attempt in range(MAX_ATTEMPTS):
        snapshot = read_snapshot(engine)
        candidates = validate(source, snapshot, report)
        plan = plan_import(snapshot, level, candidates, path)
        report.imported = len(candidates)
        report.imported_units = [(c.code, snapshot.units[c.code].name) for c in candidates]
        report.regenerated_neighbours = len(plan.regenerated_neighbours)
        report.regenerated_villages = len(plan.regenerated_villages)
        if not dry_run:
            try:
                report.version = write_plan(engine, snapshot, plan)
            except StaleSnapshot:
                LOGGER.info("boundaries changed during the import of %s; retrying", path)
                continue
            LOGGER.info(
                "imported %d %s boundaries from %s (version %d)",
                report.imported,
                level,
                path,
                report.version,
            )
        report.add_notes(plan.report_notes)
        report.ok = True
        break
    else:
        raise Rejected(
            [
                file_error(
                    "the stored boundaries kept changing while this file was imported; try again",
                    "导入期间边界数据不断变化，请重试",
                )
            ]
        )


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__
