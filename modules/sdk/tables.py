"""A module's tables: declared on the shared `Base` (modules.sdk.Base), added to the metadata
the core compares with the migrations by `add_tables` in the `register_tables` hook."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import MetaData


def add_tables(metadata: MetaData, models: Iterable[type]) -> None:
    """Put each model's table into `metadata` (once: the hook may run for every app)."""
    for model in models:
        table = model.__table__
        if table.name not in metadata.tables:
            table.to_metadata(metadata)
