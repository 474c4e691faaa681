"""Storms as OGC API – Features collections (/ogc/collections/typhoon.*): tracks, best-track
points, forecast points, wind circles, and the exposure published for a consultation.

Tracks and points are public meteorology (every viewer with `read`); the exposure holds only
the units and sites inside the viewer's scope. Points and circles page by id after the
cursor, one query a page; a track is one storm's line, paged by storm id.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.sdk import (
    EXPOSURE,
    CollectionSpec,
    FeaturePage,
    FeatureQuery,
    Viewer,
    iso_moment,
    units,
)
from modules.typhoon.circles import ring
from modules.typhoon.models import TyphoonPoint, TyphoonStorm
from modules.typhoon.publishing import storm_of
from modules.typhoon.track import GRADES, LEVELS

QUADRANTS = ("ne", "se", "sw", "nw")
POINT_QUERYABLES = (("storm_id", "string", "台风编号（如 1521）"), ("grade", "string", "强度等级"))
FORECAST_QUERYABLES = (*POINT_QUERYABLES, ("agency", "string", "预报机构"))
CIRCLE_QUERYABLES = (
    ("storm_id", "string", "台风编号"),
    ("level", "integer", "风圈（7、10、12级）"),
)
EXPOSURE_QUERYABLES = (
    ("storm_id", "string", "台风编号"),
    ("kind", "string", "对象（county/town/village 区划，site 重点部位等）"),
    ("level", "integer", "风圈（7、10、12级）"),
)
UNIT_LEVELS = ("county", "town", "village")


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _number(text: str | None, what: str = "cursor") -> int:
    if text is None:
        return 0
    if not str(text).isdigit() or len(str(text)) > 18:
        raise ValueError(f"bad {what} {text!r}")
    return int(text)


def _radii(row: TyphoonPoint, level: int) -> dict | None:
    values = [getattr(row, f"r{level}_{q}") for q in QUADRANTS]
    return None if any(v is None for v in values) else dict(zip(QUADRANTS, values, strict=True))


def _point_statement(kind: str, query: FeatureQuery):
    statement = select(TyphoonPoint).where(TyphoonPoint.kind == kind)
    for name, value in query.filters.items():
        if name != "level":
            statement = statement.where(getattr(TyphoonPoint, name) == value)
    if query.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = query.bbox
        statement = statement.where(
            TyphoonPoint.lon.between(min_lon, max_lon), TyphoonPoint.lat.between(min_lat, max_lat)
        )
    if query.start is not None:
        statement = statement.where(TyphoonPoint.time >= query.start)
    if query.end is not None:
        statement = statement.where(TyphoonPoint.time <= query.end)
    return statement.order_by(TyphoonPoint.id)


def _point_feature(row: TyphoonPoint) -> dict:
    properties = {
        "storm_id": row.storm_id,
        "time": _iso(row.time),
        "pressure_hpa": row.pressure,
        "wind_ms": row.wind,
        "grade": row.grade,
        "grade_name": GRADES.get(row.grade, ""),
        **{f"r{level}_km": _radii(row, level) for level in LEVELS},
    }
    if row.kind == "forecast":
        properties.update(agency=row.agency, issued_at=_iso(row.issued_at))
    return {
        "type": "Feature",
        "id": str(row.id),
        "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
        "properties": properties,
    }


def _points(kind: str):
    def items(session: Session, viewer: Viewer, query: FeatureQuery) -> FeaturePage:
        statement = _point_statement(kind, query)
        if query.fid is not None:
            if not query.fid.isdigit() or len(query.fid) > 18:
                return FeaturePage([])
            rows = session.scalars(statement.where(TyphoonPoint.id == int(query.fid))).all()
            return FeaturePage([_point_feature(row) for row in rows])
        after = _number(query.cursor)
        rows = list(
            session.scalars(statement.where(TyphoonPoint.id > after).limit(query.limit + 1))
        )
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        return FeaturePage([_point_feature(r) for r in rows], str(rows[-1].id) if more else None)

    return items


def circles(session: Session, viewer: Viewer, query: FeatureQuery) -> FeaturePage:
    """One polygon per best-track fix and wind level with radii; the id is fix*100+level."""
    wanted_level = query.filters.get("level")
    levels = [lv for lv in LEVELS if wanted_level in (None, str(lv))]
    statement = _point_statement("best", query)
    if query.fid is not None:
        if not query.fid.isdigit() or len(query.fid) > 18:
            return FeaturePage([])
        point_id, level = divmod(int(query.fid), 100)
        row = session.scalars(statement.where(TyphoonPoint.id == point_id)).first()
        found = _circle(row, level) if row is not None and level in LEVELS else None
        return FeaturePage([found] if found else [])
    after = _number(query.cursor)
    features: list[dict] = []
    while len(features) <= query.limit:
        rows = list(
            session.scalars(statement.where(TyphoonPoint.id >= after // 100).limit(query.limit + 1))
        )
        for row in rows:
            for level in levels:
                if row.id * 100 + level > after:
                    found = _circle(row, level)
                    if found:
                        features.append(found)
        if len(rows) <= query.limit:
            break
        after = rows[-1].id * 100 + 99
    more = len(features) > query.limit
    features = features[: query.limit]
    return FeaturePage(features, features[-1]["id"] if more else None)


def _circle(row: TyphoonPoint, level: int) -> dict | None:
    radii = _radii(row, level)
    if radii is None:
        return None
    outline = ring(row.lon, row.lat, tuple(radii[q] for q in QUADRANTS))
    return {
        "type": "Feature",
        "id": str(row.id * 100 + level),
        "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in outline]]},
        "properties": {
            "storm_id": row.storm_id,
            "time": _iso(row.time),
            "level": level,
            "level_name": f"{level}级风圈",
            **{f"radius_{q}_km": radii[q] for q in QUADRANTS},
        },
    }


def tracks(session: Session, viewer: Viewer, query: FeatureQuery) -> FeaturePage:
    """One line per storm (its best track), in storm id order after the cursor."""
    spans = (
        select(
            TyphoonPoint.storm_id,
            func.min(TyphoonPoint.time).label("start"),
            func.max(TyphoonPoint.time).label("end"),
        )
        .where(TyphoonPoint.kind == "best")
        .group_by(TyphoonPoint.storm_id)
        .subquery()
    )
    statement = (
        select(TyphoonStorm, spans.c.start, spans.c.end)
        .join(spans, spans.c.storm_id == TyphoonStorm.id)
        .order_by(TyphoonStorm.id)
    )
    if query.fid is not None:
        statement = statement.where(TyphoonStorm.id == query.fid)
    else:
        statement = statement.where(TyphoonStorm.id > (query.cursor or ""))
    if "season" in query.filters:
        statement = statement.where(
            TyphoonStorm.season == _number(query.filters["season"], "season")
        )
    if query.start is not None:
        statement = statement.where(spans.c.end >= query.start)
    if query.end is not None:
        statement = statement.where(spans.c.start <= query.end)
    features = []
    following = None
    # Storms are few (a handful a season), their fixes a few dozen each: read page by page.
    for storm, start, end in session.execute(statement.limit(query.limit + 1)):
        if len(features) == query.limit:
            following = features[-1]["id"]
            break
        line = session.execute(
            select(TyphoonPoint.lon, TyphoonPoint.lat)
            .where(TyphoonPoint.storm_id == storm.id, TyphoonPoint.kind == "best")
            .order_by(TyphoonPoint.time)
        ).all()
        if query.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = query.bbox
            if not any(min_lon <= x <= max_lon and min_lat <= y <= max_lat for x, y in line):
                continue
        features.append(
            {
                "type": "Feature",
                "id": storm.id,
                "geometry": {"type": "LineString", "coordinates": [[x, y] for x, y in line]},
                "properties": {
                    "storm_id": storm.id,
                    "name_zh": storm.name_zh,
                    "name_en": storm.name_en,
                    "season": storm.season,
                    "start": _iso(start),
                    "end": _iso(end),
                    "source": storm.source,
                },
            }
        )
    return FeaturePage(features, following)


def _exposure_features(session: Session, viewer: Viewer, core) -> list[dict]:
    """The published exposure in force, inside the viewer's scope: one feature per unit or
    site and circle level, the unit's outline or the site's point. At most the city's units
    and sites, so it is built whole and cut into pages."""
    outlines = {}
    entries: list[tuple[str, dict]] = []
    for signal in core.signals(session, EXPOSURE):
        storm = storm_of(signal)
        if storm is None:
            continue
        payload = signal.payload or {}
        for unit in payload.get("units") or []:
            if isinstance(unit, dict) and viewer.covers(str(unit.get("code", ""))):
                entries.append((storm, unit))
        for site in payload.get("sites") or []:
            if isinstance(site, dict) and viewer.covers(str(site.get("village_code", ""))):
                entries.append((storm, site))
    if not entries:
        return []
    for level in UNIT_LEVELS:
        for division in units(session, viewer, level):
            outlines[division.code] = (division.name, level, division.geom)
    sites = {site.id: site for site in core.sites(session, viewer)}
    features = []
    for storm, entry in entries:
        level = entry.get("level")
        common = {
            "storm_id": storm,
            "level": level,
            "from": entry.get("from"),
            "until": entry.get("until"),
        }
        if "site" in entry:
            site = sites.get(entry["site"])
            if site is None:
                continue
            key, geometry = entry["site"], {"type": "Point", "coordinates": [site.lon, site.lat]}
            properties = {"kind": "site", "name": site.name, "village_code": site.village_code}
        else:
            found = outlines.get(entry["code"])
            if found is None:
                continue
            name, kind, geom = found
            key, geometry = entry["code"], geom.__geo_interface__
            properties = {"kind": kind, "name": name, "unit": entry["code"]}
        features.append(
            {
                "type": "Feature",
                "id": f"{storm}-{key}-{level}-{entry.get('from')}",
                "geometry": geometry,
                "properties": {**common, **properties},
            }
        )
    features.sort(key=lambda f: f["id"])
    return features


def exposure(core):
    def items(session: Session, viewer: Viewer, query: FeatureQuery) -> FeaturePage:
        found = _exposure_features(session, viewer, core)
        if query.fid is not None:
            return FeaturePage([f for f in found if f["id"] == query.fid])
        kept = []
        for feature in found:
            properties = feature["properties"]
            if any(str(properties.get(k)) != v for k, v in query.filters.items()):
                continue
            start, end = iso_moment(properties["from"]), iso_moment(properties["until"])
            if query.start is not None and end is not None and end < query.start:
                continue
            if query.end is not None and start is not None and start > query.end:
                continue
            kept.append(feature)
        offset = _number(query.cursor)
        page = kept[offset : offset + query.limit]
        more = offset + query.limit < len(kept)
        return FeaturePage(page, str(offset + query.limit) if more else None, len(kept))

    return items


def collections(viewer: Viewer, core) -> list[CollectionSpec]:
    if not viewer.can("read"):
        return []
    return [
        CollectionSpec(
            "typhoon.tracks",
            "台风路径",
            "各台风的实况路径（最佳路径）",
            "LineString",
            tracks,
            (("season", "integer", "年份"),),
            time_field="start",
            order=30,
        ),
        CollectionSpec(
            "typhoon.points",
            "台风实况点",
            "各台风最佳路径的逐时次定位点，含气压、风速、等级与风圈半径",
            "Point",
            _points("best"),
            POINT_QUERYABLES,
            time_field="time",
            order=31,
        ),
        CollectionSpec(
            "typhoon.forecast_points",
            "台风预报点",
            "各机构发布的台风路径预报点",
            "Point",
            _points("forecast"),
            FORECAST_QUERYABLES,
            time_field="time",
            order=32,
        ),
        CollectionSpec(
            "typhoon.wind_circles",
            "台风风圈",
            "各实况时次的7级、10级、12级风圈（按四象限半径）",
            "Polygon",
            circles,
            CIRCLE_QUERYABLES,
            time_field="time",
            order=33,
        ),
        CollectionSpec(
            "typhoon.exposure",
            "台风影响范围",
            "会商发布、仍在有效期内的风圈影响：辖区内进入风圈的区划与重点部位及其时段",
            "Geometry",
            exposure(core),
            EXPOSURE_QUERYABLES,
            time_field="from",
            order=34,
        ),
    ]
