"""Key points and stations as OGC API – Features collections (/ogc/collections/flood.*).

Each page is one query in id order after the cursor (the last id served), inside the
viewer's scope (`viewer.code_filter` on the village code), so paging never reads the whole
table. Phones are shown as the viewer may see them, as on the map.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.flood.models import FloodKeyPoint, FloodStation
from modules.flood.points import RISK_LABELS, phone_for
from modules.flood.stations import KIND_LABELS
from modules.sdk import CollectionSpec, FeaturePage, FeatureQuery, Viewer

KEY_POINT_QUERYABLES = (
    ("category", "string", "类别"),
    ("risk_level", "string", "风险等级（red / orange / yellow / blue）"),
    ("village_code", "string", "所在村居代码"),
    ("name", "string", "名称"),
)
STATION_QUERYABLES = (
    ("code", "string", "站码"),
    ("kind", "string", "类型（rain 雨量站 / level 水位站）"),
    ("river", "string", "河流"),
    ("village_code", "string", "所在村居代码"),
)


def _cursor(text: str | None) -> int:
    if text is None:
        return 0
    if not text.isdigit() or len(text) > 18:
        raise ValueError(f"bad cursor {text!r}")
    return int(text)


def _page(session: Session, viewer: Viewer, model, query: FeatureQuery, extra=()):
    """Rows of `model` (lon/lat points with a village code) for one page of `query`."""
    statement = select(model).where(viewer.code_filter(model.village_code), *extra)
    if query.fid is not None:
        if not query.fid.isdigit() or len(query.fid) > 18:
            return [], None
        rows = session.scalars(statement.where(model.id == int(query.fid))).all()
        return list(rows), None
    for name, value in query.filters.items():
        statement = statement.where(getattr(model, name) == value)
    if query.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = query.bbox
        statement = statement.where(
            model.lon >= min_lon, model.lon <= max_lon, model.lat >= min_lat, model.lat <= max_lat
        )
    statement = statement.where(model.id > _cursor(query.cursor)).order_by(model.id)
    rows = list(session.scalars(statement.limit(query.limit + 1)))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return rows, str(rows[-1].id) if more else None


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def key_points(session: Session, viewer: Viewer, query: FeatureQuery) -> FeaturePage:
    extra = []
    if query.start is not None:
        extra.append(FloodKeyPoint.updated_at >= query.start)
    if query.end is not None:
        extra.append(FloodKeyPoint.updated_at <= query.end)
    rows, following = _page(session, viewer, FloodKeyPoint, query, extra)
    features = [
        {
            "type": "Feature",
            "id": str(point.id),
            "geometry": _point(point.lon, point.lat),
            "properties": {
                "name": point.name,
                "category": point.category,
                "risk_level": point.risk_level,
                "risk_label": RISK_LABELS[point.risk_level],
                "village_code": point.village_code,
                "patrol_every_days": point.patrol_every_days,
                "responsible_name": point.responsible_name,
                "responsible_phone": phone_for(viewer, point),
                "updated_at": _iso(point.updated_at),
            },
        }
        for point in rows
    ]
    return FeaturePage(features, following)


def stations(session: Session, viewer: Viewer, query: FeatureQuery) -> FeaturePage:
    rows, following = _page(session, viewer, FloodStation, query)
    features = [
        {
            "type": "Feature",
            "id": str(station.id),
            "geometry": _point(station.lon, station.lat),
            "properties": {
                "code": station.code,
                "name": station.name,
                "kind": station.kind,
                "kind_label": KIND_LABELS[station.kind],
                "river": station.river,
                "village_code": station.village_code,
                "rain_1h_mm": station.rain_1h,
                "rain_3h_mm": station.rain_3h,
                "rain_24h_mm": station.rain_24h,
                "warning_level_m": station.warning_level,
                "guarantee_level_m": station.guarantee_level,
            },
        }
        for station in rows
    ]
    return FeaturePage(features, following)


def collections(viewer: Viewer) -> list[CollectionSpec]:
    if not viewer.can("read"):
        return []
    return [
        CollectionSpec(
            id="flood.key_points",
            title="防汛重点部位",
            description="辖区内的防汛重点部位（低洼易涝点、山洪危险区、水库山塘等）及其风险等级",
            geometry_type="Point",
            items=key_points,
            queryables=KEY_POINT_QUERYABLES,
            time_field="updated_at",
            order=20,
        ),
        CollectionSpec(
            id="flood.stations",
            title="雨量与水位站",
            description="辖区内的雨量站、水位站及其预警阈值",
            geometry_type="Point",
            items=stations,
            queryables=STATION_QUERYABLES,
            order=21,
        ),
    ]
