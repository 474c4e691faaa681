"""Writers under pressure, on both engines: `write_transaction` waits for the lock and runs a
refused transaction again; every connection has its busy timeout and pool settings; a
failure of the machine reads as one sentence (store.faults)."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from store import engine as store_engine
from store.engine import make_session
from store.faults import (
    BUSY,
    CANNOT_OPEN_FAULT,
    DISK_FULL,
    UNREACHABLE,
    fault_of,
    retryable,
)
from store.models import Meta
from store.transactions import write_transaction


def add_once(key: str):
    """Work that reads, then writes: the kind SQLite refuses half-way without BEGIN
    IMMEDIATE, and two PostgreSQL transactions race on (one gets a duplicate key)."""

    def work(session) -> str:
        if session.get(Meta, key) is not None:
            return "duplicate"
        session.add(Meta(key=key, value="1"))
        session.flush()
        return "accepted"

    return work


def eight_at_once(sessions, key: str) -> list[str]:
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def post() -> None:
        barrier.wait()
        try:
            outcomes.append(write_transaction(sessions, add_once(key), retry_on=(IntegrityError,)))
        except Exception as error:  # noqa: BLE001 - the test counts every failure
            outcomes.append(f"error: {error}")

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_eight_identical_writes_at_once_give_one_accepted_and_no_error(engine: Engine) -> None:
    """The readings bug, twelve rounds of eight at once: exactly one is stored, seven find
    it, none fails."""
    sessions = make_session(engine)
    for round_ in range(12):
        outcomes = eight_at_once(sessions, f"reading-{round_}")
        assert sorted(outcomes) == ["accepted"] + ["duplicate"] * 7, outcomes
    with sessions() as session:
        assert len(session.scalars(select(Meta.key).where(Meta.key.like("reading-%"))).all()) == 12


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_writer_waits_for_a_lock_held_past_the_busy_timeout_then_gets_in(
    engine: Engine, monkeypatch
) -> None:
    """Another process holds the write lock for longer than one busy timeout: the first
    attempt is refused, a later one gets in, and the row is written once."""
    monkeypatch.setattr(store_engine, "SQLITE_BUSY_TIMEOUT_MS", 100)
    engine.dispose()  # new connections take the short timeout
    holder = sqlite3.connect(engine.url.database, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, holder.rollback)
    release.start()
    try:
        result = write_transaction(make_session(engine), add_once("after-the-lock"))
    finally:
        release.join()
        holder.close()
    assert result == "accepted"
    with make_session(engine)() as session:
        assert session.get(Meta, "after-the-lock").value == "1"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_lock_held_too_long_ends_in_a_busy_fault_and_no_write(engine, monkeypatch) -> None:
    monkeypatch.setattr(store_engine, "SQLITE_BUSY_TIMEOUT_MS", 50)
    engine.dispose()
    holder = sqlite3.connect(engine.url.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError) as raised:
            write_transaction(make_session(engine), add_once("never"), attempts=3, budget_s=1)
    finally:
        holder.close()
    assert fault_of(raised.value) is BUSY
    with make_session(engine)() as session:
        assert session.get(Meta, "never") is None


@pytest.mark.parametrize("engine", ["postgis"], indirect=True)
@pytest.mark.postgis
def test_a_connection_killed_mid_transaction_is_retried_on_a_new_one(engine: Engine) -> None:
    """A PostgreSQL restart (its connections terminated) during the work: the transaction
    is rolled back by the server, run again on a fresh connection, and written once."""
    attempts: list[int] = []

    def work(session) -> str:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
        attempts.append(pid)
        if len(attempts) == 1:
            session.add(Meta(key="killed", value="first"))
            session.flush()
            with engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            session.execute(text("SELECT 1"))  # the server is gone for this connection
        return add_once("restarted")(session)

    assert write_transaction(make_session(engine), work) == "accepted"
    assert len(attempts) == 2 and attempts[0] != attempts[1]
    with make_session(engine)() as session:
        assert session.get(Meta, "killed") is None  # the first attempt's write rolled back
        assert session.get(Meta, "restarted").value == "1"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_full_disk_rolls_the_whole_write_back_and_says_so(engine: Engine) -> None:
    """SQLITE_FULL (PRAGMA max_page_count) half-way through a large write: nothing of it is
    stored, it is not retried, and it reads as a full disk (507), not as "busy"."""
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()

    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _cap(dbapi_connection, _record) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 3}")

    engine.dispose()
    calls = []

    def work(session) -> None:
        calls.append(1)
        for number in range(2000):
            session.add(Meta(key=f"row-{number}", value="x" * 200))
        session.flush()

    with pytest.raises(OperationalError) as raised:
        write_transaction(make_session(engine), work)
    fault = fault_of(raised.value)
    assert fault is DISK_FULL and fault.status == 507 and "磁盘已满" in fault.text_zh
    assert calls == [1]
    with make_session(engine)() as session:
        assert session.scalars(select(Meta.key).where(Meta.key.like("row-%"))).all() == []


def test_every_connection_waits_for_locks_and_the_pool_recovers_by_itself(engine) -> None:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
            assert timeout == store_engine.SQLITE_BUSY_TIMEOUT_MS
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        else:
            lock = connection.exec_driver_sql("SHOW lock_timeout").scalar()
            assert lock == f"{store_engine.PG_LOCK_TIMEOUT_MS // 1000}s"
            assert engine.pool._pre_ping
    assert engine.pool.size() == store_engine.POOL_SIZE
    assert engine.pool._timeout == store_engine.POOL_TIMEOUT_S


def dbapi_error(message: str, pgcode: str | None = None, invalidated: bool = False):
    original = Exception(message)
    original.pgcode = pgcode
    return OperationalError("SELECT 1", {}, original, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (dbapi_error("database is locked"), BUSY),
        (dbapi_error("could not serialize access", "40001"), BUSY),
        (dbapi_error("canceling statement due to lock timeout", "55P03"), BUSY),
        (PoolTimeout("QueuePool limit of size 10 overflow 20 reached"), BUSY),
        (dbapi_error("database or disk is full"), DISK_FULL),
        (
            dbapi_error('could not extend file "base/1/2": No space left on device', "53100"),
            DISK_FULL,
        ),
        (OSError(28, "No space left on device"), DISK_FULL),
        (dbapi_error("terminating connection due to administrator command", "57P01"), UNREACHABLE),
        (dbapi_error("server closed the connection unexpectedly", invalidated=True), UNREACHABLE),
        (
            dbapi_error('connection to server at "localhost" failed: Connection refused'),
            UNREACHABLE,
        ),
        (dbapi_error("unable to open database file"), CANNOT_OPEN_FAULT),
        (dbapi_error("no such table: meta"), None),
        (IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: meta.key")), None),
        (ValueError("bad input"), None),
    ],
)
def test_faults_read_as_busy_full_or_unreachable(error, expected) -> None:
    assert fault_of(error) is expected
    assert retryable(error) == (expected in (BUSY, UNREACHABLE))
    if expected is not None:
        assert "请" in expected.text_zh and "未" in expected.text_zh  # what to do; nothing done
        assert "Error" not in expected.text and "Traceback" not in expected.text
