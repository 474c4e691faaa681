"""The role 部门 `department`: accounts of departments that request the ledger's data.

The users table's CHECK constraint lists the roles. PostgreSQL drops and recreates it.
SQLite cannot alter a constraint, and rebuilding `users` (batch mode) would drop the table
under ON DELETE CASCADE foreign keys and take every jurisdiction and session with it; a
CHECK constraint is not part of the stored rows, so its text in the schema is edited in
place (SQLite's documented procedure for such changes, ALTER TABLE §7). Going down, the
department accounts are disabled and become leaders (no role below stands for them).

Revision ID: 0006_department_role
Revises: 0005_boundaries_stamp
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_department_role"
down_revision: str | Sequence[str] | None = "0005_boundaries_stamp"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "role IN ('leader', 'staff', 'coordinator', 'admin')"
NEW = "role IN ('leader', 'staff', 'coordinator', 'admin', 'department')"


def _replace(before: str, after: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        # The constraint's name as stored (0002 ran it through the naming convention);
        # op.f keeps it from being run through it again.
        name = bind.execute(
            sa.text(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'users'::regclass"
                " AND contype = 'c' AND pg_get_constraintdef(oid) LIKE :role"
            ),
            {"role": "%role%"},
        ).scalar_one()
        op.drop_constraint(op.f(name), "users", type_="check")
        op.create_check_constraint(op.f(name), "users", after)
        return
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'"
    ).scalar_one()
    if before not in sql:
        raise RuntimeError("the users table's role constraint is not the expected one")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'users'",
            (sql.replace(before, after),),
        )
        # Other connections reread the schema when its version changes.
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _replace(OLD, NEW)


def downgrade() -> None:
    # No role below can stand for a department: its accounts are kept, disabled, as
    # leaders with no session or token left (an admin decides what they become).
    bind = op.get_bind()
    departments = "SELECT id FROM users WHERE role = 'department'"
    bind.exec_driver_sql(f"DELETE FROM login_sessions WHERE user_id IN ({departments})")
    bind.exec_driver_sql(f"DELETE FROM api_tokens WHERE user_id IN ({departments})")
    bind.exec_driver_sql(
        "UPDATE users SET role = 'leader', active = false WHERE role = 'department'"
    )
    _replace(NEW, OLD)
