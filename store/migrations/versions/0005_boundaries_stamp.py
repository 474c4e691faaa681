"""A boundaries stamp for databases that already hold boundaries.

Browsers keep layer bodies under a token of the stamp (layers.load.boundaries_stamp); the
version counter alone repeats in a rebuilt or restored database. New databases get a stamp at
their first load; this gives one to those loaded before.

Revision ID: 0005_boundaries_stamp
Revises: 0004_divisions_web_mercator
Create Date: 2026-11-30
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_boundaries_stamp"
down_revision: str | Sequence[str] | None = "0004_divisions_web_mercator"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

META = sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.Text))


def upgrade() -> None:
    bind = op.get_bind()
    values = dict(bind.execute(sa.select(META.c.key, META.c.value)).all())
    version = values.get("boundaries_version")
    if version is not None and "boundaries_stamp" not in values:
        stamp = f"{version}.{secrets.token_hex(8)}"
        bind.execute(sa.insert(META).values(key="boundaries_stamp", value=stamp))


def downgrade() -> None:
    op.get_bind().execute(sa.delete(META).where(META.c.key == "boundaries_stamp"))
