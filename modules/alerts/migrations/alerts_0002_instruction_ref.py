"""Messages carry the instruction they send on (`ref`, unique: an instruction is sent once).

Revision ID: alerts_0002
Revises: alerts_0001
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "alerts_0002"
down_revision: str | Sequence[str] | None = "alerts_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts_messages") as batch:
        batch.add_column(sa.Column("ref", sa.String(64), nullable=True))
        batch.create_index("ix_alerts_messages_ref", ["ref"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("alerts_messages") as batch:
        batch.drop_index("ix_alerts_messages_ref")
        batch.drop_column("ref")
