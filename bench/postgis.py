"""A PostGIS database of its own for one benchmark: created on the server that
`ONEMAP_BENCH_POSTGRES_URL` names (else the local one), with the extension, and dropped
when the run ends."""

from __future__ import annotations

import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bench.runner import Context, log

POSTGRES_URL = "postgresql+psycopg2://postgres@localhost:5432/postgres"


def scratch_database(ctx: Context, label: str) -> str | None:
    """The URL of a new, empty PostGIS database, or None (logged) when no server answers."""
    admin_url = os.environ.get("ONEMAP_BENCH_POSTGRES_URL", POSTGRES_URL)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"onemap_bench_{label.lower()}_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no server: the caller reports what it can without one
        log(f"{label}: PostGIS unavailable ({' '.join(str(error).split())[:120]})")
        admin.dispose()
        return None

    def drop() -> None:
        from store.engine import get_engine

        get_engine.cache_clear()  # the benchmark's engines hold connections to it
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    ctx.resources.callback(drop)
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    return url
