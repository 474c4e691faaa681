"""Shipped storms already stored get their `radii_given` (how many quadrant radii per level
JMA states), which typhoon_0003 left "" until `onemap typhoon shipped` was run again.

The shipped files are read as `onemap typhoon shipped` reads them (a fraction of a second);
a stored best-track fix is filled only when it is still the shipped one (same time, same
radii), so a storm imported since with other radii keeps "". Nothing else is touched.

Revision ID: typhoon_0004
Revises: typhoon_0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modules.sdk import UTCDateTime

revision: str = "typhoon_0004"
down_revision: str | Sequence[str] | None = "typhoon_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RADII = [f"r{lv}_{q}" for lv in (7, 10, 12) for q in ("ne", "se", "sw", "nw")]
POINTS = sa.table(
    "typhoon_points",
    sa.column("id", sa.Integer()),
    sa.column("storm_id", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("time", UTCDateTime()),
    sa.column("radii_given", sa.String()),
    *(sa.column(name, sa.Float()) for name in RADII),
)


def _radii(values) -> tuple:
    return tuple(None if v is None else round(float(v), 2) for v in values)


def upgrade() -> None:
    # The module's own reader of its shipped files: what `onemap typhoon shipped` stores.
    from modules.typhoon.storage import _columns, shipped

    bind = op.get_bind()
    for data, _note in shipped():
        rows = bind.execute(
            sa.select(POINTS.c.id, POINTS.c.time, *(POINTS.c[name] for name in RADII)).where(
                POINTS.c.storm_id == data.id,
                POINTS.c.kind == "best",
                POINTS.c.radii_given == "",
            )
        ).all()
        fixes = {fix.time: _columns(fix) for fix in data.fixes}
        for row in rows:
            shipped_fix = fixes.get(row.time)
            if shipped_fix is None or not shipped_fix["radii_given"]:
                continue
            if _radii(row[2:]) != _radii(shipped_fix[name] for name in RADII):
                continue
            bind.execute(
                POINTS.update()
                .where(POINTS.c.id == row.id)
                .values(radii_given=shipped_fix["radii_given"])
            )


def downgrade() -> None:
    # The counts are what the source states, true before and after: nothing to undo.
    pass
