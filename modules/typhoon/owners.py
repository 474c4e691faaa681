"""Who may change a storm or a forecast: data that is no unit's (everyone in the city sees
it) belongs to the scope of whoever imported it, and only a viewer whose scope covers that
owner scope changes or replaces it. Shipped storms, and rows from before owners, belong to
the whole city ("")."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modules.sdk import Viewer, unit_names

CITY = ""


class NotYours(PermissionError):
    """A change the viewer's scope does not cover (HTTP 403), said in both languages."""

    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_zh = reason_zh


def owner_of(viewer: Viewer) -> str:
    return ",".join(viewer.scopes)


def covers(viewer: Viewer, owner: str) -> bool:
    if owner == CITY:
        return viewer.top_level == "city"
    return bool(viewer.scopes) and viewer.covers_all(tuple(owner.split(",")))


def refuse(session: Session, viewer: Viewer, owner: str, what: str, what_zh: str) -> NotYours:
    """The refusal of a change to `what`, owned by `owner`, naming whose it is when the
    viewer may know the name (the city, the county above them), never what lies beside."""
    codes = [c for c in owner.split(",") if c]
    named = unit_names(session, viewer, codes + list(viewer.scopes), above=True)
    mine_zh = "、".join(named[c] for c in viewer.scopes if c in named) or "您的辖区"
    if owner == CITY:
        whose, whose_zh = "the whole city", "全市共用的数据"
    elif all(c in named for c in codes):
        whose = ", ".join(codes)
        whose_zh = f"{'、'.join(named[c] for c in codes)}导入的数据"
    else:
        whose, whose_zh = "another jurisdiction", "其他辖区导入的数据"
    space = " " if what_zh[-1:].isascii() else ""
    return NotYours(
        f"{what} belongs to {whose}: your scope ({', '.join(viewer.scopes) or 'none'}) does "
        "not cover it, so you cannot change or replace it; ask an administrator whose does",
        f"{what_zh}{space}是{whose_zh}，{mine_zh}无权修改或替换；请联系辖区覆盖它的管理员导入。",
    )
