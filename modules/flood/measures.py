"""The map's 着色 choice 重点部位数: key points per unit, inside the viewer's scope."""

from __future__ import annotations

from sqlalchemy.orm import Session

from layers.viewer import Viewer
from modules.contract import MeasureSpec
from modules.flood.points import counts_in


def _values(session: Session, viewer: Viewer, codes: list[str]) -> dict[str, int]:
    return counts_in(session, viewer, [code for code in codes if viewer.covers(code)])


def key_point_count() -> MeasureSpec:
    return MeasureSpec(id="flood-key-points", title="重点部位数", unit="个", values=_values)
