"""Data requests (申请调阅) and the village duties list (村级事务准入): department accounts,
requests and their history, the listed matters, tasks sent down and each village's answer.

Revision ID: ledger_0005
Revises: ledger_0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modules.sdk import UTCDateTime

revision: str = "ledger_0005"
down_revision: str | Sequence[str] | None = "ledger_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_departments",
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("department", sa.String(60), nullable=False),
        sa.Column("domains", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("login", name="pk_ledger_departments"),
    )
    op.create_table(
        "ledger_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("requester_login", sa.String(64), nullable=False),
        sa.Column("requester_name", sa.String(100), nullable=False),
        sa.Column("department", sa.String(60), nullable=False),
        sa.Column("template_key", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("granted_tags", sa.Text(), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("approver_unit", sa.String(12), nullable=False),
        sa.Column("period_from", sa.Integer(), nullable=False),
        sa.Column("period_to", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("valid_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_requests"),
        sa.UniqueConstraint("number", name="uq_ledger_requests_number"),
        sa.CheckConstraint(
            "state IN ('pending', 'approved', 'refused')", name="ck_ledger_requests_state"
        ),
    )
    op.create_index("ix_ledger_requests_requester_login", "ledger_requests", ["requester_login"])
    op.create_index("ix_ledger_requests_approver_unit", "ledger_requests", ["approver_unit"])
    op.create_table(
        "ledger_request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("actor_name", sa.String(100), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["ledger_requests.id"],
            name="fk_ledger_request_events_request_id_ledger_requests",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_request_events"),
        sa.CheckConstraint(
            "action IN ('submit', 'grant', 'approve', 'refuse', 'download')",
            name="ck_ledger_request_events_action",
        ),
    )
    op.create_index("ix_ledger_request_events_request_id", "ledger_request_events", ["request_id"])
    op.create_table(
        "ledger_duties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("domain", sa.String(20), nullable=False),
        sa.Column("example", sa.Boolean(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_duties"),
    )
    op.create_table(
        "ledger_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("sender_login", sa.String(64), nullable=False),
        sa.Column("sender_name", sa.String(100), nullable=False),
        sa.Column("department", sa.String(60), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("duty_id", sa.Integer(), nullable=True),
        sa.Column("basis_name", sa.String(200), nullable=False),
        sa.Column("basis_number", sa.String(100), nullable=False),
        sa.Column("basis_issuer", sa.String(100), nullable=False),
        sa.Column("basis_file_name", sa.String(200), nullable=False),
        sa.Column("basis_file", sa.LargeBinary(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["duty_id"], ["ledger_duties.id"], name="fk_ledger_tasks_duty_id_ledger_duties"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_tasks"),
        sa.UniqueConstraint("number", name="uq_ledger_tasks_number"),
        sa.CheckConstraint("kind IN ('task', 'report')", name="ck_ledger_tasks_kind"),
    )
    op.create_index("ix_ledger_tasks_sender_login", "ledger_tasks", ["sender_login"])
    op.create_index("ix_ledger_tasks_month", "ledger_tasks", ["month"])
    op.create_table(
        "ledger_task_units",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("answer", sa.String(10), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("answered_by", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["ledger_tasks.id"],
            name="fk_ledger_task_units_task_id_ledger_tasks",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", "unit_code", name="pk_ledger_task_units"),
        sa.CheckConstraint("answer IN ('open', 'declined')", name="ck_ledger_task_units_answer"),
    )
    op.create_index("ix_ledger_task_units_unit_code", "ledger_task_units", ["unit_code"])


def downgrade() -> None:
    op.drop_table("ledger_task_units")
    op.drop_table("ledger_tasks")
    op.drop_table("ledger_duties")
    op.drop_table("ledger_request_events")
    op.drop_table("ledger_requests")
    op.drop_table("ledger_departments")
