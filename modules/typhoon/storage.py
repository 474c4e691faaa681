"""Storms in the database: saving a parsed storm (all or nothing) and reading one back.

Storms are public meteorological data (no unit owns one), so reading them needs no scope;
what is scoped is what they touch (exposure.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from modules.typhoon.models import TyphoonPoint, TyphoonStorm
from modules.typhoon.parsers import cma, dt_csv, jma
from modules.typhoon.track import LEVELS, QUADRANTS, Fix, Forecast, StormData

DATA = Path(__file__).resolve().parent / "data"
JMA_NOTE = (
    "风圈取自日本气象厅最佳路径：30节风圈近似为7级风圈，50节风圈近似为10级风圈；"
    "各象限半径由最长/最短半径及其方向近似（最长方向两侧45°内取最长，相反方向取最短，其余取平均）；"
    "无12级风圈数据。"
)


def _columns(fix: Fix) -> dict:
    values = {}
    for level in LEVELS:
        radii = fix.radii.get(level)
        for index, quadrant in enumerate(QUADRANTS):
            values[f"r{level}_{quadrant}"] = None if radii is None else float(radii[index])
    return values


def _point(storm_id: str, kind: str, fix: Fix, agency: str = "", issued=None) -> TyphoonPoint:
    return TyphoonPoint(
        storm_id=storm_id,
        kind=kind,
        agency=agency,
        issued_at=issued,
        time=fix.time,
        lon=fix.lon,
        lat=fix.lat,
        pressure=fix.pressure,
        wind=fix.wind,
        grade=fix.grade,
        **_columns(fix),
    )


def save(session: Session, data: StormData, radii_note: str = "") -> TyphoonStorm:
    """Add or update one storm: a new best track replaces the old one; a forecast replaces
    the one of the same agency and issue time. The caller commits (all or nothing)."""
    storm = session.get(TyphoonStorm, data.id)
    if storm is None:
        if not data.fixes and not data.forecasts:
            raise ValueError(f"台风 {data.id} 没有数据")
        storm = TyphoonStorm(id=data.id, season=data.season, source="", radii_note="")
        session.add(storm)
    storm.name_zh = data.name_zh or storm.name_zh or ""
    storm.name_en = data.name_en or storm.name_en or ""
    storm.season = data.season or storm.season
    sources = [s for s in (storm.source or "").split("\n") if s]
    sources += [s for s in data.source.split("\n") if s and s not in sources]
    storm.source = "\n".join(sources)
    storm.radii_note = radii_note or storm.radii_note or ""
    storm.updated_at = datetime.now(UTC)  # a new version: cached exposure is recomputed
    if data.fixes:
        session.execute(
            delete(TyphoonPoint).where(
                TyphoonPoint.storm_id == data.id, TyphoonPoint.kind == "best"
            )
        )
        session.add_all(_point(data.id, "best", fix) for fix in data.fixes)
    for forecast in data.forecasts:
        session.execute(
            delete(TyphoonPoint).where(
                TyphoonPoint.storm_id == data.id,
                TyphoonPoint.kind == "forecast",
                TyphoonPoint.agency == forecast.agency,
                TyphoonPoint.issued_at == forecast.issued_at,
            )
        )
        session.add_all(
            _point(data.id, "forecast", fix, forecast.agency, forecast.issued_at)
            for fix in forecast.points
        )
    session.flush()
    return storm


def storms(session: Session) -> list[TyphoonStorm]:
    return list(session.scalars(select(TyphoonStorm).order_by(TyphoonStorm.id.desc())))


def _fix(row: TyphoonPoint) -> Fix:
    radii: dict = {}
    for level in LEVELS:
        values = [getattr(row, f"r{level}_{q}") for q in QUADRANTS]
        radii[level] = None if any(v is None for v in values) else tuple(values)
    return Fix(row.time, row.lon, row.lat, row.pressure, row.wind, row.grade, radii)


def load(session: Session, storm_id: str) -> tuple[TyphoonStorm, StormData] | None:
    storm = session.get(TyphoonStorm, str(storm_id)) if storm_id else None
    if storm is None:
        return None
    rows = session.scalars(
        select(TyphoonPoint)
        .where(TyphoonPoint.storm_id == storm.id)
        .order_by(TyphoonPoint.kind, TyphoonPoint.agency, TyphoonPoint.issued_at, TyphoonPoint.time)
    )
    data = StormData(storm.id, storm.name_en, storm.name_zh, storm.season, storm.source)
    forecasts: dict[tuple[str, datetime], Forecast] = {}
    for row in rows:
        if row.kind == "best":
            data.fixes.append(_fix(row))
        else:
            key = (row.agency, row.issued_at)
            if key not in forecasts:
                forecasts[key] = Forecast(row.agency, row.issued_at, [])
                data.forecasts.append(forecasts[key])
            forecasts[key].points.append(_fix(row))
    return storm, data


def has_radii(data: StormData) -> bool:
    return any(r is not None for fix in data.fixes for r in (fix.radii.get(7), fix.radii.get(10)))


# --- shipped storms ---------------------------------------------------------------------


def merge_radii(best: StormData, other: StormData) -> None:
    """Give CMA fixes the radii of another agency's track, interpolated in time between its
    fixes (None outside its time span)."""
    from modules.typhoon.circles import interpolate

    if not other.fixes:
        return
    first, last = other.fixes[0].time, other.fixes[-1].time
    for fix in best.fixes:
        if first <= fix.time <= last:
            fix.radii = interpolate(other.fixes, fix.time).radii


def shipped() -> list[tuple[StormData, str]]:
    """The storms in modules/typhoon/data/storms.json, each with its radii note."""
    index = json.loads((DATA / "storms.json").read_text(encoding="utf-8"))
    result = []
    for entry in index["storms"]:
        best = cma.parse((DATA / entry["cma"]).read_text(encoding="utf-8"), entry["id"])[0]
        best.name_zh, best.name_en = entry["name_zh"], entry["name_en"]
        note = ""
        if "jma" in entry:
            other = jma.parse((DATA / entry["jma"]).read_text(encoding="utf-8"), entry["id"])[0]
        elif "dt" in entry:
            other = dt_csv.parse((DATA / entry["dt"]).read_text(encoding="utf-8"), entry["id"])
        else:
            other = None
        if other is not None:
            merge_radii(best, other)
            best.source = f"{best.source}\n{other.source}"
            note = JMA_NOTE
        result.append((best, note))
    return result


def load_shipped(session: Session) -> list[str]:
    loaded = []
    for data, note in shipped():
        save(session, data, note)
        loaded.append(data.id)
    return loaded
