"""Contacts: the columns a contacts file has, phone numbers checked as mainland mobiles, and
the contacts a viewer may reach. Importing is `contacts_import`, reading the file
`contacts_file`, exporting `contacts_export`."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.alerts.models import Contact
from modules.sdk import Columns, Forbidden, Viewer, prefix_range

# Who may read the key groups' names and phones (the panel, the exports, an audience).
READ_CONTACTS = "contacts"
PHONE = re.compile(r"^1[3-9]\d{9}$")
# A phone as `mask_phone` writes it into an export for a viewer who may not see it whole.
MASKED = re.compile(r"^1[3-9]\d\*{4}\d{4}$")
GROUPS: tuple[str, ...] = ("村居干部", "包保责任人", "网格员", "重点人群", "在建工地负责人")
# Accepted column headers (zh-CN first) for each field.
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "phone": ("手机号", "手机", "电话", "联系电话", "phone"),
    "village_code": ("村居代码", "区划代码", "单位代码", "village_code", "code"),
    "groups": ("分组", "群组", "groups"),
    "site_id": ("重点部位编号", "重点部位", "site_id"),
}
COLUMNS = Columns(HEADERS, required=("name", "phone", "village_code"))
# The stored widths (models.Contact): longer text is refused, never cut.
MAX_NAME = 50
MAX_GROUPS = 200
MAX_SITE = 64
_SEPARATORS = r"[\s\-()（）]"


def normalize_phone(text: object) -> str | None:
    """The 11 digits of a mainland mobile number (+86, spaces and dashes dropped), or None."""
    value = re.sub(_SEPARATORS, "", str(text or ""))
    if isinstance(text, float) and value.endswith(".0"):  # a number cell in a spreadsheet
        value = value[:-2]
    for lead in ("+86", "0086", "86"):
        if value.startswith(lead) and len(value) == 11 + len(lead):
            value = value[len(lead) :]
            break
    return value if PHONE.match(value) else None


def masked_phone(text: object) -> str | None:
    """`138****5678` when the cell holds a phone masked by an export, else None."""
    value = re.sub(_SEPARATORS, "", str(text or ""))
    return value if MASKED.match(value) else None


def split_groups(text: object) -> list[str]:
    parts = re.split(r"[、,，;；/|\s]+", str(text or "").strip())
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return seen


def contacts_in(session: Session, viewer: Viewer, unit: str | None) -> list[Contact]:
    """The contacts inside `unit` (a code the caller has checked; None for the whole scope)
    and the viewer's scope. Forbidden for a role without READ_CONTACTS (a department sees
    people only through a granted ledger request)."""
    if not viewer.can(READ_CONTACTS):
        raise Forbidden("this role may not read the contacts")
    return contacts_for_sending(session, viewer, unit)


def contacts_count(session: Session, viewer: Viewer, unit: str) -> int:
    """How many contacts lie inside `unit` (a code the caller has checked) and the scope;
    Forbidden as contacts_in."""
    if not viewer.can(READ_CONTACTS):
        raise Forbidden("this role may not read the contacts")
    return (
        session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(viewer.code_filter(Contact.village_code))
            .where(prefix_range(Contact.village_code, unit))
        )
        or 0
    )


def contacts_for_sending(session: Session, sender: Viewer, unit: str | None) -> list[Contact]:
    """contacts_in without the role check: for a send the system makes on a publisher's
    behalf (a consultation's instruction), whose sender is no logged-in person; the
    sender's scope still bounds it."""
    statement = (
        select(Contact)
        .where(sender.code_filter(Contact.village_code))
        .order_by(Contact.village_code, Contact.id)
    )
    if unit is not None:
        statement = statement.where(prefix_range(Contact.village_code, unit))
    return list(session.scalars(statement))
