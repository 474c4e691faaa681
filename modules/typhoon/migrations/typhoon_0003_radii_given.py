"""Points keep how many quadrant radii their source states per level, and who corrected
their radii by hand, when.

Revision ID: typhoon_0003
Revises: typhoon_0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modules.sdk import UTCDateTime

revision: str = "typhoon_0003"
down_revision: str | Sequence[str] | None = "typhoon_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # "" is not known: rows stored before; `onemap typhoon shipped` fills the shipped ones.
    with op.batch_alter_table("typhoon_points") as batch:
        batch.add_column(sa.Column("radii_given", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("edited_by", sa.String(120), nullable=False, server_default=""))
        batch.add_column(sa.Column("edited_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("typhoon_points") as batch:
        batch.drop_column("edited_at")
        batch.drop_column("edited_by")
        batch.drop_column("radii_given")
