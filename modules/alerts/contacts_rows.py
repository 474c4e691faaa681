"""Checking a contacts table and writing it: every row checked (name, phone, a unit inside
the importer's scope, known groups, key points other modules offer), then all rows added or
updated, or none. A contact is keyed by (unit, phone); a column the file leaves out means
"unchanged"; a phone masked by an export (138****5678) means "keep the stored phone"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.alerts.contacts import (
    COLUMNS,
    GROUPS,
    MAX_GROUPS,
    MAX_NAME,
    MAX_SITE,
    masked_phone,
    normalize_phone,
    split_groups,
)
from modules.alerts.contacts_report import ImportReport
from modules.alerts.models import Contact
from modules.sdk import (
    DivisionCode,
    Forbidden,
    InvalidCode,
    NotFound,
    RowError,
    Site,
    Table,
    Viewer,
    mask_phone,
    require_unit,
)

IMPORT_PERMISSIONS = ("alert", "import")
# Problems kept for the report; past them only counted (a 50,000-row file can be all wrong).
KEPT_ERRORS = 1_000
SHOWN_SITES = 5


class _Errors(list):
    """The first KEPT_ERRORS problems, and a count of the rest."""

    more = 0

    def append(self, error: RowError) -> None:
        if len(self) < KEPT_ERRORS:
            super().append(error)
        else:
            self.more += 1


@dataclass
class _Row:
    number: int
    name: str
    phone: str | None  # whole, or None when masked or bad
    masked: str | None
    code: str | None
    groups: list[str] | None  # None: the file has no such column (unchanged)
    site: str | None
    contact: Contact | None = None


def import_table(
    session: Session, viewer: Viewer, table: Table, sites: Callable[[], list[Site]]
) -> ImportReport:
    """Check every row of `table`, then add or update them all, or change nothing (the
    caller commits or rolls back). `sites()` gives the key points the viewer may link."""
    if not any(viewer.can(p) for p in IMPORT_PERMISSIONS):
        raise Forbidden("the viewer may not import contacts")
    report = ImportReport(rows=len(table.rows), note=table.note(), note_zh=table.note_zh())
    units: dict[str, tuple[str, str] | None] = {}
    errors = _Errors()
    rows = [_parse(session, viewer, n, cells, table, units, errors) for n, cells in table.rows]
    existing = _existing(session, {r.code for r in rows if r.code})
    _resolve(rows, existing, errors)
    _check_links(rows, sites, errors)
    if errors:
        report.errors, report.more = sorted(errors, key=lambda e: e.row or 0), errors.more
        return report
    for row in rows:
        _write(session, row, report)
    session.flush()
    return report


def _shown(value: object, limit: int = 30) -> str:
    text = str(value if value is not None else "").strip()
    return (text[:limit] + "…" if len(text) > limit else text) or "（空）"


def _parse(
    session: Session,
    viewer: Viewer,
    number: int,
    cells: dict,
    table: Table,
    units: dict[str, tuple[str, str] | None],
    errors: list[RowError],
) -> _Row:
    def refuse(key: str, reason: str, reason_zh: str) -> None:
        errors.append(COLUMNS.error(number, key, reason, reason_zh))

    name = str(cells.get("name") if cells.get("name") is not None else "").strip()
    if not name:
        refuse("name", "the name is empty", "姓名为空")
    elif _swallowed(name, cells):
        refuse(
            "name",
            "the name holds the rest of the row: check the quotes on this row",
            "姓名一栏包含了整行内容（含分隔符或换行）：请检查该行的引号是否成对",
        )
    elif len(name) > MAX_NAME:
        refuse(
            "name",
            f"{len(name)} characters, more than the limit of {MAX_NAME}",
            f"姓名 {len(name)} 字，超过 {MAX_NAME} 字上限，请缩短",
        )
    raw_phone = cells.get("phone")
    phone = normalize_phone(raw_phone)
    masked = None if phone else masked_phone(raw_phone)
    if raw_phone is None or not str(raw_phone).strip():
        refuse("phone", "the phone is empty", "手机号为空")
    elif phone is None and masked is None:
        refuse(
            "phone",
            f"not a mainland mobile number: {_shown(raw_phone)}",
            f"手机号无效：{_shown(raw_phone)}（应为 11 位大陆手机号，如 13812345678）",
        )
    code = _unit(session, viewer, number, cells.get("village_code"), units, errors)
    groups = site = None
    if "groups" in table.present:
        groups = split_groups(cells.get("groups"))
        joined = "、".join(groups)
        if len(joined) > MAX_GROUPS:
            refuse(
                "groups",
                f"{len(joined)} characters, more than the limit of {MAX_GROUPS}",
                f"分组共 {len(joined)} 字，超过 {MAX_GROUPS} 字上限",
            )
    if "site_id" in table.present:
        site = str(cells.get("site_id") if cells.get("site_id") is not None else "").strip()
        if len(site) > MAX_SITE:
            refuse(
                "site_id",
                f"{len(site)} characters, more than the limit of {MAX_SITE}",
                f"重点部位编号 {len(site)} 字，超过 {MAX_SITE} 字上限",
            )
    return _Row(number, name, phone, masked, code, groups, site)


def _swallowed(name: str, cells: dict) -> bool:
    """A quote opened and never closed: the name holds the separators and the other cells
    are empty."""
    if "\n" in name or "\r" in name:
        return True
    rest_empty = not str(cells.get("phone") or "").strip()
    return rest_empty and any(separator in name for separator in (",", "\t"))


def _unit(
    session: Session,
    viewer: Viewer,
    number: int,
    value: object,
    units: dict[str, tuple[str, str] | None],
    errors: list[RowError],
) -> str | None:
    """The row's 12-digit code when it is a unit inside the viewer's scope."""
    text = str(value if value is not None else "").strip().removesuffix(".0")
    if not text:
        errors.append(COLUMNS.error(number, "village_code", "the code is empty", "村居代码为空"))
        return None
    try:
        code = DivisionCode.parse(text)
    except InvalidCode:
        errors.append(
            COLUMNS.error(
                number,
                "village_code",
                f"not a division code: {_shown(text)}",
                f"区划代码无效：{_shown(text)}（应为 12 位代码，如 350304100001）",
            )
        )
        return None
    if code not in units:
        try:
            require_unit(session, viewer, code)
            units[code] = None
        except NotFound:
            units[code] = (f"no such unit: {code}", f"区划代码不存在：{code}")
        except Forbidden:
            units[code] = (
                f"the unit {code} is outside your jurisdiction",
                f"该区划不在您的辖区内：{code}",
            )
    problem = units[code]
    if problem is not None:
        errors.append(COLUMNS.error(number, "village_code", *problem))
        return None
    return code


def _existing(session: Session, codes: set[str]) -> list[Contact]:
    if not codes:
        return []
    statement = select(Contact).where(Contact.village_code.in_(codes)).order_by(Contact.id)
    return list(session.scalars(statement))


def _resolve(rows: list[_Row], existing: list[Contact], errors: list[RowError]) -> None:
    """Each row's stored contact (None for a new one), and the rows naming one twice."""
    by_phone = {(c.village_code, c.phone): c for c in existing}
    by_mask: dict[tuple[str, str], list[Contact]] = {}
    for contact in existing:
        by_mask.setdefault((contact.village_code, mask_phone(contact.phone)), []).append(contact)
    first: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.code is None or (row.phone is None and row.masked is None):
            continue
        if row.phone is None:
            row.contact = _unmask(row, by_mask.get((row.code, row.masked), []), first)
            if row.contact is None:
                errors.append(
                    COLUMNS.error(
                        row.number,
                        "phone",
                        f"the phone is masked ({row.masked}) and no contact of this unit has "
                        "it: write the whole number",
                        f"手机号已遮盖（{row.masked}），本单位没有对应的联系人："
                        "新联系人请填写完整的 11 位手机号",
                    )
                )
                continue
            row.phone = row.contact.phone
        else:
            row.contact = by_phone.get((row.code, row.phone))
        key = (row.code, row.phone)
        if key in first:
            errors.append(
                COLUMNS.error(
                    row.number,
                    "phone",
                    f"the same unit and phone as row {first[key]}",
                    f"与第 {first[key]} 行重复（同一单位同一手机号）",
                )
            )
        else:
            first[key] = row.number


def _unmask(row: _Row, candidates: list[Contact], taken: dict) -> Contact | None:
    """The stored contact a masked phone stands for: one of this unit with that mask, not
    named by an earlier row, the same name first (an export lists them in id order)."""
    free = [c for c in candidates if (c.village_code, c.phone) not in taken]
    same_name = [c for c in free if c.name == row.name]
    return (same_name or free or [None])[0]


def _check_links(rows: list[_Row], sites: Callable[[], list[Site]], errors: list[RowError]) -> None:
    """Groups must be known and key points offered by a module inside the viewer's scope
    (a stored link the row leaves as it is stays, even if it is no longer either)."""
    known_sites: dict[str, Site] | None = None
    for row in rows:
        stored = row.contact
        if row.groups is not None:
            kept = set(stored.group_list) if stored else set()
            unknown = [g for g in row.groups if g not in GROUPS and g not in kept]
            if unknown:
                names = "、".join(f"“{_shown(g, 20)}”" for g in unknown[:5])
                errors.append(
                    COLUMNS.error(
                        row.number,
                        "groups",
                        f"unknown group {', '.join(unknown[:5])}: use {', '.join(GROUPS)}",
                        f"未知分组 {names}；可用分组：{'、'.join(GROUPS)}",
                    )
                )
        if not row.site or len(row.site) > MAX_SITE or (stored and stored.site_id == row.site):
            continue
        if known_sites is None:
            known_sites = {site.id: site for site in sites()}
        if row.site not in known_sites:
            errors.append(_unknown_site(row, known_sites))


def _unknown_site(row: _Row, known: dict[str, Site]) -> RowError:
    prefix = DivisionCode.parse(row.code).prefix if row.code else None
    nearby = [s for s in known.values() if prefix is not None and s.village_code.startswith(prefix)]
    if nearby:
        listed = "、".join(f"{s.id}（{_shown(s.name, 20)}）" for s in nearby[:SHOWN_SITES])
        more = f" 等 {len(nearby)} 个" if len(nearby) > SHOWN_SITES else ""
        allowed_zh = f"该单位的重点部位有：{listed}{more}"
        allowed = f"this unit's key points: {', '.join(s.id for s in nearby[:SHOWN_SITES])}"
    else:
        allowed_zh = "该单位没有重点部位，请留空"
        allowed = "this unit has no key points: leave it empty"
    return COLUMNS.error(
        row.number,
        "site_id",
        f"no key point {_shown(row.site)} in your jurisdiction; {allowed}",
        f"重点部位 {_shown(row.site)} 不存在或不在您的辖区内；{allowed_zh}",
    )


def _write(session: Session, row: _Row, report: ImportReport) -> None:
    groups = "、".join(row.groups) if row.groups is not None else None
    contact = row.contact
    if contact is None:
        session.add(
            Contact(
                name=row.name,
                phone=row.phone,
                village_code=row.code,
                groups=groups or "",
                site_id=row.site or "",
            )
        )
        report.added += 1
        return
    changes = {"name": row.name, "groups": groups, "site_id": row.site}
    changes = {key: value for key, value in changes.items() if value is not None}
    if all(getattr(contact, key) == value for key, value in changes.items()):
        report.unchanged += 1
        return
    for key, value in changes.items():
        setattr(contact, key, value)
    report.updated += 1
