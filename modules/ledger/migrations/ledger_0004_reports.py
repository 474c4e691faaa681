"""Report templates (报表模板) and the registry of recurring reports (报表清单).

Revision ID: ledger_0004
Revises: ledger_0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ledger_0004"
down_revision: str | Sequence[str] | None = "ledger_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FREQUENCIES = "frequency IN ('月', '季', '半年', '年', '不定期')"


def upgrade() -> None:
    op.create_table(
        "ledger_report_templates",
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("row_kind", sa.String(10), nullable=False),
        sa.Column("layout", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_ledger_report_templates"),
        sa.CheckConstraint(FREQUENCIES, name="ck_ledger_report_templates_frequency"),
        sa.CheckConstraint(
            "row_kind IN ('units', 'periods')", name="ck_ledger_report_templates_row_kind"
        ),
    )
    op.create_table(
        "ledger_report_registry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("template_key", sa.String(40), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_report_registry"),
        sa.CheckConstraint(FREQUENCIES, name="ck_ledger_report_registry_frequency"),
    )


def downgrade() -> None:
    op.drop_table("ledger_report_registry")
    op.drop_table("ledger_report_templates")
