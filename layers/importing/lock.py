"""One boundaries import at a time per database, across threads and processes.

Two imports planned from the same stored boundaries cannot both be right: the second would
be computed around polygons the first is replacing. The version check in `writing` already
refuses a stale plan; this lock keeps the second from computing one at all. It waits a
bounded time for the first to finish, then gives up with `ImportBusy`.

The lock dies with its holder, so an import killed at any moment never leaves it behind:
on PostgreSQL a session-level advisory lock (released when the connection ends), on SQLite
an flock on a file beside the database (released when the process ends). This is the one
place where the two engines differ.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

try:
    import fcntl
except ImportError:  # Windows: imports in one process still exclude each other
    fcntl = None  # type: ignore[assignment]

LOGGER = logging.getLogger(__name__)

# The advisory lock's key: any fixed 64-bit number no other part of OneMap uses.
ADVISORY_KEY = int.from_bytes(
    hashlib.sha256(b"onemap.boundaries.import").digest()[:8], "big", signed=True
)
LOCK_SUFFIX = ".import-lock"
_POLL_FIRST, _POLL_MAX = 0.05, 0.5

_local_guard = threading.Lock()
_local_locks: dict[str, threading.Lock] = {}


class ImportBusy(Exception):
    """Another import held the lock for longer than the caller would wait."""

    def __init__(self, waited: float) -> None:
        super().__init__(f"another boundaries import is in progress (waited {waited:.0f} s)")
        self.waited = waited


@contextmanager
def import_lock(engine: Engine, wait_seconds: float) -> Iterator[None]:
    """Hold this database's import lock, waiting at most `wait_seconds` for it."""
    deadline = time.monotonic() + max(wait_seconds, 0.0)
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, deadline):
            yield
        return
    database = engine.url.database or ""
    with _process_lock(engine, deadline):
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database)
            with _file_lock(path.with_name(path.name + LOCK_SUFFIX), deadline):
                yield
        else:
            yield


def _wait(try_once: Callable[[], bool], deadline: float) -> None:
    """Call try_once until it returns True; ImportBusy once the deadline has passed."""
    started = time.monotonic()
    pause = _POLL_FIRST
    while not try_once():
        now = time.monotonic()
        if now >= deadline:
            raise ImportBusy(now - started)
        time.sleep(min(pause, deadline - now))
        pause = min(pause * 2, _POLL_MAX)


@contextmanager
def _advisory_lock(engine: Engine, deadline: float) -> Iterator[None]:
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:

        def try_once() -> bool:
            return bool(
                connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY})
            )

        _wait(try_once, deadline)
        try:
            yield
        finally:
            try:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            except Exception:  # a broken connection: the server released the lock with it
                LOGGER.warning("could not release the import lock; dropping the connection")
                connection.invalidate()
    finally:
        connection.close()


@contextmanager
def _process_lock(engine: Engine, deadline: float) -> Iterator[None]:
    key = str(engine.url)
    with _local_guard:
        lock = _local_locks.setdefault(key, threading.Lock())
    _wait(lambda: lock.acquire(blocking=False), deadline)
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _file_lock(path: Path, deadline: float) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    try:
        handle = path.open("a+b")
    except OSError as error:
        # A read-only folder: the version check in `writing` still keeps imports consistent.
        LOGGER.warning("cannot create the import lock %s (%s); importing without it", path, error)
        yield
        return
    try:

        def try_once() -> bool:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        _wait(try_once, deadline)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
