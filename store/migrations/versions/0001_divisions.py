"""Divisions and meta.

Revision ID: 0001_divisions
Revises:
Create Date: 2024-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.geometry import Geometry

revision: str = "0001_divisions"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        # A no-op where a DBA has already installed PostGIS for an unprivileged app user.
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    op.create_table(
        "divisions",
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("parent_code", sa.String(12), nullable=True),
        sa.Column("geom", Geometry(), nullable=False),
        sa.Column("area_km2", sa.Float(), nullable=False),
        sa.Column("label_lon", sa.Float(), nullable=False),
        sa.Column("label_lat", sa.Float(), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.Column("geometry_source", sa.String(16), nullable=False),
        sa.Column("geometry_note", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_divisions"),
        sa.CheckConstraint(
            "level IN ('city', 'county', 'town', 'village')", name="ck_divisions_level"
        ),
        sa.CheckConstraint(
            "geometry_source IN ('real', 'generated', 'imported')",
            name="ck_divisions_geometry_source",
        ),
    )
    op.create_index("ix_divisions_level", "divisions", ["level"])
    op.create_index("ix_divisions_parent_code", "divisions", ["parent_code"])
    op.create_index(
        "ix_divisions_level_bbox",
        "divisions",
        ["level", "min_lon", "min_lat", "max_lon", "max_lat"],
    )
    if postgresql:
        op.create_index("ix_divisions_geom", "divisions", ["geom"], postgresql_using="gist")

    meta = op.create_table(
        "meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_meta"),
    )
    # The loader locks this row to serialise concurrent loads, so it must exist from the start.
    op.bulk_insert(meta, [{"key": "boundaries_version", "value": "0"}])


def downgrade() -> None:
    op.drop_table("meta")
    op.drop_index("ix_divisions_geom", table_name="divisions", if_exists=True)
    op.drop_index("ix_divisions_level_bbox", table_name="divisions")
    op.drop_index("ix_divisions_parent_code", table_name="divisions")
    op.drop_index("ix_divisions_level", table_name="divisions")
    op.drop_table("divisions")
