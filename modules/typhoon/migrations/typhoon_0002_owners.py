"""Storms and forecasts get an owner scope: who may change or replace them.

Revision ID: typhoon_0002
Revises: typhoon_0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "typhoon_0002"
down_revision: str | Sequence[str] | None = "typhoon_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # "" is the whole city's: storms already stored were loaded by the system or an admin.
    for table in ("typhoon_storms", "typhoon_points"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("owner_scope", sa.String(255), nullable=False, server_default="")
            )


def downgrade() -> None:
    for table in ("typhoon_points", "typhoon_storms"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("owner_scope")
