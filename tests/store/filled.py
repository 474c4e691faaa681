"""A database as a city runs it: the app's (boundaries, test accounts) with every module's
demo data, for the tests of backups and migrations on both engines."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from geoalchemy2.elements import _SpatialElement
from sqlalchemy import Engine, MetaData, select

from store.engine import build_engine
from tests.app_fixtures import database_for


def seed_every_module(app) -> None:
    """The template recipe: every module's demo data (flood points and stations, storms,
    contacts...), as `make run` seeds them."""
    context = app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        context.modules.seed_demo(session)


@contextmanager
def filled_database(request, prefix: str, kind: str) -> Iterator[tuple[str, Engine]]:
    """(URL, engine) of a copy of the filled template of `kind` ("sqlite" or "postgis")."""
    with database_for(request, prefix, seed_every_module, kind) as url:
        engine = build_engine(url)
        try:
            yield url, engine
        finally:
            engine.dispose()


def every_row(engine: Engine) -> dict[str, tuple[int, str]]:
    """{table: (row count, digest of its rows)} for every table, the schema's revisions and
    the audit log included. Unlike tests.snapshot, a PostGIS geometry counts by its WKB:
    geoalchemy2's repr of one carries the object's memory address."""
    metadata = MetaData()
    metadata.reflect(engine)
    found = {}
    with engine.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            rows = sorted(
                repr(tuple(str(v) if isinstance(v, _SpatialElement) else v for v in row))
                for row in connection.execute(select(table))
            )
            found[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return found
