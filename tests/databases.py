"""Template databases: each kind of test database is built once per test process, then copied.

Migrating, loading the 1,042 shipped boundaries and seeding demo data take seconds; copying a
SQLite file or cloning a PostgreSQL database (`CREATE DATABASE ... TEMPLATE`) takes a fraction
of that. A recipe names what a template holds ("migrated", "app", "app+flood" ...) and
builds it on an empty database the first time it is asked for. Every copy is a database of
its own, so tests stay as isolated as when each built its own.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from store.engine import build_engine
from store.migrate import upgrade

Build = Callable[[str], None]  # build(url): fill the empty database at `url`, then let go of it


@dataclass
class Templates:
    """Template databases of one test process, by (engine, recipe)."""

    folder: Path
    # The server connection and the migrated PostGIS template (tests/conftest.py's
    # postgres_template), handed over by the first PostGIS clone.
    postgres: tuple[Engine, str] | None = None
    _built: dict[tuple[str, str], str] = field(default_factory=dict)

    def clone(
        self,
        kind: str,
        recipe: str,
        build: Build,
        postgres: tuple[Engine, str] | None = None,
        name: str = "onemap",
    ) -> str:
        """The URL of a new database of `kind` ("sqlite" or "postgis") holding what `recipe`
        holds; `build` makes the template the first time the recipe is asked for. PostGIS
        clones need `postgres` (the postgres_template fixture's value)."""
        if kind == "sqlite":
            template = self._template(kind, recipe, build, self._sqlite_template)
            copy = self.folder / f"{name}-{uuid.uuid4().hex[:12]}.sqlite"
            shutil.copyfile(template, copy)
            return f"sqlite:///{copy.as_posix()}"
        self.postgres = self.postgres or postgres
        assert self.postgres is not None, "a PostGIS clone needs the postgres_template fixture"
        template = self._template(kind, recipe, build, self._postgres_template)
        database = f"onemap_{uuid.uuid4().hex[:12]}_{name}"[:63]
        create_database(self.postgres[0], database, template)
        return self.postgres[0].url.set(database=database).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        """Remove a database made by `clone` (a SQLite file is left to pytest's tmp dir)."""
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite" and self.postgres is not None:
            drop_database(self.postgres[0], parsed.database)

    def close(self) -> None:
        """Drop the PostGIS templates built here (the migrated one belongs to its fixture)."""
        if self.postgres is None:
            return
        for (kind, recipe), name in self._built.items():
            if kind == "postgis" and recipe != "migrated":
                drop_database(self.postgres[0], name)

    def _template(self, kind: str, recipe: str, build: Build, make: Callable) -> str:
        key = (kind, recipe)
        if key not in self._built:
            self._built[key] = make(recipe, build)
        return self._built[key]

    def _sqlite_template(self, recipe: str, build: Build) -> str:
        path = self.folder / f"template-{_file_name(recipe)}.sqlite"
        build(f"sqlite:///{path.as_posix()}")
        # Fold the write-ahead log into the file, so a plain copy holds everything.
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        return str(path)

    def _postgres_template(self, recipe: str, build: Build) -> str:
        admin, migrated = self.postgres
        if recipe == "migrated":
            return migrated
        # PostgreSQL keeps 63 bytes of a name: the random part first, so it is never cut.
        database = f"onemap_tpl_{uuid.uuid4().hex[:8]}_{_file_name(recipe)}"[:63]
        create_database(admin, database, migrated)
        build(admin.url.set(database=database).render_as_string(hide_password=False))
        return database


def migrate_only(url: str) -> None:
    """The "migrated" recipe: the core's schema at head, nothing in it."""
    # build_engine, not the cached get_engine: the template is let go of at once.
    migrated = build_engine(url)
    try:
        upgrade(migrated)
    finally:
        migrated.dispose()


def _file_name(recipe: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in recipe)


def create_database(admin: Engine, name: str, template: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))


def drop_database(admin: Engine, name: str) -> None:
    with admin.connect() as connection:
        # FORCE: a connection a failing test leaked must not keep the database alive.
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
