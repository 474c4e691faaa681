"""`onemap backup FILE` / `onemap restore FILE` on both engines: a restore into an empty
database holds the same rows and serves the same answers; anything that is not a backup of
ours is refused with a sentence and changes nothing; a backup taken while the app writes is
consistent."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import cli
from app.factory import create_app
from store.backup import BackupError, backup, restore
from store.engine import build_engine
from tests.accounts_fixture import log_in
from tests.app_fixtures import release, settings_for
from tests.databases import drop_database
from tests.store.filled import every_row, filled_database

ENGINES = ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
# Answers a user would compare after a restore: a unit's profile, a level's polygons, and a
# list from each module.
ROUTES = (
    "/api/v1/divisions/350304100",
    "/api/v1/layers/town.geojson?parent=350304",
    "/api/v1/flood/points?unit=350304100",
    "/api/v1/flood/campaigns",
    "/api/v1/typhoon/storms",
)


def run_cli(monkeypatch, capsys, url: str, *argv: str) -> tuple[int, str, str]:
    monkeypatch.setenv("ONEMAP_DATABASE_URL", url)
    monkeypatch.setenv("ONEMAP_DEMO", "0")
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def empty_database(request, kind: str, tmp_path: Path) -> str:
    """The URL of a database with nothing in it: a new SQLite path, or a new PostgreSQL
    database without even PostGIS (the restore brings it)."""
    if kind == "sqlite":
        return f"sqlite:///{(tmp_path / 'restored.sqlite').as_posix()}"
    admin, _template = request.getfixturevalue("postgres_template")
    name = f"onemap_restore_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    request.addfinalizer(lambda: drop_database(admin, name))
    return admin.url.set(database=name).render_as_string(hide_password=False)


def answers(url: str) -> dict[str, tuple[int, object]]:
    app = create_app(settings_for(url, load_boundaries=False))
    try:
        client = app.server.test_client()
        assert log_in(client, "city.leader").status_code == 302
        found = {}
        for route in ROUTES:
            response = client.get(route)
            found[route] = (response.status_code, response.get_json())
        return found
    finally:
        release(url)


@pytest.mark.parametrize("kind", ENGINES)
def test_a_restore_into_an_empty_database_serves_the_same_answers(
    request, kind, tmp_path, monkeypatch, capsys
):
    file = tmp_path / "onemap.backup"
    with filled_database(request, "backup", kind) as (url, engine):
        before = every_row(engine)
        status, out, err = run_cli(monkeypatch, capsys, url, "backup", str(file))
        assert (status, err) == (0, ""), err
        assert f"backup written: {file}" in out
        assert [p.name for p in tmp_path.iterdir()] == [file.name]  # no partial file left
        expected = answers(url)

    target = empty_database(request, kind, tmp_path)
    status, out, err = run_cli(monkeypatch, capsys, target, "restore", str(file))
    assert (status, err) == (0, ""), err
    restored = build_engine(target)
    try:
        after = every_row(restored)
    finally:
        restored.dispose()
    assert after == before  # every table, every row, the schema's revisions too
    assert before["divisions"][0] == 1042 and before["flood_key_points"][0] > 1000
    got = answers(target)
    assert all(status == 200 for status, _ in got.values()), got
    assert got == expected

    # The same file again: the database is no longer empty, so nothing is touched.
    status, _, err = run_cli(monkeypatch, capsys, target, "restore", str(file))
    assert status == 1 and "is not empty" in err and "Traceback" not in err


def not_ours(tmp_path: Path, kind: str) -> Path:
    """Files a clerk might pick by mistake, each refused with its own sentence."""
    path = tmp_path / f"{kind}.bak"
    if kind == "text":
        path.write_text("名称,经度,纬度\n", encoding="utf-8")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "other-sqlite":
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE notes (body TEXT)")
        connection.close()
    elif kind == "truncated-sqlite":
        source = tmp_path / "source.sqlite"
        with sqlite3.connect(source) as connection:
            connection.execute("CREATE TABLE meta (key TEXT, value TEXT)")
            rows = [(str(i), "x" * 900) for i in range(400)]
            connection.executemany("INSERT INTO meta VALUES (?, ?)", rows)
        connection.close()
        path.write_bytes(source.read_bytes()[:20_000])
    elif kind == "directory":
        path.mkdir()
    return path


REFUSALS = {
    "text": "is not a OneMap backup",
    "empty": "is not a OneMap backup",
    "other-sqlite": "not a OneMap backup (no alembic_version, meta, divisions table)",
    "truncated-sqlite": "is damaged",
    "directory": "is a directory",
    "missing": "no such file",
}


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_restore_refuses_a_file_that_is_not_our_backup(tmp_path, monkeypatch, capsys, kind):
    target = tmp_path / "target.sqlite"
    file = not_ours(tmp_path, kind) if kind != "missing" else tmp_path / "nothing.bak"
    status, out, err = run_cli(
        monkeypatch, capsys, f"sqlite:///{target.as_posix()}", "restore", str(file)
    )
    assert status == 1 and out == ""
    assert REFUSALS[kind] in err and len(err.strip().splitlines()) == 1, err
    assert not target.exists()  # nothing was created, let alone changed


@pytest.mark.postgis
def test_a_pg_restore_refuses_truncated_foreign_and_sqlite_files(request, tmp_path):
    with filled_database(request, "pgdump", "postgis") as (url, _engine):
        dump = backup(url, tmp_path / "whole.dump").path
    target = empty_database(request, "postgis", tmp_path)
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(dump.read_bytes()[:30_000])
    with pytest.raises(BackupError, match="is damaged or not a pg_dump archive"):
        restore(target, truncated)
    foreign = backup(target, tmp_path / "foreign.dump").path  # a dump of an empty database
    with pytest.raises(BackupError, match="not of a OneMap database"):
        restore(target, foreign)
    sqlite_file = tmp_path / "ours.sqlite"
    with sqlite3.connect(sqlite_file) as connection:
        for table in ("alembic_version", "meta", "divisions"):
            connection.execute(f"CREATE TABLE {table} (x)")
    connection.close()
    with pytest.raises(BackupError, match="backup of a SQLite database but the configured"):
        restore(target, sqlite_file)
    engine = build_engine(target)
    try:
        with engine.connect() as connection:
            tables = connection.scalar(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            )
    finally:
        engine.dispose()
    assert tables == 0


def test_a_sqlite_backup_taken_while_the_app_writes_is_consistent(tmp_path):
    """Each write adds two rows in one transaction; every backup, taken in the middle of
    the writes, holds an even number: a moment of the database, never half a write."""
    database = tmp_path / "live.sqlite"
    engine = build_engine(f"sqlite:///{database.as_posix()}")
    with engine.begin() as connection:
        for table in ("alembic_version", "meta", "divisions"):
            connection.execute(text(f"CREATE TABLE {table} (x)"))
        connection.execute(text("CREATE TABLE pairs (n INTEGER, payload TEXT)"))
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            with engine.begin() as connection:
                for _ in range(2):
                    connection.execute(
                        text("INSERT INTO pairs VALUES (:n, :p)"), {"n": n, "p": "x" * 500}
                    )
                    n += 1

    writer = threading.Thread(target=write)
    writer.start()
    counts = []
    try:
        for round_ in range(5):
            copy = backup(f"sqlite:///{database.as_posix()}", tmp_path / f"b{round_}.sqlite")
            with sqlite3.connect(copy.path) as connection:
                counts.append(connection.execute("SELECT count(*) FROM pairs").fetchone()[0])
                assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            connection.close()
    finally:
        stop.set()
        writer.join()
        engine.dispose()
    assert all(count % 2 == 0 for count in counts), counts
    assert counts[-1] > 0
    assert not list(tmp_path.glob(".*partial"))


def test_pg_dump_missing_or_older_than_the_server_is_said_in_a_sentence(
    request, tmp_path, monkeypatch
):
    url = "postgresql+psycopg2://postgres@localhost:5432/postgres"
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(BackupError, match=r"pg_dump is not installed: install the PostgreSQL"):
        backup(url, tmp_path / "x.dump")
    fake = empty / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    monkeypatch.setattr("store.backup._server_major", lambda _url: 15)
    with pytest.raises(BackupError, match=r"pg_dump 9 cannot work with a PostgreSQL 15 server"):
        backup(url, tmp_path / "x.dump")
    assert list(tmp_path.iterdir()) == [empty]


def test_restore_of_a_sqlite_backup_over_data_needs_force(tmp_path):
    source = tmp_path / "a.sqlite"
    with sqlite3.connect(source) as connection:
        for table in ("alembic_version", "meta", "divisions"):
            connection.execute(f"CREATE TABLE {table} (x)")
        connection.execute("INSERT INTO meta VALUES ('from-backup')")
    connection.close()
    file = backup(f"sqlite:///{source.as_posix()}", tmp_path / "a.backup").path
    target = tmp_path / "b.sqlite"
    shutil.copyfile(source, target)
    with sqlite3.connect(target) as connection:
        connection.execute("UPDATE meta SET x = 'changed since'")
    connection.close()
    url = f"sqlite:///{target.as_posix()}"
    with pytest.raises(BackupError, match="is not empty"):
        restore(url, file)
    restore(url, file, force=True)
    with sqlite3.connect(target) as connection:
        assert connection.execute("SELECT x FROM meta").fetchall() == [("from-backup",)]
    connection.close()
    assert make_url(url).database == str(target)
