"""When two writers meet: which database errors mean "someone else is writing, try again",
the one lock that puts key-point imports in a row, and a retry for short transactions.

The dialect difference lives here and nowhere else in the module: SQLite has one write lock
per file (taken by a first statement that writes, waiting up to a busy timeout); PostgreSQL
gets a transaction-scoped advisory lock with a lock timeout.
"""

from __future__ import annotations

import logging
import random
import time
import zlib
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from modules.sdk import dialect_name

LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available (lock_timeout).
BUSY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
BUSY_WORDS = ("database is locked", "database table is locked", "could not obtain lock")
IMPORT_LOCK_KEY = zlib.crc32(b"onemap.flood.points.import")


class Busy(RuntimeError):
    """Another writer held the database for longer than we wait: try again later."""


def is_busy(error: BaseException) -> bool:
    """True for a locked database, a serialization failure, a deadlock or a lock timeout:
    the same transaction run again later is expected to succeed."""
    if not isinstance(error, DBAPIError) or isinstance(error, IntegrityError):
        return False
    original = error.orig
    if getattr(original, "pgcode", None) in BUSY_SQLSTATES:
        return True
    return any(word in str(original).lower() for word in BUSY_WORDS)


def retrying(
    work: Callable[[], T],
    attempts: int = 8,
    also: tuple[type[BaseException], ...] = (),
) -> T:
    """Run `work` (a whole transaction: it opens, commits and closes its own session) again
    when the database was busy, or raised one of `also`, with a short random pause; the
    last failure is raised as it is."""
    for attempt in range(attempts):
        try:
            return work()
        except Exception as error:
            if attempt == attempts - 1 or not (is_busy(error) or isinstance(error, also)):
                raise
            LOGGER.info("database busy (%s), attempt %d again", type(error).__name__, attempt + 2)
            time.sleep(random.uniform(0.005, 0.03) * (attempt + 1))
    raise AssertionError("unreachable")


def write_first(session: Session, table: str) -> None:
    """On SQLite, take the file's write lock now, as the transaction's first statement,
    waiting for it up to the busy timeout: a transaction that reads first and writes later
    is refused at once when another committed meanwhile. No effect on PostgreSQL, whose
    writers do not block readers. `table` is one of the module's own (a constant)."""
    if dialect_name(session) == "sqlite":
        # A write that matches no row: the lock without a change.
        session.execute(text(f"UPDATE {table} SET id = id WHERE 0"))


def lock_for_import(session: Session, wait_seconds: float) -> None:
    """Take the key-point import lock for the rest of the session's transaction, waiting up
    to `wait_seconds` for an import still writing; must be the transaction's first
    statement (on SQLite a read before it would pin an older snapshot). Raises Busy."""
    wait_ms = max(1, int(wait_seconds * 1000))
    try:
        if dialect_name(session) == "sqlite":
            previous = session.execute(text("PRAGMA busy_timeout")).scalar()
            session.execute(text(f"PRAGMA busy_timeout = {wait_ms}"))
            try:
                # The snapshot read after it includes every import committed before.
                write_first(session, "flood_key_points")
            finally:
                session.execute(text(f"PRAGMA busy_timeout = {int(previous or 0)}"))
        else:
            session.execute(text(f"SET LOCAL lock_timeout = {wait_ms}"))
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
    except DBAPIError as error:
        if is_busy(error):
            raise Busy(str(error.orig)) from error
        raise
