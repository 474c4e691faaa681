"""`backup(url, file)` and `restore(url, file)` on both engines.

SQLite: the online backup API copies the database as of one moment while the app goes on
writing (a reader in WAL mode blocks nobody). PostgreSQL: `pg_dump -Fc` and `pg_restore
--single-transaction`, whose major version must be at least the server's (said in a sentence
when it is not, or when the client is missing).

A backup is written to a temporary file beside the target and renamed when complete, so a
failure (a full disk, a file size limit, a dump that stops) leaves no file and no partial
backup under the target's name. A restore goes into an empty database (or, with `force`,
over a SQLite file) in one transaction, and first checks that the file is a backup of a
OneMap database: anything else is refused with a sentence and changes nothing.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from store.engine import SQLITE_BUSY_TIMEOUT_MS, build_engine

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# Tables every OneMap database has, whatever modules it runs: a file without them is not ours.
OUR_TABLES = ("alembic_version", "meta", "divisions")
# Tables a database may hold before anything of ours is restored into it (PostGIS's own).
FOREIGN_TABLES = frozenset({"spatial_ref_sys"})
DUMP_TIMEOUT_S = 3600


class BackupError(Exception):
    """A backup or restore that did not happen, with a sentence saying why and what to do."""


@dataclass(frozen=True)
class Outcome:
    engine: str  # "sqlite" | "postgresql"
    path: Path
    size: int

    def text(self, verb: str) -> str:
        kind = "SQLite" if self.engine == "sqlite" else "PostgreSQL (pg_dump -Fc)"
        return f"{verb}: {self.path} ({self.size / 1_048_576:.1f} MB, {kind})"


def backup(url: str, target: Path) -> Outcome:
    """Write a backup of the database at `url` to `target` (replaced only when complete)."""
    target = Path(target)
    if target.is_dir():
        raise BackupError(f"{target} is a directory: name the backup file to write")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist: create it first")
    engine = _engine_name(url)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        if engine == "sqlite":
            _sqlite_backup(_sqlite_path(url, must_exist=True), temporary, target)
        else:
            _pg_dump(make_url(url), temporary)
        _fsync(temporary)
        os.replace(temporary, target)
        _fsync(target.parent)
    except OSError as error:
        raise BackupError(_write_failed(target, error)) from error
    finally:
        temporary.unlink(missing_ok=True)
    return Outcome(engine, target, target.stat().st_size)


def restore(url: str, source: Path, force: bool = False) -> Outcome:
    """Restore the backup `source` into the (empty) database at `url`; with `force`, over a
    SQLite database that already holds data. Nothing changes when anything is wrong."""
    source = Path(source)
    kind = backup_kind(source)
    engine = _engine_name(url)
    if kind != engine:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            f"{source} is a backup of a {names[kind]} database but the configured database is "
            f"{names[engine]}: restore it into a {names[kind]} database (ONEMAP_DATABASE_URL)"
        )
    if engine == "sqlite":
        _sqlite_restore(source, _sqlite_path(url, must_exist=False), force)
    else:
        if force:
            raise BackupError(
                "--force replaces SQLite files only: restore a PostgreSQL backup into a new, "
                "empty database (createdb NAME) and point ONEMAP_DATABASE_URL at it"
            )
        _pg_restore(make_url(url), source)
    return Outcome(engine, source, source.stat().st_size)


def backup_kind(path: Path) -> str:
    """ "sqlite" or "postgresql" for a file that is a OneMap backup; BackupError otherwise."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise BackupError(f"{path} is a directory, not a backup file") from None
    except OSError as error:
        raise BackupError(f"cannot read {path}: {error.strerror}") from error
    if head.startswith(SQLITE_MAGIC):
        _check_sqlite_backup(path)
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        _check_pg_archive(path)
        return "postgresql"
    raise BackupError(
        f"{path} is not a OneMap backup (neither a SQLite database nor a pg_dump archive made "
        "by `onemap backup`); nothing was changed"
    )


# --- SQLite ------------------------------------------------------------------------------


def _sqlite_path(url: str, must_exist: bool) -> Path:
    database = make_url(url).database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"back up or restore a SQLite file, not {database or 'memory'}")
    path = Path(database).expanduser()
    if must_exist and not path.is_file():
        raise BackupError(f"there is no database file at {path}: nothing to back up")
    return path


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    # mode=ro/rw never creates a file by mistake; the busy timeout waits out a writer's commit.
    connection = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000
    )
    connection.isolation_level = None
    return connection


def _sqlite_backup(database: Path, temporary: Path, target: Path) -> None:
    # rw, not ro: a WAL database is read through its -shm file, which may need creating.
    source = _connect(database, "rw")
    try:
        copy = sqlite3.connect(temporary, isolation_level=None)
        try:
            # One step (pages=-1): the copy is the database as of one moment, taken under a
            # read transaction that writers in WAL mode do not wait for.
            source.backup(copy)
            # A backup is one self-contained file: no -wal or -shm beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
    except sqlite3.Error as error:
        raise _sqlite_failure(error, temporary, database.stat().st_size, target) from error
    finally:
        source.close()


def _check_sqlite_backup(path: Path) -> None:
    try:
        connection = _connect(path, "ro")
    except sqlite3.Error as error:
        raise BackupError(f"{path} cannot be opened as a SQLite backup: {error}") from error
    try:
        verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"{path} is damaged ({verdict}); nothing was changed")
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise BackupError(
            f"{path} is damaged or not a database ({error}); nothing was changed"
        ) from error
    finally:
        connection.close()
    missing = [name for name in OUR_TABLES if name not in tables]
    if missing:
        raise BackupError(
            f"{path} is a SQLite database but not a OneMap backup (no {', '.join(missing)} "
            "table); nothing was changed"
        )


def _sqlite_restore(source: Path, database: Path, force: bool) -> None:
    if database.is_file() and database.stat().st_size > 0:
        connection = _connect(database, "rw")
        try:
            names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError:
            names = {"?"}  # not even a database: replacing it needs --force all the same
        finally:
            connection.close()
        if names and not force:
            raise BackupError(
                f"the database {database} is not empty: restore into a new file "
                "(ONEMAP_DATABASE_URL), or pass --force to replace it (stop the app first)"
            )
    database.parent.mkdir(parents=True, exist_ok=True)
    original = _connect(source, "ro")
    try:
        target = sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            # The backup API writes the target in one transaction: all of it or nothing.
            original.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
    except sqlite3.Error as error:
        raise _sqlite_failure(error, database, source.stat().st_size) from error
    finally:
        original.close()


def _sqlite_failure(
    error: sqlite3.Error, writing: Path, needed: int = 0, shown: Path | None = None
) -> BackupError:
    """A sentence for SQLite's refusal while writing the file `writing` (`needed` bytes;
    named `shown` to the user: a backup's temporary file is no name of theirs)."""
    text = str(error)
    # A write refused by the file system reaches SQLite as a bare "disk I/O error"; say
    # "full" when there is no room for the copy or the process has a file size limit.
    io_error = getattr(error, "sqlite_errorname", "").startswith("SQLITE_IOERR")
    if "full" in text or "too large" in text or (io_error and _no_room(writing, needed)):
        return BackupError(
            f"the disk is full (or a file size limit was reached) while writing {shown or writing}"
            ": "
            "nothing was written; free some space and try again"
        )
    if "locked" in text or "busy" in text:
        return BackupError("the database is busy (a long write is running): try again later")
    return BackupError(f"SQLite refused writing {shown or writing}: {text}; nothing was written")


def _no_room(path: Path, needed: int) -> bool:
    import resource

    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit != resource.RLIM_INFINITY and limit < max(needed, 1):
        return True
    try:
        return shutil.disk_usage(path.parent).free < max(needed, 1)
    except OSError:
        return False


# --- PostgreSQL ----------------------------------------------------------------------------


def _pg_env(url: URL) -> dict[str, str]:
    """libpq's variables for `url`: the password never appears on a command line."""
    env = dict(os.environ)
    values = {
        # A socket directory travels as ?host=/run/postgresql in a SQLAlchemy URL.
        "PGHOST": url.host or url.query.get("host"),
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode"),
        "PGCONNECT_TIMEOUT": "10",
    }
    env.update({key: str(value) for key, value in values.items() if value})
    return env


def _client(tool: str, url: URL) -> str:
    """The path of `tool` (pg_dump or pg_restore), checked to be new enough for the server."""
    path = shutil.which(tool)
    if path is None:
        raise BackupError(
            f"{tool} is not installed: install the PostgreSQL client of the server's major "
            "version (Debian: apt-get install postgresql-client-15 for a PostgreSQL 15 server)"
        )
    output = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    client = int(found.group(1)) if found else 0
    server = _server_major(url)
    if client < server:
        raise BackupError(
            f"{tool} {client} cannot work with a PostgreSQL {server} server: install the "
            f"version {server} client (Debian: postgresql-client-{server}) and put it first "
            "on PATH"
        )
    return path


def _server_major(url: URL) -> int:
    engine = build_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            number = int(connection.exec_driver_sql("SHOW server_version_num").scalar())
    finally:
        engine.dispose()
    return number // 10000


def _pg_dump(url: URL, temporary: Path) -> None:
    tool = _client("pg_dump", url)
    _run([tool, "-Fc", "--no-owner", "-f", str(temporary)], url, "pg_dump")


def _check_pg_archive(path: Path) -> None:
    tool = shutil.which("pg_restore")
    if tool is None:
        raise BackupError(
            f"{path} is a pg_dump archive, and pg_restore is not installed to read it: install "
            "the PostgreSQL client (Debian: postgresql-client-15)"
        )
    listed = subprocess.run([tool, "--list", str(path)], capture_output=True, text=True)
    if listed.returncode != 0:
        raise BackupError(
            f"{path} is damaged or not a pg_dump archive ({_last_line(listed.stderr)}); "
            "nothing was changed"
        )
    tables = set(re.findall(r"\bTABLE(?: DATA)? \S+ (\w+)", listed.stdout))
    missing = [name for name in OUR_TABLES if name not in tables]
    if missing:
        raise BackupError(
            f"{path} is a pg_dump archive but not of a OneMap database (no "
            f"{', '.join(missing)} table); nothing was changed"
        )


def _pg_restore(url: URL, source: Path) -> None:
    tool = _client("pg_restore", url)
    engine = build_engine(url.render_as_string(hide_password=False))
    try:
        present = set(inspect(engine).get_table_names()) - FOREIGN_TABLES
    finally:
        engine.dispose()
    if present:
        raise BackupError(
            f"the database {url.database} is not empty ({len(present)} tables): restore into a "
            f"new, empty database (createdb NAME) and point ONEMAP_DATABASE_URL at it"
        )
    command = [tool, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    _run([*command, "-d", url.database or "", str(source)], url, "pg_restore")


def _run(command: list[str], url: URL, name: str) -> None:
    try:
        done = subprocess.run(
            command, env=_pg_env(url), capture_output=True, text=True, timeout=DUMP_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        raise BackupError(f"{name} did not finish within {DUMP_TIMEOUT_S} s") from None
    if done.returncode == 0:
        return
    message = _last_line(done.stderr)
    if done.returncode < 0 or "space" in message or "too large" in message:
        # Killed by SIGXFSZ (a file size limit), or the disk filled up under it.
        raise BackupError(
            f"{name} stopped ({message or f'signal {-done.returncode}'}): the disk is full or a "
            "file size limit was reached; nothing was written"
        )
    raise BackupError(f"{name} failed: {message}; nothing was changed")


# --- files ---------------------------------------------------------------------------------


def _engine_name(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot back up a {name} database: SQLite and PostgreSQL only")
    return name


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_failed(target: Path, error: OSError) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return (
            f"the disk is full (or a file size limit was reached) while writing {target}: "
            "no backup was written; free some space and try again"
        )
    return f"cannot write {target}: {error.strerror or error}; no backup was written"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
