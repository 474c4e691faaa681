"""The map's 着色 choices: 重点部位数 (key points per unit) and 巡查进度 (% patrolled in the
open campaign), inside the viewer's scope."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modules.flood.patrol import progress_in
from modules.flood.points import counts_in
from modules.sdk import MeasureSpec, Viewer


def _values(session: Session, viewer: Viewer, codes: list[str]) -> dict[str, int]:
    return counts_in(session, viewer, [code for code in codes if viewer.covers(code)])


def _progress(session: Session, viewer: Viewer, codes: list[str]) -> dict[str, float]:
    return progress_in(session, viewer, [code for code in codes if viewer.covers(code)])


def key_point_count() -> MeasureSpec:
    return MeasureSpec(id="flood-key-points", title="重点部位数", unit="个", values=_values)


def patrol_progress() -> MeasureSpec:
    return MeasureSpec(id="flood-patrol-progress", title="巡查进度", unit="%", values=_progress)
