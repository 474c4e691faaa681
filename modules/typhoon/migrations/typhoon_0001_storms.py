"""The typhoon module's storms and track points, on its own branch after the core's signals.

Revision ID: typhoon_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modules.sdk import UTCDateTime

revision: str = "typhoon_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("typhoon",)
depends_on: str | Sequence[str] | None = "0003_signals"

RADII = [f"r{lv}_{q}" for lv in (7, 10, 12) for q in ("ne", "se", "sw", "nw")]


def upgrade() -> None:
    op.create_table(
        "typhoon_storms",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("name_zh", sa.String(50), nullable=False),
        sa.Column("name_en", sa.String(50), nullable=False),
        sa.Column("season", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("radii_note", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_typhoon_storms"),
    )
    op.create_table(
        "typhoon_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("storm_id", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("agency", sa.String(32), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=True),
        sa.Column("time", UTCDateTime(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("pressure", sa.Float(), nullable=True),
        sa.Column("wind", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(2), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=True) for name in RADII),
        sa.PrimaryKeyConstraint("id", name="pk_typhoon_points"),
        sa.CheckConstraint("kind IN ('best', 'forecast')", name="ck_typhoon_points_kind"),
    )
    op.create_index(
        "ix_typhoon_points_storm_kind_time", "typhoon_points", ["storm_id", "kind", "time"]
    )


def downgrade() -> None:
    op.drop_index("ix_typhoon_points_storm_kind_time", table_name="typhoon_points")
    op.drop_table("typhoon_points")
    op.drop_table("typhoon_storms")
