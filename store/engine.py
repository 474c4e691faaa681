"""Engines and sessions: one engine per database URL and process."""

from __future__ import annotations

import contextvars
import functools
import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

LOGGER = logging.getLogger(__name__)

DATABASE_URL_ENV = "ONEMAP_DATABASE_URL"
DEFAULT_SQLITE_PATH = Path("var") / "onemap.sqlite"
# Milliseconds a writer waits for another writer's lock before SQLite gives up.
SQLITE_BUSY_TIMEOUT_MS = 5000
# Connections per process: `onemap run` serves with 16 threads (app/cli.py) and the workers
# run beside them; past pool_size + max_overflow a request waits POOL_TIMEOUT_S for one,
# then fails (sqlalchemy.exc.TimeoutError: "busy, try again", see store/faults.py).
POOL_SIZE = 10
POOL_MAX_OVERFLOW = 20
POOL_TIMEOUT_S = 10
# PostgreSQL: give up connecting after this long, and a lock wait (a row another transaction
# is changing, a migration's ALTER) after this long, instead of hanging a request forever.
PG_CONNECT_TIMEOUT_S = 5
PG_LOCK_TIMEOUT_MS = 10_000
# A server that died without closing its sockets (power cut, network gone) is noticed by TCP
# keepalives after about idle + interval * count seconds instead of the kernel's two hours.
PG_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def default_database_url(root: Path) -> str:
    """The embedded default: the SQLite file `var/onemap.sqlite` under the project root."""
    return f"sqlite:///{(Path(root) / DEFAULT_SQLITE_PATH).resolve().as_posix()}"


def database_url(root: Path) -> str:
    """`ONEMAP_DATABASE_URL` when set, else the embedded SQLite default."""
    configured = os.environ.get(DATABASE_URL_ENV, "").strip()
    return configured or default_database_url(root)


def build_engine(url: str) -> Engine:
    """A new engine for `url`, configured for OneMap. Prefer `get_engine` outside tests."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(
            url,
            # A PostgreSQL restart leaves every pooled connection dead: pre_ping tests each
            # one as it is checked out and reconnects, so the next page view works.
            pool_pre_ping=True,
            pool_size=POOL_SIZE,
            max_overflow=POOL_MAX_OVERFLOW,
            pool_timeout=POOL_TIMEOUT_S,
            # Firewalls and poolers drop connections idle for long; renew them first.
            pool_recycle=1800,
            connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S, **PG_KEEPALIVES},
        )
        _configure_postgresql(engine)
        return engine

    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    pool = {}
    if database and database != ":memory:":  # a file: a QueuePool, sized as PostgreSQL's
        pool = {
            "pool_size": POOL_SIZE,
            "max_overflow": POOL_MAX_OVERFLOW,
            "pool_timeout": POOL_TIMEOUT_S,
        }
    engine = create_engine(url, **pool)
    _configure_sqlite(engine)
    return engine


@functools.cache
def get_engine(url: str) -> Engine:
    """The engine for `url`, created once per process: connection pools belong to an engine,
    and two engines on one SQLite file would only contend for its write lock."""
    return build_engine(url)


def make_session(engine: Engine) -> sessionmaker[Session]:
    """A session factory; objects stay readable after commit (Dash callbacks render them later)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


T = TypeVar("T")
_IMMEDIATE = contextvars.ContextVar("sqlite_begin_immediate", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """SQLite transactions begun inside take the write lock at BEGIN (BEGIN IMMEDIATE),
    waiting for it up to the busy timeout, so they cannot fail later when they write after
    reading. For short transactions that will write; open no second session inside (it
    would wait for this one's lock). No effect on PostgreSQL."""
    token = _IMMEDIATE.set(True)
    try:
        yield
    finally:
        _IMMEDIATE.reset(token)


def retrying_locked(work: Callable[[], T], attempts: int = 5) -> T:
    """Run `work` (which opens and commits its own transaction) again when SQLite says
    "database is locked". In WAL mode a transaction that has read and then writes, while
    another connection committed in between, is refused at once (SQLITE_BUSY_SNAPSHOT:
    the busy timeout does not apply); the same transaction run again succeeds. Logins are
    where this bites: a shift starting means everyone writes a session row at once."""
    for attempt in range(attempts):
        try:
            return work()
        except OperationalError as error:
            if "database is locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1) + random.uniform(0, 0.03))
    raise AssertionError("unreachable")


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Outside a transaction, so the setting outlives it; a URL's own `options` still
        # apply (this runs after the connection is made with them).
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"SET lock_timeout = {PG_LOCK_TIMEOUT_MS}")
        finally:
            cursor.close()
            dbapi_connection.autocommit = autocommit


def dialect_name(bind: Engine | Connection | Session) -> str:
    """'sqlite' or 'postgresql' for an engine, a connection or a session."""
    if isinstance(bind, Session):
        return bind.get_bind().dialect.name
    return bind.dialect.name


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # The sqlite3 driver's legacy mode never BEGINs before DDL or SELECT, so migrations
        # would not be atomic and reads not repeatable; SQLAlchemy emits BEGIN instead (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # WAL lets the map keep reading while a loader or an import writes.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _IMMEDIATE.get() else "BEGIN")
