"""The flood module's key points (重点部位), on its own branch after the core's accounts.

Revision ID: flood_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modules.sdk import UTCDateTime

revision: str = "flood_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("flood",)
depends_on: str | Sequence[str] | None = "0002_accounts"


def upgrade() -> None:
    op.create_table(
        "flood_key_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("risk_level", sa.String(8), nullable=False),
        sa.Column("responsible_name", sa.String(50), nullable=False),
        sa.Column("responsible_phone", sa.String(32), nullable=False),
        sa.Column("patrol_every_days", sa.Integer(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_flood_key_points"),
        sa.CheckConstraint(
            "risk_level IN ('red', 'orange', 'yellow', 'blue')",
            name="ck_flood_key_points_risk_level",
        ),
        sa.CheckConstraint("patrol_every_days >= 1", name="ck_flood_key_points_patrol_every_days"),
    )
    op.create_index("ix_flood_key_points_village_code", "flood_key_points", ["village_code"])


def downgrade() -> None:
    op.drop_index("ix_flood_key_points_village_code", table_name="flood_key_points")
    op.drop_table("flood_key_points")
