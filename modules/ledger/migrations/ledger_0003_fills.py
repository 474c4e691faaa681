"""The months in which each cell turns filled or blank (ledger_fills), kept by triggers on
ledger_values, so completeness reads a row or two per cell instead of every month's value.

A fill row stands for a value row whose filledness (value present) differs from the row
before it in the same cell (or from blank, for the first). A change of the row at month p
can only change the fill rows at p and at the cell's next row after p, so each trigger
recomputes that span alone: the same rule on both engines, per row on SQLite (which has no
statement triggers); on PostgreSQL per statement for inserts and deletes (one set-based pass
for a COPY of a million rows) and per row for updates that change what a fill depends on.

Revision ID: ledger_0003
Revises: ledger_0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ledger_0003"
down_revision: str | Sequence[str] | None = "ledger_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every cell's fills from the values already kept (the backfill of an existing database).
BACKFILL = """
INSERT INTO ledger_fills (tag_code, unit_code, period, filled)
SELECT tag_code, unit_code, period, filled FROM (
    SELECT tag_code, unit_code, period, value IS NOT NULL AS filled,
           LAG(value IS NOT NULL) OVER (
               PARTITION BY tag_code, unit_code ORDER BY period
           ) AS before
    FROM ledger_values
) AS rows_in_order
WHERE filled <> COALESCE(before, FALSE)
"""


# Fills depend on a row's cell, month and whether its value is blank: an update that
# changes none of these (a figure corrected, the usual case) has nothing to refresh. The
# ORM's bulk UPDATE by primary key is one statement per row, so on PostgreSQL too the
# update trigger is per row, with this condition checked before any function is called.
REFRESH_WHEN = (
    "(OLD.value IS NULL) <> (NEW.value IS NULL) OR OLD.period <> NEW.period"
    " OR OLD.tag_code <> NEW.tag_code OR OLD.unit_code <> NEW.unit_code"
)


def _next(row: str) -> str:
    """SQLite: the month of the cell's next row after `row` (OLD, NEW or v), or NULL."""
    return (
        f"(SELECT MIN(n.period) FROM ledger_values AS n WHERE n.tag_code = {row}.tag_code"
        f" AND n.unit_code = {row}.unit_code AND n.period > {row}.period)"
    )


def _before_filled(row: str) -> str:
    """SQLite: whether the cell's row before `row` holds a value (no row before: blank)."""
    return (
        "COALESCE((SELECT w.value IS NOT NULL FROM ledger_values AS w"
        f" WHERE w.tag_code = {row}.tag_code AND w.unit_code = {row}.unit_code"
        f" AND w.period < {row}.period ORDER BY w.period DESC LIMIT 1), FALSE)"
    )


def _refresh(row: str) -> str:
    """SQLite, a changed row (OLD or NEW): recompute the fills from its month to the cell's
    next row."""
    cell = f"tag_code = {row}.tag_code AND unit_code = {row}.unit_code"
    span = f"BETWEEN {row}.period AND COALESCE({_next(row)}, {row}.period)"
    return (
        f"DELETE FROM ledger_fills WHERE {cell} AND period {span};\n"
        "INSERT INTO ledger_fills (tag_code, unit_code, period, filled)"
        " SELECT v.tag_code, v.unit_code, v.period, v.value IS NOT NULL FROM ledger_values AS v"
        f" WHERE v.tag_code = {row}.tag_code AND v.unit_code = {row}.unit_code"
        f" AND v.period {span}"
        f" AND (v.value IS NOT NULL) <> {_before_filled('v')};\n"
    )


# An insert, the bulk loads' case, in fewer lookups (half the time of the general refresh):
# no fill was at the new month; the new row's fill is against the row before it, and the
# next row's is now against the new row.
_INSERTED = (
    "INSERT INTO ledger_fills (tag_code, unit_code, period, filled)"
    " SELECT NEW.tag_code, NEW.unit_code, NEW.period, NEW.value IS NOT NULL"
    f" WHERE (NEW.value IS NOT NULL) <> {_before_filled('NEW')};\n"
    "DELETE FROM ledger_fills WHERE tag_code = NEW.tag_code AND unit_code = NEW.unit_code"
    f" AND period = {_next('NEW')};\n"
    "INSERT INTO ledger_fills (tag_code, unit_code, period, filled)"
    " SELECT v.tag_code, v.unit_code, v.period, v.value IS NOT NULL FROM ledger_values AS v"
    " WHERE v.tag_code = NEW.tag_code AND v.unit_code = NEW.unit_code"
    f" AND v.period = {_next('NEW')} AND (v.value IS NOT NULL) <> (NEW.value IS NOT NULL);\n"
)
SQLITE_TRIGGERS = {  # name -> (when, body)
    "ledger_fills_on_insert": ("AFTER INSERT ON ledger_values FOR EACH ROW", _INSERTED),
    "ledger_fills_on_update": (
        f"AFTER UPDATE OF tag_code, unit_code, period, value ON ledger_values FOR EACH ROW"
        f" WHEN {REFRESH_WHEN}",
        _refresh("OLD") + _refresh("NEW"),
    ),
    "ledger_fills_on_delete": ("AFTER DELETE ON ledger_values FOR EACH ROW", _refresh("OLD")),
}

# PostgreSQL: the same spans for a whole statement's rows, in three set-based statements.
PG_REFRESH = """
CREATE FUNCTION ledger_fills_refresh(tags text[], units text[], months integer[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    span_tags text[];
    span_units text[];
    firsts integer[];
    lasts integer[];
BEGIN
    SELECT array_agg(c.tag_code), array_agg(c.unit_code), array_agg(c.period),
           array_agg(COALESCE(n.period, c.period))
    INTO span_tags, span_units, firsts, lasts
    FROM (SELECT DISTINCT * FROM unnest(tags, units, months) AS u(tag_code, unit_code, period)) c
    LEFT JOIN LATERAL (
        SELECT v.period FROM ledger_values v
        WHERE v.tag_code = c.tag_code AND v.unit_code = c.unit_code AND v.period > c.period
        ORDER BY v.period LIMIT 1
    ) n ON TRUE;
    DELETE FROM ledger_fills f
    USING unnest(span_tags, span_units, firsts, lasts) AS s(tag_code, unit_code, first, last)
    WHERE f.tag_code = s.tag_code AND f.unit_code = s.unit_code
      AND f.period BETWEEN s.first AND s.last;
    -- Spans of neighbouring changed rows share an end: DISTINCT keeps one fill for it.
    INSERT INTO ledger_fills (tag_code, unit_code, period, filled)
    SELECT DISTINCT v.tag_code, v.unit_code, v.period, v.value IS NOT NULL
    FROM unnest(span_tags, span_units, firsts, lasts) AS s(tag_code, unit_code, first, last)
    JOIN ledger_values v ON v.tag_code = s.tag_code AND v.unit_code = s.unit_code
     AND v.period BETWEEN s.first AND s.last
    WHERE (v.value IS NOT NULL) <> COALESCE((
        SELECT w.value IS NOT NULL FROM ledger_values w
        WHERE w.tag_code = v.tag_code AND w.unit_code = v.unit_code AND w.period < v.period
        ORDER BY w.period DESC LIMIT 1), FALSE);
END $$
"""
PG_CHANGED = """
CREATE FUNCTION ledger_fills_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tags text[];
    units text[];
    months integer[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM ledger_fills;
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM ledger_fills_refresh(
            ARRAY[OLD.tag_code, NEW.tag_code], ARRAY[OLD.unit_code, NEW.unit_code],
            ARRAY[OLD.period, NEW.period]);
    ELSE
        IF TG_OP = 'INSERT' THEN
            SELECT array_agg(tag_code), array_agg(unit_code), array_agg(period)
            INTO tags, units, months FROM new_rows;
        ELSE
            SELECT array_agg(tag_code), array_agg(unit_code), array_agg(period)
            INTO tags, units, months FROM old_rows;
        END IF;
        IF tags IS NOT NULL THEN
            PERFORM ledger_fills_refresh(tags, units, months);
        END IF;
    END IF;
    RETURN NULL;
END $$
"""
PG_TRIGGERS = {
    "ledger_fills_on_insert": "AFTER INSERT ON ledger_values REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT",
    "ledger_fills_on_update": f"AFTER UPDATE ON ledger_values FOR EACH ROW WHEN ({REFRESH_WHEN})",
    "ledger_fills_on_delete": "AFTER DELETE ON ledger_values REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT",
    "ledger_fills_on_truncate": "AFTER TRUNCATE ON ledger_values FOR EACH STATEMENT",
}


def upgrade() -> None:
    op.create_table(
        "ledger_fills",
        sa.Column("tag_code", sa.String(16), nullable=False),
        sa.Column("unit_code", sa.String(12), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("filled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("tag_code", "unit_code", "period", name="pk_ledger_fills"),
    )
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_REFRESH)
        op.execute(PG_CHANGED)
        for name, when in PG_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION ledger_fills_changed()")
        return
    for name, (when, body) in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN\n{body}END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON ledger_values")
        op.execute("DROP FUNCTION IF EXISTS ledger_fills_changed()")
        op.execute("DROP FUNCTION IF EXISTS ledger_fills_refresh(text[], text[], integer[])")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("ledger_fills")
