"""The alerts module's commands (`onemap alerts ...`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def add_commands(commands: click.Group, core) -> None:
    """`onemap alerts import-contacts FILE`, run as the system viewer."""

    @commands.group(help="SMS alerts (短信提醒)")
    def alerts() -> None:
        pass

    @alerts.command(
        name="import-contacts",
        help="import contacts from CSV (UTF-8 or GBK, comma- or tab-separated) or XLSX: 姓名, "
        "手机号, 村居代码, optional 分组 and 重点部位编号 (all or nothing; a report names bad "
        "rows; files over ONEMAP_ALERTS_CONTACTS_MAX_MB, default 50, are refused unread)",
    )
    @click.argument("file")
    def import_contacts_command(file: str) -> int:
        return import_file(core, Path(file))


def import_file(core, path: Path) -> int:
    """Exit status 0 imported, 1 refused (the report says why), 2 no file or a bad setting."""
    from modules.alerts.contacts_file import read_contacts
    from modules.alerts.contacts_import import run_import
    from modules.alerts.contacts_report import ImportReport
    from modules.alerts.settings import AlertsSettingsError, contacts_max_bytes
    from modules.sdk import FileRefused, RowError, Unreadable, read_file

    if not path.is_file():
        print(f"onemap alerts import-contacts: no such file: {path}", file=sys.stderr)
        return 2
    try:
        limit = contacts_max_bytes()
    except AlertsSettingsError as error:
        print(f"onemap alerts import-contacts: {error}", file=sys.stderr)
        return 2
    # The file is read, and refused, before the database is opened.
    try:
        table = read_contacts(read_file(path, limit), path.name, limit)
    except Unreadable as refused:
        report = ImportReport.refused([RowError(None, None, refused.reason, refused.reason_zh)])
    except FileRefused as refused:
        report = ImportReport.refused(refused.errors)
    else:
        report = run_import(core, core.viewer(), table, path.name)
    print(report.text())
    return 0 if report.ok else 1
