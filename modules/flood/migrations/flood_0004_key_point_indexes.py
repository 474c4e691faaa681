"""Key points: an index for a wide view's counts by village and base level, and one for the
newest edit the layer cache's fingerprint reads.

Revision ID: flood_0004
Revises: flood_0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "flood_0004"
down_revision: str | Sequence[str] | None = "flood_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_flood_key_points_village_risk", "flood_key_points", ["village_code", "risk_level"]
    )
    op.create_index("ix_flood_key_points_updated_at", "flood_key_points", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_flood_key_points_updated_at", table_name="flood_key_points")
    op.drop_index("ix_flood_key_points_village_risk", table_name="flood_key_points")
