"""Bulk loading of value rows (the demo, the benchmark): COPY on PostgreSQL, Core's
executemany on SQLite. The one place the ledger branches on the engine."""

from __future__ import annotations

import csv
import io

from sqlalchemy import insert
from sqlalchemy.orm import Session

from modules.ledger.models import LedgerValue
from modules.sdk import dialect_name

COLUMNS = (
    "tag_code",
    "unit_code",
    "period",
    "value",
    "number",
    "changed_by",
    "changed_at",
    "channel",
    "demo",
)
BATCH = 20_000


def insert_values(session: Session, rows: list[dict]) -> None:
    """Insert value rows (dicts with COLUMNS) in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    if dialect_name(session) == "postgresql":
        # COPY is several times faster than multi-row INSERTs for a few hundred thousand rows.
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow(_csv(row[name]) for name in COLUMNS)
        buffer.seek(0)
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.copy_expert(
                f"COPY ledger_values ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv)", buffer
            )
        finally:
            cursor.close()
        return
    # Core's executemany: one statement per batch (the ORM's bulk insert splits rows by
    # which columns are empty: thousands of round trips).
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(LedgerValue.__table__), rows[start : start + BATCH])


def _csv(value: object) -> object:
    # COPY's csv format reads an unquoted empty field as NULL.
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
