"""Sources: one ingest token for a provider's stations.

Revision ID: flood_0003
Revises: flood_0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "flood_0003"
down_revision: str | Sequence[str] | None = "flood_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flood_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_flood_sources"),
        sa.UniqueConstraint("name", name="uq_flood_sources_name"),
        sa.UniqueConstraint("token_hash", name="uq_flood_sources_token_hash"),
    )
    op.create_table(
        "flood_source_stations",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source_id", "station_id", name="pk_flood_source_stations"),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["flood_sources.id"],
            name="fk_flood_source_stations_source_id_flood_sources",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["flood_stations.id"],
            name="fk_flood_source_stations_station_id_flood_stations",
        ),
    )


def downgrade() -> None:
    op.drop_table("flood_source_stations")
    op.drop_table("flood_sources")
