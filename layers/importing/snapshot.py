"""The stored divisions an import starts from, read in one transaction with their version."""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, select

from layers.load import boundaries_version
from store.engine import make_session
from store.models import Division


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str
    parent_code: str | None
    geom: BaseGeometry
    source: str
    note: str | None


@dataclass
class Snapshot:
    units: dict[str, Unit]
    version: int
    children: dict[str, list[str]]

    def label(self, code: str) -> str:
        unit = self.units.get(code)
        return f"{unit.name} ({code})" if unit else code

    @property
    def city(self) -> Unit | None:
        return next((u for u in self.units.values() if u.level == "city"), None)


def read_snapshot(engine: Engine) -> Snapshot:
    with make_session(engine)() as session, session.begin():
        version = boundaries_version(session)
        rows = session.execute(
            select(
                Division.code,
                Division.name,
                Division.level,
                Division.parent_code,
                Division.geom,
                Division.geometry_source,
                Division.geometry_note,
            ).order_by(Division.code)
        ).all()
    units = {row.code: Unit(*row) for row in rows}
    children: dict[str, list[str]] = {}
    for unit in units.values():
        if unit.parent_code is not None:
            children.setdefault(unit.parent_code, []).append(unit.code)
    return Snapshot(units, version, children)
