"""Storms in the database: saving a parsed storm (all or nothing) and reading one back.

Storms are public meteorological data (no unit owns one), so reading them needs no scope;
what is scoped is what they touch (exposure.py), and who may change them (owners.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from modules.sdk import Viewer
from modules.typhoon import owners
from modules.typhoon.circles import interpolate
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
    values["radii_given"] = given_text(fix.given)
    return values


def given_text(given: dict[int, int]) -> str:
    return ",".join(f"{lv}:{given[lv]}" for lv in LEVELS if given.get(lv) is not None)


def given_of(text: str) -> dict[int, int]:
    found = {}
    for part in (text or "").split(","):
        level, _, count = part.partition(":")
        if level.isdigit() and count.isdigit():
            found[int(level)] = int(count)
    return found


def _point(
    storm_id: str, kind: str, fix: Fix, agency: str = "", issued=None, owner: str = ""
) -> TyphoonPoint:
    return TyphoonPoint(
        storm_id=storm_id,
        kind=kind,
        agency=agency,
        issued_at=issued,
        owner_scope=owner,
        time=fix.time,
        lon=fix.lon,
        lat=fix.lat,
        pressure=fix.pressure,
        wind=fix.wind,
        grade=fix.grade,
        **_columns(fix),
    )


def _rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _same(a: list[Fix], b: list[Fix]) -> bool:
    """The same points, as stored (floats compared to well below what the data resolves)."""

    def key(fix: Fix) -> tuple:
        radii = tuple(
            None if fix.radii.get(lv) is None else tuple(round(r, 3) for r in fix.radii[lv])
            for lv in LEVELS
        )
        return (
            fix.time,
            given_text(fix.given),
            _rounded(fix.lon),
            _rounded(fix.lat),
            _rounded(fix.pressure),
            _rounded(fix.wind),
            fix.grade,
            radii,
        )

    return len(a) == len(b) and all(key(x) == key(y) for x, y in zip(a, b, strict=True))


def keep_radii(fixes: list[Fix], stored: list[Fix]) -> list[int]:
    """Give new fixes the stored track's radii of each level the new file does not carry
    (no fix of it has that level), interpolated in time (merge_radii); the levels kept."""
    kept = []
    for level in LEVELS:
        if any(f.radii.get(level) is not None for f in fixes):
            continue
        if not any(f.radii.get(level) is not None for f in stored):
            continue
        first, last = stored[0].time, stored[-1].time
        for fix in fixes:
            if first <= fix.time <= last:
                between = interpolate(stored, fix.time)
                fix.radii[level] = between.radii.get(level)
                if between.given.get(level) is not None:
                    fix.given[level] = between.given[level]
        kept.append(level)
    return kept


@dataclass
class Saved:
    """What saving one storm did: `changed` False when the file held what is stored."""

    storm: TyphoonStorm
    changed: bool
    kept_levels: list[int] = field(default_factory=list)  # radii levels kept from before
    kept_fixes: int = 0  # how many of the new fixes carry radii kept from before


def save(
    session: Session,
    data: StormData,
    viewer: Viewer,
    radii_note: str = "",
    owner: str | None = None,
) -> Saved:
    """Add or update one storm as `viewer`: a new best track replaces the old one (keeping
    the radii the new file does not carry); a forecast replaces the one of the same agency
    and issue time. NotYours when the viewer's scope does not cover what would be replaced;
    nothing is written when the file holds what is stored. The caller commits."""
    storm = session.get(TyphoonStorm, data.id)
    if storm is not None and not owners.covers(viewer, storm.owner_scope or owners.CITY):
        raise owners.refuse(
            session, viewer, storm.owner_scope, f"storm {data.id}", f"台风 {data.id}"
        )
    stored = (
        load(session, data.id, observed=False)[1] if storm is not None else StormData(id=data.id)
    )
    rows = _forecast_owners(session, data.id) if storm is not None else {}
    kept = keep_radii(data.fixes, stored.fixes) if data.fixes and stored.fixes else []
    kept_fixes = sum(1 for f in data.fixes if any(f.radii.get(level) is not None for level in kept))
    sources = [s for s in ((storm.source if storm else "") or "").split("\n") if s]
    sources += [s for s in data.source.split("\n") if s and s not in sources]
    fields = {
        "name_zh": data.name_zh or (storm.name_zh if storm else "") or "",
        "name_en": data.name_en or (storm.name_en if storm else "") or "",
        "season": storm.season if storm and not data.fixes else data.season,
        "source": "\n".join(sources),
        "radii_note": radii_note or (storm.radii_note if storm else "") or "",
    }
    best_changed = bool(data.fixes) and not _same(data.fixes, stored.fixes)
    old = {(f.agency, f.issued_at): f for f in stored.forecasts}
    changed_forecasts = []
    for forecast in data.forecasts:
        key = (forecast.agency, forecast.issued_at)
        if key in old and _same(forecast.points, old[key].points):
            continue
        if key in rows and not owners.covers(viewer, rows[key]):
            raise owners.refuse(
                session,
                viewer,
                rows[key],
                f"the {forecast.agency} forecast of storm {data.id} issued {forecast.issued_at}",
                f"台风 {data.id} 的 {forecast.agency} 预报"
                f"（{forecast.issued_at:%Y-%m-%d %H:%M} UTC 发布）",
            )
        changed_forecasts.append(forecast)
    same_fields = storm is not None and all(getattr(storm, k) == v for k, v in fields.items())
    if same_fields and not best_changed and not changed_forecasts:
        return Saved(storm, False, kept, kept_fixes)
    if storm is None:
        storm = TyphoonStorm(
            id=data.id, owner_scope=owners.owner_of(viewer) if owner is None else owner
        )
        session.add(storm)
    for name, value in fields.items():
        setattr(storm, name, value)
    storm.updated_at = datetime.now(UTC)  # a new version: cached exposure is recomputed
    if best_changed:
        session.execute(
            delete(TyphoonPoint).where(
                TyphoonPoint.storm_id == data.id, TyphoonPoint.kind == "best"
            )
        )
        session.add_all(_point(data.id, "best", fix) for fix in data.fixes)
    forecast_owner = owners.owner_of(viewer) if owner is None else owner
    for forecast in changed_forecasts:
        session.execute(
            delete(TyphoonPoint).where(
                TyphoonPoint.storm_id == data.id,
                TyphoonPoint.kind == "forecast",
                TyphoonPoint.agency == forecast.agency,
                TyphoonPoint.issued_at == forecast.issued_at,
            )
        )
        session.add_all(
            _point(data.id, "forecast", fix, forecast.agency, forecast.issued_at, forecast_owner)
            for fix in forecast.points
        )
    session.flush()
    return Saved(storm, True, kept, kept_fixes)


def _forecast_owners(session: Session, storm_id: str) -> dict[tuple[str, datetime], str]:
    rows = session.execute(
        select(TyphoonPoint.agency, TyphoonPoint.issued_at, TyphoonPoint.owner_scope)
        .where(TyphoonPoint.storm_id == storm_id, TyphoonPoint.kind == "forecast")
        .distinct()
    )
    return {(agency, issued): owner or owners.CITY for agency, issued, owner in rows}


def lock(session: Session, storm_ids: list[str]) -> None:
    """Take the write lock before reading, so that two imports of one storm run one after
    the other: on PostgreSQL the storms' rows (a storm not yet stored: its insert conflicts,
    and the import runs again), on SQLite the database's (a write as the first statement)."""
    table = TyphoonStorm.__table__
    session.execute(
        table.update()
        .where(table.c.id.in_(storm_ids))
        # updated_at named too, or its onupdate would make every lock a new version
        .values(season=table.c.season, updated_at=table.c.updated_at)
    )


def storms(session: Session) -> list[TyphoonStorm]:
    return list(session.scalars(select(TyphoonStorm).order_by(TyphoonStorm.id.desc())))


def _fix(row: TyphoonPoint) -> Fix:
    radii: dict = {}
    for level in LEVELS:
        values = [getattr(row, f"r{level}_{q}") for q in QUADRANTS]
        radii[level] = None if any(v is None for v in values) else tuple(values)
    fix = Fix(row.time, row.lon, row.lat, row.pressure, row.wind, row.grade, radii)
    fix.given = given_of(row.radii_given)
    if row.edited_at is not None:
        fix.edited = (row.edited_by, row.edited_at)
    return fix


def analyses(forecasts: list[Forecast]) -> list[Fix]:
    """Each advisory's analysis (its first point, at or before its issue time) as an observed
    fix marked with the advisory, one per time: the latest issued (a correction, or a later
    bulletin restating that time) wins, CMA's before another agency's at the same issue."""
    chosen: dict[datetime, tuple[tuple, Fix]] = {}
    for forecast in forecasts:
        first = forecast.points[0] if forecast.points else None
        if first is None or first.time > forecast.issued_at:
            continue
        rank = (forecast.issued_at, forecast.agency == "CMA", forecast.agency)
        if first.time not in chosen or rank > chosen[first.time][0]:
            chosen[first.time] = (
                rank,
                replace(first, advisory=(forecast.agency, forecast.issued_at)),
            )
    return [fix for _, (_, fix) in sorted(chosen.items())]


def observed_track(best: list[Fix], forecasts: list[Forecast]) -> list[Fix]:
    """The storm's observed track: its best track, extended by the advisories' analyses
    outside the best track's time span (a live storm, whose best track comes later). Within
    that span the best track wins; the advisories stay on record as forecasts."""
    if not best:
        return analyses(forecasts)
    first, last = best[0].time, best[-1].time
    extra = [f for f in analyses(forecasts) if not first <= f.time <= last]
    return sorted(best + extra, key=lambda f: f.time) if extra else best


def load(
    session: Session, storm_id: str, observed: bool = True
) -> tuple[TyphoonStorm, StormData] | None:
    """A stored storm. With `observed` (what every reader wants) its fixes are the observed
    track (observed_track: the best track and the advisories' analyses beyond it); without,
    the best track alone, as stored (what an import replaces)."""
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
    if observed:
        data.fixes = observed_track(data.fixes, data.forecasts)
    return storm, data


def has_radii(data: StormData) -> bool:
    return any(r is not None for fix in data.fixes for r in (fix.radii.get(7), fix.radii.get(10)))


# --- shipped storms ---------------------------------------------------------------------


def merge_radii(best: StormData, other: StormData) -> None:
    """Give CMA fixes the radii of another agency's track, interpolated in time between its
    fixes (None outside its time span)."""
    if not other.fixes:
        return
    first, last = other.fixes[0].time, other.fixes[-1].time
    for fix in best.fixes:
        if first <= fix.time <= last:
            between = interpolate(other.fixes, fix.time)
            fix.radii, fix.given = between.radii, between.given


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


def load_shipped(session: Session, viewer: Viewer) -> list[str]:
    """Store the shipped storms as the whole city's (`viewer`: the system)."""
    loaded = []
    for data, note in shipped():
        save(session, data, viewer, note, owner=owners.CITY)
        loaded.append(data.id)
    return loaded
