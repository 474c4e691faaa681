"""Importing contacts, from the page's upload or the CLI's file: read and capped
(`contacts_file`), checked and written in one transaction (`contacts_rows`), audited. The
same file posted twice, or twice at once, changes nothing the second time."""

from __future__ import annotations

import logging
import random
import time

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from modules.alerts.contacts_file import read_contacts, upload_bytes
from modules.alerts.contacts_report import ImportReport
from modules.alerts.contacts_rows import import_table
from modules.alerts.settings import AlertsSettingsError, contacts_max_bytes
from modules.sdk import CoreServices, FileRefused, RowError, Table, Viewer, record_audit

LOGGER = logging.getLogger(__name__)
ATTEMPTS = 4


def import_upload(
    core: CoreServices, viewer: Viewer, contents: object, filename: object
) -> ImportReport:
    """The page's upload (a dcc.Upload data URL), capped before it is decoded."""
    name = filename if isinstance(filename, str) else ""
    try:
        limit = contacts_max_bytes()
        data = upload_bytes(contents, name, limit)
    except AlertsSettingsError as error:
        LOGGER.error("contacts import: %s", error)
        return ImportReport.refused(
            [RowError(None, None, str(error), "联系人导入的设置有误，请联系管理员。")]
        )
    except FileRefused as refused:
        return ImportReport.refused(refused.errors)
    return import_bytes(core, viewer, data, name, limit)


def import_bytes(
    core: CoreServices, viewer: Viewer, data: bytes, filename: str, limit: int
) -> ImportReport:
    """A file's bytes (at most `limit`, which the caller has checked before reading)."""
    try:
        table = read_contacts(data, filename, limit)
    except FileRefused as refused:
        return ImportReport.refused(refused.errors)
    return run_import(core, viewer, table, filename)


def run_import(core: CoreServices, viewer: Viewer, table: Table, filename: str) -> ImportReport:
    """Check and write `table` in one transaction, audited. Two imports at once: the second
    to write loses a race on the (unit, phone) key, or SQLite's single writer, and is run
    again, when it finds the first one's rows (so it changes nothing more)."""
    for attempt in range(ATTEMPTS):
        try:
            with core.sessions() as session:
                session.begin()
                report = import_table(session, viewer, table, lambda: core.sites(session, viewer))
                if report.ok:
                    record_import(session, viewer, report, filename)
                    session.commit()
                else:
                    session.rollback()
                return report
        except (IntegrityError, OperationalError) as exc:
            LOGGER.info("contacts import raced another writer (attempt %d): %s", attempt + 1, exc)
            time.sleep(0.05 * (attempt + 1) * random.uniform(0.5, 1.5))
    return ImportReport.refused(
        [
            RowError(
                None,
                None,
                "the database is busy with another import: try again in a minute",
                "数据库正忙于另一次导入，未做任何修改：请稍后再试。",
            )
        ]
    )


def record_import(session: Session, viewer: Viewer, report: ImportReport, filename: str) -> None:
    record_audit(
        session,
        "data.change",
        viewer,
        target="alerts.contacts",
        detail={
            "op": "import",
            "file": filename[:100],
            "added": report.added,
            "updated": report.updated,
        },
    )
