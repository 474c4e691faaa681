"""Division data as a viewer may see it. Pages and API routes read divisions only through here.

Units outside the viewer's scope are never returned: asking for one raises Forbidden, and an
unknown code raises NotFound, so the HTTP layer can answer 403 and 404.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from access.permissions import Grants
from access.viewer import Forbidden, NotFound, Viewer, make_viewer
from layers import codes, repository
from layers.display import LayerBody, layer_body
from layers.profile import children_summary, division_profile
from store.models import Division

ROOT_NAME = "我的辖区"


def require_unit(session: Session, viewer: Viewer, code: str) -> codes.DivisionCode:
    """The 12-digit code of a unit the viewer may see; Forbidden outside, NotFound unknown."""
    try:
        full = codes.DivisionCode.parse(code)
    except codes.InvalidCode as exc:
        raise NotFound(str(exc), str(code)) from exc
    # One primary-key lookup: unknown codes are 404 whoever asks, known ones outside are 403.
    if repository.get_division(session, full) is None:
        raise NotFound(f"no division with code {full}", full)
    if not viewer.covers(full):
        raise Forbidden(f"division {full} is outside the viewer's scope", full)
    return full


def profile(session: Session, viewer: Viewer, code: str) -> dict:
    """One unit's profile; ancestors and parent only where they lie inside the scope."""
    full = require_unit(session, viewer, code)
    result = division_profile(session, full)
    if result is None:
        raise NotFound(f"no division with code {full}", full)
    result["ancestors"] = [a for a in result["ancestors"] if viewer.covers(a["code"])]
    if result["parent_code"] and not viewer.covers(result["parent_code"]):
        result["parent_code"] = None
        result["parent_name"] = None
    return result


def children(session: Session, viewer: Viewer, code: str) -> list[dict]:
    """The units one level below `code` (all inside the scope when `code` is)."""
    return children_summary(session, require_unit(session, viewer, code))


def home(session: Session, viewer: Viewer) -> dict | None:
    """The top of the viewer's tree: their unit, or a virtual root over several units."""
    if viewer.home:
        return profile(session, viewer, viewer.home)
    if not viewer.scopes:
        return None
    units = [division_profile(session, s) for s in viewer.scopes]
    units = [u for u in units if u]
    if not units:
        return None
    bbox = [
        min(u["bbox"][0] for u in units),
        min(u["bbox"][1] for u in units),
        max(u["bbox"][2] for u in units),
        max(u["bbox"][3] for u in units),
    ]
    return {
        "code": "",
        "name": ROOT_NAME,
        "level": "root",
        "level_label": "辖区",
        "parent_code": None,
        "parent_name": None,
        "ancestors": [],
        "children_count": len(units),
        "children_level": None,
        "area_km2": round(sum(u["area_km2"] for u in units), 2),
        "geometry_source": "",
        "geometry_source_label": "",
        "approximate": False,
        "label_point": None,
        "bbox": bbox,
        "virtual": True,
    }


def home_children(session: Session, viewer: Viewer) -> list[dict]:
    """The units listed under the virtual root: the viewer's own units."""
    rows = [division_profile(session, s) for s in viewer.scopes]
    return [
        {
            "code": r["code"],
            "name": r["name"],
            "level": r["level"],
            "area_km2": r["area_km2"],
            "geometry_source": r["geometry_source"],
        }
        for r in rows
        if r
    ]


def layer(
    session: Session,
    viewer: Viewer,
    level: str,
    parent: str | None,
    crs: str,
    detail: str = "full",
    lines: bool = False,
) -> LayerBody:
    """A served GeoJSON layer holding only units inside the scope (and `parent`, if given)."""
    if parent is not None:
        parent = require_unit(session, viewer, parent)
    return layer_body(session, level, parent, crs, within=viewer.scopes, detail=detail, lines=lines)


def units(
    session: Session, viewer: Viewer, level: str, within: str | None = None
) -> list[Division]:
    """The divisions of `level` inside the viewer's scope (and inside `within`, a unit the
    viewer may see), by code. Rows to read (code, name, level, parent_code, geom), never to
    change."""
    inside = require_unit(session, viewer, within) if within else None
    statement = repository.level_query(level, inside)
    return list(session.scalars(statement.where(viewer.code_filter(Division.code))))


def unit_names(
    session: Session, viewer: Viewer, wanted: list[str] | set[str], above: bool = False
) -> dict[str, str]:
    """Code → name of the units among `wanted` that the viewer may see (others are left out,
    as unknown codes are). With `above`, also the units that hold one of the viewer's (the
    county above a town's staff): their names only, never what lies in them."""

    def named(text: str) -> bool:
        try:
            unit = codes.DivisionCode.parse(text)
        except codes.InvalidCode:
            return False
        return viewer.covers(unit) or (above and any(unit.covers(s) for s in viewer.scopes))

    inside = sorted({c for c in wanted if named(c)})
    if not inside:
        return {}
    rows = session.execute(select(Division.code, Division.name).where(Division.code.in_(inside)))
    return {code: name for code, name in rows}


def system_viewer(session: Session, grants: Grants) -> Viewer:
    """The viewer of the system's own work (commands, workers, demo seeding): an
    administrator of every city in the database."""
    cities = session.scalars(select(Division.code).where(Division.level == "city")).all()
    return make_viewer(0, "system", "系统（命令行）", "admin", list(cities) or ["350300"], grants)
