"""Consultations: events and their response levels, the decision log, frozen snapshots.

Revision ID: consult_0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modules.sdk import UTCDateTime

revision: str = "consult_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("consult",)
depends_on: str | Sequence[str] | None = "0002_accounts"

FROZEN = "consult_snapshots are frozen"


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "consult_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("ref", sa.String(40), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("scope_code", sa.String(12), nullable=False),
        sa.Column("drill", sa.Boolean(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("clock", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consult_events"),
        sa.CheckConstraint(
            _one_of("kind", ("typhoon", "rainstorm", "flood")), name="ck_consult_events_kind"
        ),
        sa.CheckConstraint("level BETWEEN 0 AND 4", name="ck_consult_events_level"),
    )
    op.create_index("ix_consult_events_scope_code", "consult_events", ["scope_code"])
    op.create_table(
        "consult_levels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consult_levels"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["consult_events.id"], name="fk_consult_levels_event_id_consult_events"
        ),
    )
    op.create_index("ix_consult_levels_event_id", "consult_levels", ["event_id"])
    op.create_table(
        "consult_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("units", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("edited_at", UTCDateTime(), nullable=True),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("attachment_name", sa.String(200), nullable=False),
        sa.Column("attachment", sa.LargeBinary(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_consult_entries"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["consult_events.id"], name="fk_consult_entries_event_id_consult_events"
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["consult_entries.id"],
            name="fk_consult_entries_corrects_id_consult_entries",
        ),
        sa.UniqueConstraint("event_id", "number", name="uq_consult_entries_event_id_number"),
        sa.CheckConstraint(
            _one_of("kind", ("assessment", "decision", "instruction", "feedback")),
            name="ck_consult_entries_kind",
        ),
    )
    op.create_index("ix_consult_entries_event_id", "consult_entries", ["event_id"])
    op.create_table(
        "consult_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("moment", UTCDateTime(), nullable=False),
        sa.Column("taken_at", UTCDateTime(), nullable=False),
        sa.Column("taken_by", sa.String(64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consult_snapshots"),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["consult_events.id"],
            name="fk_consult_snapshots_event_id_consult_events",
        ),
        sa.UniqueConstraint("event_id", "number", name="uq_consult_snapshots_event_id_number"),
    )
    op.create_index("ix_consult_snapshots_event_id", "consult_snapshots", ["event_id"])
    # A snapshot shows exactly the picture a decision was taken on, later too: never changed.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION consult_snapshots_frozen() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{FROZEN}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER consult_snapshots_frozen BEFORE UPDATE OR DELETE OR TRUNCATE "
            "ON consult_snapshots FOR EACH STATEMENT EXECUTE FUNCTION consult_snapshots_frozen()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER consult_snapshots_no_{event.lower()} BEFORE {event} "
                f"ON consult_snapshots BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS consult_snapshots_frozen ON consult_snapshots")
        op.execute("DROP FUNCTION IF EXISTS consult_snapshots_frozen()")
    for table in ("consult_snapshots", "consult_entries", "consult_levels"):
        op.drop_index(f"ix_{table}_event_id", table_name=table)
        op.drop_table(table)
    op.drop_index("ix_consult_events_scope_code", table_name="consult_events")
    op.drop_table("consult_events")
