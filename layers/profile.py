"""A unit's profile: what the side panel and `GET /api/v1/divisions/{code}` show."""

from __future__ import annotations

from sqlalchemy.orm import Session

from layers import codes, repository

GEOMETRY_SOURCE_LABELS = {
    "real": "实测边界",
    "generated": "示意边界（生成）",
    "imported": "导入边界",
}


def division_profile(session: Session, code: str) -> dict | None:
    """The unit's facts as plain JSON-ready values, or None when no such unit exists."""
    division = repository.get_division(session, code)
    if division is None:
        return None
    trail = repository.ancestors(session, division.code)
    parent = trail[-1] if trail else None
    return {
        "code": division.code,
        "name": division.name,
        "level": division.level,
        "level_label": codes.LEVEL_LABELS[division.level],
        "parent_code": division.parent_code,
        "parent_name": parent.name if parent else None,
        "ancestors": [{"code": a.code, "name": a.name, "level": a.level} for a in trail],
        "children_count": repository.count_children(session, division.code),
        "children_level": codes.child_level(division.level),
        "area_km2": round(division.area_km2, 2),
        "geometry_source": division.geometry_source,
        "geometry_source_label": GEOMETRY_SOURCE_LABELS.get(
            division.geometry_source, division.geometry_source
        ),
        "approximate": division.geometry_source == "generated",
        "label_point": [division.label_lon, division.label_lat],
        "bbox": [division.min_lon, division.min_lat, division.max_lon, division.max_lat],
    }


def children_summary(session: Session, code: str) -> list[dict]:
    """The units one level below `code`: values only, no geometry (for lists and colours)."""
    from sqlalchemy import select

    from store.models import Division

    rows = session.execute(
        select(
            Division.code,
            Division.name,
            Division.level,
            Division.area_km2,
            Division.geometry_source,
        )
        .where(Division.parent_code == codes.normalize(code))
        .order_by(Division.code)
    )
    return [
        {
            "code": r.code,
            "name": r.name,
            "level": r.level,
            "area_km2": round(r.area_km2, 2),
            "geometry_source": r.geometry_source,
        }
        for r in rows
    ]
