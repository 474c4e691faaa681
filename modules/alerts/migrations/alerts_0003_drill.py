"""Messages say whether they are a drill's (演练): marked, or to the file provider only.

Revision ID: alerts_0003
Revises: alerts_0002
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "alerts_0003"
down_revision: str | Sequence[str] | None = "alerts_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Messages already stored were sent as real ones.
    with op.batch_alter_table("alerts_messages") as batch:
        batch.add_column(sa.Column("drill", sa.String(8), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("alerts_messages") as batch:
        batch.drop_column("drill")
