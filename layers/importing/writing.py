"""Writing a planned import: one transaction that also bumps the boundaries version."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, update

from layers.build import geodesic_area_km2, label_point
from layers.importing.regenerate import Plan
from layers.importing.snapshot import Snapshot
from layers.load import bump_boundaries_version
from store.engine import make_session
from store.models import Division, bbox_columns


class StaleSnapshot(Exception):
    """The stored boundaries changed between reading them and writing the import."""


def write_plan(engine: Engine, snapshot: Snapshot, plan: Plan) -> int:
    """Apply the plan in one transaction and bump the boundaries version; returns it.

    Raises StaleSnapshot, writing nothing, when the boundaries changed since `snapshot`.
    """
    now = datetime.now(UTC)
    rows = []
    for code, geom in sorted(plan.geoms.items()):
        unit = snapshot.units[code]
        lon, lat = label_point(geom)
        rows.append(
            {
                "code": code,
                "geom": geom,
                **bbox_columns(geom),
                "area_km2": geodesic_area_km2(geom),
                "label_lon": lon,
                "label_lat": lat,
                "geometry_source": plan.sources.get(code, unit.source),
                "geometry_note": plan.unit_notes.get(code, unit.note),
                "updated_at": now,
            }
        )
    with make_session(engine)() as session, session.begin():
        # Bumping first takes the lock that serialises this with other imports and with
        # load_shipped; a stale snapshot then rolls the bump back with everything else.
        version = bump_boundaries_version(session)
        if version != snapshot.version + 1:
            raise StaleSnapshot()
        if rows:
            session.execute(update(Division), rows)
    return version
