"""Signals modules publish to each other, kept while in force.

Revision ID: 0003_signals
Revises: 0002_accounts
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.models import UTCDateTime

revision: str = "0003_signals"
down_revision: str | Sequence[str] | None = "0002_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "module_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=True),
        sa.Column("valid_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_module_signals"),
    )
    op.create_index(
        "uq_module_signals_name_source_key",
        "module_signals",
        ["name", "source", "key"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_module_signals_name_source_key", table_name="module_signals")
    op.drop_table("module_signals")
