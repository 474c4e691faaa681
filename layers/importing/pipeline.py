"""The import from start to end: read, validate, plan, write; retried if the data moved."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from shapely.errors import GEOSException
from sqlalchemy import Engine

from layers.importing.checks import validate
from layers.importing.limits import IMPORT_LEVELS
from layers.importing.reading import read_source
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
) -> ImportReport:
    """Validate `path` and, unless dry_run or any feature is bad, import it atomically."""
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
        source = read_source(path, crs, code_field, report)
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
                        "the stored boundaries kept changing while this file was imported; "
                        "try again",
                        "导入期间边界数据不断变化，请重试",
                    )
                ]
            )
    except GEOSException as error:
        LOGGER.exception("geometry operation failed while importing %s", path)
        report.ok = False
        report.errors = [
            file_error(
                f"a geometry operation failed ({error}); nothing was changed",
                f"几何运算失败（{error}），未做任何修改",
            )
        ]
    except Rejected as rejected:
        report.ok = False
        report.errors = sorted(
            rejected.errors,
            key=lambda e: (e.feature is not None, e.feature or 0, e.code or ""),
        )
    report.seconds = time.perf_counter() - started
    return report
