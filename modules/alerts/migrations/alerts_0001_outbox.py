"""The alerts module: contacts, templates, messages, deliveries (the outbox) and attempts.

Revision ID: alerts_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modules.sdk import UTCDateTime

revision: str = "alerts_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("alerts",)
depends_on: str | Sequence[str] | None = "0003_signals"


def upgrade() -> None:
    op.create_table(
        "alerts_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(11), nullable=False),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("groups", sa.String(200), nullable=False),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_contacts"),
        sa.UniqueConstraint("village_code", "phone", name="uq_alerts_contacts_village_code_phone"),
    )
    op.create_index("ix_alerts_contacts_village_code", "alerts_contacts", ["village_code"])
    op.create_table(
        "alerts_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("body", sa.String(500), nullable=False),
        sa.Column("scope_code", sa.String(12), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_templates"),
    )
    op.create_table(
        "alerts_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(100), nullable=False),
        sa.Column("scope_code", sa.String(12), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("ask_ack", sa.Boolean(), nullable=False),
        sa.Column("escalate_after_minutes", sa.Integer(), nullable=True),
        sa.Column("escalated_from", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_messages"),
    )
    op.create_index("ix_alerts_messages_scope_code", "alerts_messages", ["scope_code"])
    op.create_table(
        "alerts_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(11), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("body", sa.String(700), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("provider_id", sa.String(100), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("ack_token", sa.String(64), nullable=True),
        sa.Column("acked_at", UTCDateTime(), nullable=True),
        sa.Column("escalated_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_deliveries"),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["alerts_messages.id"],
            name="fk_alerts_deliveries_message_id_alerts_messages",
        ),
        sa.UniqueConstraint("idempotency_key", name="uq_alerts_deliveries_idempotency_key"),
        sa.UniqueConstraint("ack_token", name="uq_alerts_deliveries_ack_token"),
    )
    op.create_index("ix_alerts_deliveries_message_id", "alerts_deliveries", ["message_id"])
    op.create_index(
        "ix_alerts_deliveries_state_next_attempt_at",
        "alerts_deliveries",
        ["state", "next_attempt_at"],
    )
    op.create_table(
        "alerts_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("provider_id", sa.String(100), nullable=False),
        sa.Column("error", sa.String(200), nullable=False),
        sa.Column("worker", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alerts_attempts"),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["alerts_deliveries.id"],
            name="fk_alerts_attempts_delivery_id_alerts_deliveries",
        ),
    )
    op.create_index("ix_alerts_attempts_delivery_id", "alerts_attempts", ["delivery_id"])


def downgrade() -> None:
    op.drop_index("ix_alerts_attempts_delivery_id", table_name="alerts_attempts")
    op.drop_table("alerts_attempts")
    op.drop_index("ix_alerts_deliveries_state_next_attempt_at", table_name="alerts_deliveries")
    op.drop_index("ix_alerts_deliveries_message_id", table_name="alerts_deliveries")
    op.drop_table("alerts_deliveries")
    op.drop_index("ix_alerts_messages_scope_code", table_name="alerts_messages")
    op.drop_table("alerts_messages")
    op.drop_table("alerts_templates")
    op.drop_index("ix_alerts_contacts_village_code", table_name="alerts_contacts")
    op.drop_table("alerts_contacts")
