"""Alembic environment for OneMap.

`store.migrate.upgrade` passes an open connection in `config.attributes["connection"]`, so the
migration runs inside the caller's transaction. Run from the command line
(`alembic -c store/alembic.ini upgrade head`), it connects to `ONEMAP_DATABASE_URL`, else to
`sqlalchemy.url` from the ini file, else to the embedded default under the current directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy import Connection

from store.engine import DATABASE_URL_ENV, build_engine, default_database_url
from store.models import DATABASE_KEPT_COLUMNS, POSTGRESQL_ONLY_INDEXES, Base

config = context.config
target_metadata = Base.metadata

# Only the command line has an ini file; an application keeps its own logging set-up.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    return (
        os.environ.get(DATABASE_URL_ENV, "").strip()
        or config.get_main_option("sqlalchemy.url")
        or default_database_url(Path.cwd())
    )


def _branches() -> set[str]:
    """The branch labels of the migrations in this run (a module's branch is its id)."""
    return {label for rev in context.script.walk_revisions() for label in rev.branch_labels}


def _include_object(dialect: str) -> Callable[..., bool]:
    branches = _branches()

    def include(
        obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:
        # PostGIS owns tables such as spatial_ref_sys; autogenerate must not drop them.
        if type_ == "table" and reflected and compare_to is None:
            return False
        # A generated column the database keeps (web mercator geometry for tiles).
        if type_ == "column" and reflected and compare_to is None:
            table_name = getattr(getattr(obj, "table", None), "name", None)
            if (table_name, name) in DATABASE_KEPT_COLUMNS:
                return False
        # A module's table (Table.info["module"]) is compared only when the module's own
        # migrations take part in this run.
        table = obj if type_ == "table" else getattr(obj, "table", None)
        module = getattr(table, "info", {}).get("module")
        if module is not None and module not in branches:
            return False
        return not (
            type_ == "index" and name in POSTGRESQL_ONLY_INDEXES and dialect != "postgresql"
        )

    return include


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object(connection.dialect.name),
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return

    # Same set-up as the app (SQLite directory and pragmas), but not the cached engine.
    engine = build_engine(_url())
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
