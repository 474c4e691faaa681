"""The `onemap` command when the database is locked, gone or full: one sentence on stderr, a
non-zero exit (75, "try again later", for busy and unreachable), never a traceback, and
nothing changed."""

from __future__ import annotations

import csv
import io
import sqlite3
import threading

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from app import cli
from layers import repository
from store import engine as store_engine
from store.engine import get_engine, make_session
from tests.app_fixtures import database_for, release
from tests.store.filled import every_row as snapshot

ENGINES = ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
ADD_USER = ("users", "add", "zhang.san", "--role", "staff", "--jurisdiction", "350304100")


def run_cli(monkeypatch, capsys, url: str, *argv: str) -> tuple[int, str, str]:
    monkeypatch.setenv("ONEMAP_DATABASE_URL", url)
    monkeypatch.setenv("ONEMAP_DEMO", "0")
    try:
        status = cli.main(list(argv))
    finally:
        release(url)  # the next command (or test) builds its engine with its own settings
    out, err = capsys.readouterr()
    return status, out, err


def one_sentence(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip() and " INFO " not in line]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "sqlalchemy" not in err.lower(), err
    return lines[0]


@pytest.fixture(params=ENGINES)
def app_database(request):
    with database_for(request, "cli", None, request.param) as url:
        yield url


def test_a_command_on_a_locked_database_waits_then_says_busy(app_database, monkeypatch, capsys):
    """Another writer holds the lock past the wait: one sentence, exit 75, no user added."""
    url = app_database
    sqlite = url.startswith("sqlite")
    monkeypatch.setattr(store_engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(store_engine, "PG_LOCK_TIMEOUT_MS", 200)
    holder_engine = store_engine.build_engine(url)
    before = snapshot(holder_engine)
    if sqlite:
        holder = sqlite3.connect(holder_engine.url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        holder = holder_engine.connect()
        holder.execute(text("LOCK TABLE users IN EXCLUSIVE MODE"))
    try:
        status, out, err = run_cli(monkeypatch, capsys, url, *ADD_USER)
    finally:
        holder.rollback()
        holder.close()
    sentence = one_sentence(err)
    assert status == cli.EXIT_TEMPFAIL
    assert sentence.startswith("onemap: the database is busy") and "try again" in sentence
    assert "zhang.san" not in out
    assert snapshot(holder_engine) == before
    holder_engine.dispose()


def test_a_lock_released_within_the_wait_lets_the_command_through(request, monkeypatch, capsys):
    """Two commands at once on the SQLite file: the second waits for the first's lock, then
    succeeds (it read before writing: without BEGIN IMMEDIATE it was refused at once)."""
    with database_for(request, "cli", None, "sqlite") as url:
        database = make_url(url).database
        holder = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        timer = threading.Timer(0.4, holder.rollback)
        timer.start()
        try:
            status, out, err = run_cli(monkeypatch, capsys, url, *ADD_USER)
        finally:
            timer.join()
            holder.close()
    assert status == 0, err
    assert "user zhang.san added" in out


@pytest.mark.postgis
def test_an_unreachable_database_is_one_sentence(monkeypatch, capsys):
    url = "postgresql+psycopg2://postgres@127.0.0.1:9/onemap"  # nothing listens on port 9
    status, out, err = run_cli(monkeypatch, capsys, url, "users", "list")
    sentence = one_sentence(err)
    assert status == cli.EXIT_TEMPFAIL and out == ""
    assert sentence.startswith("onemap: the database cannot be reached")


def key_points_csv(sessions, rows: int) -> bytes:
    with sessions() as session:
        point = repository.get_division(session, "350304100").geom.representative_point()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["名称", "类别", "风险等级", "责任人", "联系电话", "巡查周期（天）", "经度", "纬度"]
    )  # noqa: E501
    for number in range(rows):
        writer.writerow([f"满盘测试点{number}", "水库山塘", "红", "余", "", "7", point.x, point.y])
    return buffer.getvalue().encode("utf-8")


def test_a_full_disk_during_an_import_says_so_and_changes_nothing(
    request, tmp_path, monkeypatch, capsys
):
    """SQLITE_FULL half-way (PRAGMA max_page_count on every connection of the command's
    engine): a sentence about the disk, exit 1, not one row of the write stored."""
    with database_for(request, "full", None, "sqlite") as url:
        engine = get_engine(url)
        before = snapshot(engine)
        with engine.connect() as connection:
            pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
        file = tmp_path / "points.csv"
        file.write_bytes(key_points_csv(make_session(engine), 3000))

        @event.listens_for(engine, "connect")
        def _cap(dbapi_connection, _record) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 2}")

        engine.dispose()  # every connection from now on is capped
        monkeypatch.setenv("ONEMAP_DATABASE_URL", url)
        monkeypatch.setenv("ONEMAP_DEMO", "0")
        status = cli.main(["flood", "import", str(file)])
        out, err = capsys.readouterr()
        event.remove(engine, "connect", _cap)
        engine.dispose()
        after = snapshot(engine)
    assert status == 1, (out, err)
    assert "disk is full" in err or "磁盘已满" in (out + err), (out, err)
    assert "Traceback" not in err
    assert after == before
