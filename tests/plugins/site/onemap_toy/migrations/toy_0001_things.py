"""The toy module's table, on its own branch after the core's accounts migration.

Revision ID: toy_0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "toy_0001"
down_revision = None
branch_labels = ("toy",)
depends_on = "0002_accounts"


def upgrade() -> None:
    op.create_table("toy_things", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("toy_things")
