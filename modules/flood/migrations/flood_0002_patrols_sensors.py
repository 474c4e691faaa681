"""Patrol campaigns and inspections; sensor stations and their readings.

Revision ID: flood_0002
Revises: flood_0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from modules.sdk import UTCDateTime

revision: str = "flood_0002"
down_revision: str | Sequence[str] | None = "flood_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0003_signals"


def upgrade() -> None:
    op.create_table(
        "flood_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("jurisdiction_code", sa.String(12), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_flood_campaigns"),
    )
    op.create_index(
        "ix_flood_campaigns_jurisdiction_code", "flood_campaigns", ["jurisdiction_code"]
    )
    op.create_table(
        "flood_inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("inspector", sa.String(64), nullable=False),
        sa.Column("inspected_at", UTCDateTime(), nullable=False),
        sa.Column("result", sa.String(8), nullable=False),
        sa.Column("hazard", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("photo_type", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_flood_inspections"),
        sa.ForeignKeyConstraint(
            ["point_id"],
            ["flood_key_points.id"],
            name="fk_flood_inspections_point_id_flood_key_points",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["flood_campaigns.id"],
            name="fk_flood_inspections_campaign_id_flood_campaigns",
        ),
        sa.CheckConstraint(
            "result IN ('ok', 'hazard', 'fixed')", name="ck_flood_inspections_result"
        ),
    )
    op.create_index("ix_flood_inspections_point_id", "flood_inspections", ["point_id"])
    op.create_index("ix_flood_inspections_campaign_id", "flood_inspections", ["campaign_id"])
    op.create_table(
        "flood_stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("river", sa.String(50), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("village_code", sa.String(12), nullable=False),
        sa.Column("rain_1h", sa.Float(), nullable=True),
        sa.Column("rain_3h", sa.Float(), nullable=True),
        sa.Column("rain_24h", sa.Float(), nullable=True),
        sa.Column("warning_level", sa.Float(), nullable=True),
        sa.Column("guarantee_level", sa.Float(), nullable=True),
        sa.Column("level_min", sa.Float(), nullable=True),
        sa.Column("level_max", sa.Float(), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_flood_stations"),
        sa.UniqueConstraint("code", name="uq_flood_stations_code"),
        sa.UniqueConstraint("token_hash", name="uq_flood_stations_token_hash"),
        sa.CheckConstraint("kind IN ('rain', 'level')", name="ck_flood_stations_kind"),
    )
    op.create_index("ix_flood_stations_village_code", "flood_stations", ["village_code"])
    op.create_table(
        "flood_readings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_flood_readings"),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["flood_stations.id"],
            name="fk_flood_readings_station_id_flood_stations",
        ),
        sa.UniqueConstraint("station_id", "at", name="uq_flood_readings_station_id_at"),
    )


def downgrade() -> None:
    op.drop_table("flood_readings")
    op.drop_index("ix_flood_stations_village_code", table_name="flood_stations")
    op.drop_table("flood_stations")
    op.drop_index("ix_flood_inspections_campaign_id", table_name="flood_inspections")
    op.drop_index("ix_flood_inspections_point_id", table_name="flood_inspections")
    op.drop_table("flood_inspections")
    op.drop_index("ix_flood_campaigns_jurisdiction_code", table_name="flood_campaigns")
    op.drop_table("flood_campaigns")
