"""The ledger's tag catalogue, values (long, carried forward) and append-only history.

Revision ID: ledger_0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modules.sdk import UTCDateTime

revision: str = "ledger_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("ledger",)
depends_on: str | Sequence[str] | None = "0002_accounts"

APPEND_ONLY = "ledger_history is append-only"


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "ledger_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("measure", sa.String(20), nullable=False),
        sa.Column("value_type", sa.String(10), nullable=False),
        sa.Column("domain", sa.String(20), nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("period_type", sa.String(10), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("min_value", sa.Float(), nullable=True),
        sa.Column("max_value", sa.Float(), nullable=True),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("rollup", sa.String(8), nullable=False),
        sa.Column("weight_code", sa.String(16), nullable=False),
        sa.Column("sensitivity", sa.String(10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_tags"),
        sa.UniqueConstraint("code", name="uq_ledger_tags_code"),
        sa.CheckConstraint(
            _one_of(
                "value_type",
                ("integer", "decimal", "percent", "yesno", "choice", "date", "text"),
            ),
            name="ck_ledger_tags_value_type",
        ),
        sa.CheckConstraint(_one_of("level", ("village", "town")), name="ck_ledger_tags_level"),
        sa.CheckConstraint(
            _one_of("period_type", ("monthly", "quarterly", "yearly", "on_change")),
            name="ck_ledger_tags_period_type",
        ),
        sa.CheckConstraint(
            _one_of("rollup", ("sum", "mean", "max", "none")), name="ck_ledger_tags_rollup"
        ),
        sa.CheckConstraint(
            _one_of("sensitivity", ("public", "internal", "personal")),
            name="ck_ledger_tags_sensitivity",
        ),
    )
    channels = _one_of("channel", ("grid", "import", "api", "demo"))
    op.create_table(
        "ledger_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tag_code", sa.String(16), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("number", sa.Float(), nullable=True),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_values"),
        sa.UniqueConstraint(
            "tag_code", "unit_code", "period", name="uq_ledger_values_tag_code_unit_code_period"
        ),
        sa.CheckConstraint(channels, name="ck_ledger_values_channel"),
    )
    op.create_table(
        "ledger_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tag_code", sa.String(16), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_by_name", sa.String(100), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_history"),
        sa.CheckConstraint(channels, name="ck_ledger_history_channel"),
    )
    op.create_index("ix_ledger_history_cell", "ledger_history", ["tag_code", "unit_code", "period"])
    # Nothing a user entered is ever lost: history rows are never changed, by anyone.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION ledger_history_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER ledger_history_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            "ON ledger_history FOR EACH STATEMENT EXECUTE FUNCTION ledger_history_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER ledger_history_no_{event.lower()} BEFORE {event} "
                f"ON ledger_history BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_history_append_only ON ledger_history")
        op.execute("DROP FUNCTION IF EXISTS ledger_history_append_only()")
    op.drop_index("ix_ledger_history_cell", table_name="ledger_history")
    op.drop_table("ledger_history")
    op.drop_table("ledger_values")
    op.drop_table("ledger_tags")
