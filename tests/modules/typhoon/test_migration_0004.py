"""typhoon_0004 fills `radii_given` of the shipped storms already stored (left "" by
typhoon_0003), so the page says how much of their circles is the quadrant rule's without
`onemap typhoon shipped` being run again; a fix whose radii are not the shipped ones stays ""."""

from __future__ import annotations

from sqlalchemy import text

from store import migrate


def given(engine, storm: str) -> dict:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT time, radii_given, r7_ne FROM typhoon_points "
                "WHERE storm_id = :storm AND kind = 'best' ORDER BY time"
            ),
            {"storm": storm},
        ).all()
    return {str(row[0]): (row[1], row[2]) for row in rows}


def test_the_migration_fills_the_shipped_storms_radii_given(typhoon_app):
    context = typhoon_app.server.extensions["onemap"]
    engine = context.engine
    extra = [path for _, path in context.modules.call("register_migrations")]
    shipped = given(engine, "1521")
    assert sum(1 for g, _ in shipped.values() if g) >= 30  # seeded as `typhoon shipped` does
    migrate.downgrade(engine, "typhoon_0003", extra_locations=extra)
    with engine.begin() as connection:
        # A database from before: no counts; and one fix whose radii were changed since.
        connection.execute(text("UPDATE typhoon_points SET radii_given = ''"))
        changed = connection.execute(
            text(
                "SELECT min(id) FROM typhoon_points "
                "WHERE storm_id = '1521' AND kind = 'best' AND r7_ne IS NOT NULL"
            )
        ).scalar()
        connection.execute(
            text("UPDATE typhoon_points SET r7_ne = r7_ne + 50 WHERE id = :id"), {"id": changed}
        )
    try:
        assert all(g == "" for g, _ in given(engine, "1521").values())
        migrate.upgrade(engine, extra_locations=extra)
        assert "typhoon_0004" in migrate.current_revision(engine).split()
        after = given(engine, "1521")
        differing = [t for t in after if after[t][0] != shipped[t][0]]
        assert len(differing) == 1 and after[differing[0]][0] == ""  # the changed fix
        assert all(after[t][0] == shipped[t][0] for t in after if t not in differing)
        assert {g for g, _ in given(engine, "2403").values()} == {""}  # no radii: nothing
    finally:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE typhoon_points SET r7_ne = r7_ne - 50 WHERE id = :id"),
                {"id": changed},
            )
