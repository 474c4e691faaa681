"""Every migration goes down and up again on a database full of data, on both engines: each
module's branch step by step to its base (the core's data untouched), then everything to
base, then back to head where the models and the migrations agree again."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text

from app.registry import ModuleRegistry
from store import migrate
from store.models import Division, User
from tests.store.filled import filled_database

ENGINES = ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]


def locations() -> list[str]:
    return [path for _, path in ModuleRegistry(frozenset()).call("register_migrations")]


def module_branches(extra: list[str]) -> dict[str, list[str]]:
    """{branch label: its revisions, newest first} for every module's branch."""
    config = migrate._config(extra_locations=extra)
    script = ScriptDirectory.from_config(config)
    branches: dict[str, list[str]] = {}
    for revision in script.walk_revisions():
        labels = set(revision.branch_labels) or {
            label
            for r in script.iterate_revisions(revision.revision, "base")
            for label in r.branch_labels
        }
        for label in labels:
            branches.setdefault(label, []).append(revision.revision)
    return branches


def core_rows(engine) -> tuple[int, int]:
    with engine.connect() as connection:
        return (
            connection.scalar(select(func.count()).select_from(Division)),
            connection.scalar(select(func.count()).select_from(User)),
        )


@pytest.mark.parametrize("kind", ENGINES)
def test_every_migration_goes_down_and_up_on_a_filled_database(request, kind):
    extra = locations()
    branches = module_branches(extra)
    assert {"flood", "typhoon", "alerts"} <= set(branches)
    with filled_database(request, "migrations", kind) as (_url, engine):
        core = core_rows(engine)
        assert core[0] == 1042 and core[1] > 0
        tables_at_head = set(inspect(engine).get_table_names())
        for branch, revisions in sorted(branches.items()):
            # One step at a time, newest first, with the module's rows in place.
            for _ in revisions:
                migrate.downgrade(engine, f"{branch}@-1", extra_locations=extra)
            heads = migrate.current_revision(engine) or ""
            assert not any(rev in heads.split() for rev in revisions), heads
            assert core_rows(engine) == core  # the core's data is not the module's to drop
            migrate.upgrade(engine, extra_locations=extra)
        assert set(inspect(engine).get_table_names()) == tables_at_head

        migrate.downgrade(engine, "base", extra_locations=extra)
        left = set(inspect(engine).get_table_names()) - {"spatial_ref_sys"}
        assert left <= {"alembic_version"}, left
        migrate.upgrade(engine, extra_locations=extra)
        assert set(inspect(engine).get_table_names()) == tables_at_head
        migrate.check(engine, extra_locations=extra)  # the schema is the models' again
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM divisions")).scalar() == 0
