"""Search the map: a unit or a module's site (a key point) by name, by pinyin initials (xtw →
西天尾镇) or by full pinyin, inside the viewer's scope only.

Units come from access.scoped (walked down from the viewer's own units, kept per scope and
boundary version); sites from every module through core.sites, which drops any outside the
scope. Nothing outside the scope is read, so nothing outside it can be found.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

from pypinyin import lazy_pinyin
from sqlalchemy.orm import Session

from access import scoped
from access.viewer import Forbidden, NotFound, Viewer
from layers import codes
from layers.load import boundaries_stamp

MAX_QUERY = 40
LIMIT = 12
_units_cache: dict[tuple, dict[str, tuple[str, str, str | None]]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Hit:
    """One answer: a unit (`code` is its code) or a site (`code` is its village's)."""

    kind: str  # "unit" or "site"
    code: str
    name: str
    detail: str
    site: str = ""  # the site's id ("flood:12") for a site


@functools.lru_cache(maxsize=20_000)
def spellings(name: str) -> tuple[str, str]:
    """(initials, full pinyin) of a name, lower case: 西天尾镇 → ("xtwz", "xitianweizhen")."""
    syllables = [s.lower() for s in lazy_pinyin(name) if s.strip()]
    return "".join(s[0] for s in syllables), "".join(syllables)


def normalise(query) -> str:
    if not isinstance(query, str):
        return ""
    return "".join(query.split()).lower()[:MAX_QUERY]


def rank(query: str, name: str) -> int | None:
    """How well `name` answers `query` (0 best), or None when it does not."""
    if name == query:
        return 0
    if name.startswith(query):
        return 1
    initials, full = spellings(name)
    if query.isascii():
        if initials.startswith(query):
            return 2
        if full.startswith(query):
            return 3
    if query in name:
        return 4
    if query.isascii() and (query in initials or query in full):
        return 5
    return None


def unit_index(session: Session, viewer: Viewer) -> dict[str, tuple[str, str, str | None]]:
    """code → (name, level, parent code) of every unit in the viewer's scope."""
    key = (str(session.get_bind().url), boundaries_stamp(session), viewer.scopes)
    with _lock:
        if key in _units_cache:
            return _units_cache[key]
    found: dict[str, tuple[str, str, str | None]] = {}
    queue = []
    for scope in viewer.scopes:
        try:
            unit = scoped.profile(session, viewer, scope)
        except (Forbidden, NotFound):
            continue
        found[unit["code"]] = (unit["name"], unit["level"], None)
        queue.append(unit["code"])
    while queue:
        parent = queue.pop()
        for child in scoped.children(session, viewer, parent):
            found[child["code"]] = (child["name"], child["level"], parent)
            if child["level"] != "village":
                queue.append(child["code"])
    with _lock:
        if len(_units_cache) > 256:
            _units_cache.clear()
        _units_cache[key] = found
    return found


def _where(index: dict, code: str) -> str:
    """The unit's parent and its own name, e.g. 西天尾镇 · 溪白村, for a site's line."""
    name, _, parent = index.get(code, ("", "", None))
    above = index.get(parent, ("",))[0] if parent else ""
    return f"{above}{name}" if above else name


def search(session: Session, viewer: Viewer, core, query) -> list[Hit]:
    """At most LIMIT hits for `query` in the viewer's scope, best first, units first."""
    wanted = normalise(query)
    if not wanted or viewer.is_anonymous:
        return []
    index = unit_index(session, viewer)
    scored: list[tuple[tuple, Hit]] = []
    for code, (name, level, parent) in index.items():
        found = rank(wanted, name)
        if found is None:
            continue
        above = index.get(parent, ("",))[0] if parent else ""
        detail = codes.LEVEL_LABELS[level] + (f" · {above}" if above else "")
        order = (found, 0, codes.LEVELS.index(level), code)
        scored.append((order, Hit("unit", code, name, detail)))
    for site in core.sites(session, viewer) if core is not None else []:
        found = rank(wanted, site.name)
        if found is None or not viewer.covers(site.village_code):
            continue
        detail = f"{site.kind} · {_where(index, site.village_code)}"
        order = (found, 1, len(codes.LEVELS), site.id)
        scored.append((order, Hit("site", site.village_code, site.name, detail, site.id)))
    scored.sort(key=lambda pair: pair[0])
    return [hit for _, hit in scored[:LIMIT]]


def site_position(session: Session, viewer: Viewer, core, site_id, village) -> dict | None:
    """Where a site found by the search lies ({lon, lat, name, village}), if in scope."""
    if not isinstance(site_id, str) or not isinstance(village, str) or core is None:
        return None
    try:
        village = codes.normalize(village)
    except codes.InvalidCode:
        return None
    if not viewer.covers(village):
        return None
    for site in core.sites(session, viewer, village):
        if site.id == site_id and site.village_code == village:
            return {"lon": site.lon, "lat": site.lat, "name": site.name, "village": village}
    return None
