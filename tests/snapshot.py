"""What a database holds, as one comparable value: for the "nothing changed" half of every
refused import (`assert snapshot(engine) == before`)."""

from __future__ import annotations

import hashlib

from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine

# Tables that change by themselves while a request is served (the audit log records the
# attempt; sessions and login throttles record the visit): not the data an import touches.
VOLATILE = frozenset({"audit_log", "login_sessions", "alembic_version"})


def snapshot(engine: Engine, skip: frozenset[str] = VOLATILE) -> dict[str, tuple[int, str]]:
    """{table: (row count, digest of every row in a stable order)} for every table."""
    metadata = _schema(engine)
    found: dict[str, tuple[int, str]] = {}
    with engine.connect() as connection:
        for name, table in sorted(metadata.tables.items()):
            if name in skip or name.startswith("alembic_version"):
                continue
            rows = sorted(
                repr(tuple(_plain(value) for value in row))
                for row in connection.execute(select(table))
            )
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            found[name] = (len(rows), digest)
    return found


_SCHEMAS: dict[str, MetaData] = {}


def _schema(engine: Engine) -> MetaData:
    """The reflected tables, once per database (reflection is half a snapshot's time)."""
    key = engine.url.render_as_string(hide_password=False)
    if key not in _SCHEMAS:
        metadata = MetaData()
        metadata.reflect(engine)
        _SCHEMAS[key] = metadata
    return _SCHEMAS[key]


def _plain(value):
    """A value whose repr is its content: geometries (GeoAlchemy's elements print their
    address) and binary as hex."""
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    desc = getattr(value, "desc", None)  # a WKBElement's hex
    return desc if isinstance(desc, str) else value


def changed(before: dict, after: dict) -> list[str]:
    """The tables whose rows differ between two snapshots."""
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
