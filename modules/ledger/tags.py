"""The catalogue as the rest of the module reads it, and who may read which tag."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.ledger.models import LedgerTag
from modules.sdk import Viewer

READ = "ledger.read"
WRITE = "ledger.write"
APPROVE = "ledger.approve"
SENSITIVE = "ledger.sensitive"
CATALOGUE = "ledger.catalogue"

SENSITIVITY_ZH = {"public": "公开", "internal": "内部", "personal": "个人敏感"}
LEVEL_ZH = {"village": "村（社区）", "town": "镇街"}
PERIOD_ZH = {"monthly": "月报", "quarterly": "季报", "yearly": "年报", "on_change": "变动时报"}
TYPE_ZH = {
    "integer": "整数",
    "decimal": "小数",
    "percent": "百分比",
    "yesno": "是/否",
    "choice": "选项",
    "date": "日期",
    "text": "文本",
}
ROLLUP_ZH = {"sum": "求和", "mean": "平均", "max": "最大值", "none": "不汇总"}


def all_tags(session: Session, retired: bool = False) -> dict[str, LedgerTag]:
    """Code → tag, in catalogue order; retired tags only when asked for."""
    query = select(LedgerTag).order_by(LedgerTag.position, LedgerTag.code)
    if not retired:
        query = query.where(LedgerTag.retired_at.is_(None))
    return {tag.code: tag for tag in session.scalars(query)}


def may_read(viewer: Viewer, tag: LedgerTag) -> bool:
    """Tags only for those who read the table (a department reads through a granted
    request, never directly); 个人敏感 figures only for those who keep them (staff) and
    admins."""
    return viewer.can(READ) and (tag.sensitivity != "personal" or viewer.can(SENSITIVE))


def readable(session: Session, viewer: Viewer, retired: bool = False) -> dict[str, LedgerTag]:
    return {c: t for c, t in all_tags(session, retired).items() if may_read(viewer, t)}


def required_tags(session: Session, level: str) -> list[str]:
    """The codes of the required tags kept at `level` (what completeness counts)."""
    return [t.code for t in all_tags(session).values() if t.required and t.level == level]
