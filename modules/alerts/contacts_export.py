"""The contacts a viewer may see, as a file to download (CSV or XLSX) that imports back
unchanged: the import's own headers, phones as the viewer may see them (a masked one means
"keep the stored phone" on the way back), every cell written inert by the SDK."""

from __future__ import annotations

from modules.alerts.models import Contact
from modules.sdk import Viewer, csv_bytes, phone_as_seen, xlsx_bytes

HEADER = ("姓名", "手机号", "村居代码", "分组", "重点部位编号")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_rows(viewer: Viewer, contacts: list[Contact]) -> list[list[str]]:
    return [
        [
            c.name,
            phone_as_seen(viewer, c.village_code, c.phone),
            c.village_code,
            c.groups,
            c.site_id,
        ]
        for c in contacts
    ]


def contacts_file(viewer: Viewer, contacts: list[Contact], kind: str) -> bytes:
    """The contacts as a `kind` ("csv" or "xlsx") file."""
    rows = export_rows(viewer, contacts)
    if kind == "xlsx":
        return xlsx_bytes([("联系人", HEADER, rows)])
    return csv_bytes(HEADER, rows)
