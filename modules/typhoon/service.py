"""The typhoon module's answers for one viewer: storms, tracks, and exposure in their scope.

Division polygons come only from `access.scoped.layer` (the viewer's own units) and sites
only from `core.sites` (every module's sites in the viewer's scope), so nothing here can
reach a unit outside the scope. Whole-storm timelines are cached per storm version and scope.
"""

from __future__ import annotations

import json
import threading
from bisect import bisect_right
from datetime import UTC, datetime, timedelta
from pathlib import Path

import shapely
from sqlalchemy.orm import Session

from modules.sdk import DivisionCode, Viewer, boundary_layer, require_unit
from modules.typhoon import storage
from modules.typhoon.circles import interpolate, ring
from modules.typhoon.exposure import Exposure, Target, Targets, timeline
from modules.typhoon.track import GRADES, LEVELS, Fix, StormData, observed_label

BEIJING = timedelta(hours=8)
UNIT_LEVELS = ("county", "town", "village")
LEVEL_LABELS = {"county": "县区", "town": "乡镇街道", "village": "村居", "site": "重点部位"}
WARNING_LINES = Path(__file__).resolve().parent / "data" / "warning_lines.json"
_lock = threading.Lock()
_targets: dict[tuple, Targets] = {}
_timelines: dict[tuple, dict[str, Exposure]] = {}
_computing: dict[tuple, threading.Lock] = {}


def beijing(time: datetime | None, fmt: str | None = "%m-%d %H:%M") -> str:
    return (time.astimezone(UTC) + BEIJING).strftime(fmt or "%m-%d %H:%M") if time else ""


def iso(time: datetime | None) -> str | None:
    return time.astimezone(UTC).isoformat() if time else None


def parse_time(value: str) -> datetime:
    """An ISO 8601 time; without an offset it is read as Beijing time. ValueError if bad."""
    try:
        parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC) - BEIJING
        return parsed.astimezone(UTC)
    except OverflowError:  # the first or last day a datetime holds, shifted out of range
        raise ValueError(f"time {value!r} is out of range") from None


def first_time(data: StormData) -> datetime:
    """Where a storm's timeline starts: its first fix, else its first forecast's issue."""
    if data.fixes:
        return data.fixes[0].time
    issued = [f.issued_at for f in data.forecasts]
    return min(issued) if issued else datetime.now(UTC)


def storm_list(session: Session) -> list[dict]:
    result = []
    for storm in storage.storms(session):
        _, data = storage.load(session, storm.id)
        result.append(
            {
                "id": storm.id,
                "name_zh": storm.name_zh,
                "name_en": storm.name_en,
                "season": storm.season,
                "has_radii": storage.has_radii(data),
                "start": iso(data.fixes[0].time) if data.fixes else None,
                "end": iso(data.fixes[-1].time) if data.fixes else None,
                "forecasts": len(data.forecasts),
                "observed_from": observed_from(data),
                "source": storm.source,
                "radii_note": storm.radii_note,
            }
        )
    return result


def label(storm) -> str:
    return f"{storm.id} {storm.name_zh or storm.name_en}".strip()


# --- targets ------------------------------------------------------------------------------


def targets_for(session: Session, viewer: Viewer, core, unit: str | None = None) -> Targets:
    """The viewer's units (counties, towns, villages; inside `unit` when given) and sites."""
    if unit:
        unit = require_unit(session, viewer, unit)
    bodies = [boundary_layer(session, viewer, level, None, "wgs84") for level in UNIT_LEVELS]
    sites = core.sites(session, viewer, unit) if core is not None else []
    site_key = tuple((s.id, s.lon, s.lat) for s in sites)
    key = (viewer.scopes, unit, tuple(b.etag for b in bodies), site_key)
    with _lock:
        if key in _targets:
            return _targets[key]
    prefix = DivisionCode.parse(unit).prefix if unit else ""
    items: list[Target] = []
    for body in bodies:
        for feature in json.loads(body.raw)["features"]:
            props = feature["properties"]
            if not props["code"].startswith(prefix):
                continue
            items.append(
                Target(
                    props["code"],
                    props["name"],
                    props["level"],
                    shapely.geometry.shape(feature["geometry"]),
                    props.get("parent_code") or "",
                )
            )
    for site in sites:
        items.append(
            Target(site.id, site.name, "site", shapely.Point(site.lon, site.lat), site.village_code)
        )
    targets = Targets(items)
    with _lock:
        if len(_targets) > 64:
            _targets.clear()
        _targets[key] = targets
    return targets


def storm_timeline(
    storm, data: StormData, targets: Targets, track: list[Fix] | None = None, tag: str = "best"
):
    track = track if track is not None else data.fixes
    key = (storm.id, storm.updated_at, targets.token, tag, len(track))
    with _lock:
        if key in _timelines:
            return _timelines[key]
        # The page asks twice at once (summary and map): one computes, the other waits.
        computing = _computing.setdefault(key, threading.Lock())
    with computing:
        with _lock:
            if key in _timelines:
                return _timelines[key]
        result = timeline(track, targets)
        with _lock:
            if len(_timelines) > 64:
                _timelines.clear()
            _timelines[key] = result
            _computing.pop(key, None)
    return result


# --- exposure answers ---------------------------------------------------------------------


def _inside_at(exposure: Exposure, level: int, time: datetime) -> bool:
    """Half-open: `until` is the first minute outside."""
    return any(a <= time < b for a, b in exposure.intervals.get(level, []))


def level_available(data: StormData, time: datetime) -> dict[int, bool]:
    if not data.fixes:
        return dict.fromkeys(LEVELS, False)
    fix = interpolate(data.fixes, time)
    return {level: fix.radii.get(level) is not None for level in LEVELS}


def exposure_at(storm, data: StormData, targets: Targets, time: datetime) -> dict:
    """Per level, the units and sites inside at `time`, each with its whole-storm intervals."""
    found = storm_timeline(storm, data, targets)
    available = level_available(data, time)
    levels = {}
    for level in LEVELS:
        units, sites = [], []
        for exposure in found.values():
            if not _inside_at(exposure, level, time):
                continue
            entry = {
                "code" if exposure.kind != "site" else "site": exposure.key,
                "name": exposure.name,
                "level": exposure.kind,
                "intervals": [
                    {"from": iso(a), "until": iso(b)} for a, b in exposure.intervals[level]
                ],
                "closest_km": exposure.closest_km,
                "closest_at": iso(exposure.closest_at),
            }
            if exposure.kind == "site":
                entry["village_code"] = exposure.parent
                sites.append(entry)
            else:
                units.append(entry)
        units.sort(key=lambda e: e["code"])
        sites.sort(key=lambda e: e["site"])
        levels[str(level)] = {"available": available[level], "units": units, "sites": sites}
    return {
        "storm": storm.id,
        "time": iso(time),
        "levels": levels,
        "forecasts": forecast_exposure(storm, data, targets),
    }


def summary_rows(found: dict[str, Exposure]) -> list[dict]:
    """One row per county/town of the scope and circle level: how many villages (and sites)
    inside it enter the circle, from the first entry to the last exit."""
    villages = [e for e in found.values() if e.kind == "village" and e.exposed]
    sites = [e for e in found.values() if e.kind == "site" and e.exposed]
    rows = []
    parents = sorted(
        (e for e in found.values() if e.kind in ("county", "town")), key=lambda e: e.key
    )
    for parent in parents:
        prefix = DivisionCode.parse(parent.key).prefix
        for level in LEVELS:
            inside = [v for v in villages if v.key.startswith(prefix) and v.intervals.get(level)]
            points = [s for s in sites if s.parent.startswith(prefix) and s.intervals.get(level)]
            if not inside and not parent.intervals.get(level):
                continue
            spans = [i for v in inside for i in v.intervals[level]] or parent.intervals[level]
            rows.append(
                {
                    "code": parent.key,
                    "name": parent.name,
                    "unit_level": parent.kind,
                    "circle": level,
                    "villages": len(inside),
                    "sites": len(points),
                    "from": min(a for a, _ in spans),
                    "until": max(b for _, b in spans),
                }
            )
    return rows


def detail_rows(found: dict[str, Exposure]) -> list[dict]:
    """One row per unit or site and circle level it lies in, with its intervals."""
    rows = []
    for exposure in sorted(found.values(), key=lambda e: (e.kind != "site", e.key)):
        for level in LEVELS:
            for start, end in exposure.intervals.get(level, []):
                rows.append(
                    {
                        "key": exposure.key,
                        "name": exposure.name,
                        "kind": exposure.kind,
                        "circle": level,
                        "from": start,
                        "until": end,
                        "closest_km": exposure.closest_km,
                        "closest_at": exposure.closest_at,
                    }
                )
    rows.sort(key=lambda r: (UNIT_LEVELS + ("site",)).index(r["kind"]))
    return rows


# --- track as GeoJSON -----------------------------------------------------------------------


def _fix_feature(fix: Fix, **extra) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(fix.lon, 3), round(fix.lat, 3)]},
        "properties": {
            "time": iso(fix.time),
            "time_beijing": beijing(fix.time, "%Y-%m-%d %H:%M"),
            "pressure_hpa": fix.pressure,
            "wind_ms": round(fix.wind, 1) if fix.wind is not None else None,
            "grade": fix.grade,
            "grade_name": GRADES.get(fix.grade, ""),
            "radii_km": {
                str(level): (
                    None
                    if fix.radii.get(level) is None
                    else dict(
                        zip(("ne", "se", "sw", "nw"), map(_round1, fix.radii[level]), strict=True)
                    )
                )
                for level in LEVELS
            },
            # How many of the four quadrant radii the source states (the rest by the
            # quadrant rule), per level; a level missing: not known.
            "radii_given": {str(lv): n for lv, n in fix.given.items()},
            "edited_by": fix.edited[0] if fix.edited else None,
            "edited_at": iso(fix.edited[1]) if fix.edited else None,
            **extra,
        },
    }


def _observed_feature(fix: Fix) -> dict:
    """An observed fix: `kind` best (best track) or analysis (an advisory's analysis, with
    its agency and issue time), labelled in zh-CN (`observed_zh`)."""
    if fix.advisory is None:
        return _fix_feature(fix, kind="best", observed_zh=observed_label(fix))
    agency, issued = fix.advisory
    return _fix_feature(
        fix, kind="analysis", agency=agency, issued_at=iso(issued), observed_zh=observed_label(fix)
    )


def observed_from(data: StormData) -> list[str]:
    """What the observed track is read from, in zh-CN: 最佳路径 and/or 实况（CMA报文）."""
    labels: list[str] = []
    for fix in data.fixes:
        if observed_label(fix) not in labels:
            labels.append(observed_label(fix))
    return labels


def track_text(data: StormData) -> str:
    """What the observed track is read from, for an export: 最佳路径 36个定位点 and/or
    实况（CMA报文） 5个（各报文的实况分析，最佳路径到来前）."""
    parts = []
    for label in observed_from(data):
        count = sum(1 for f in data.fixes if observed_label(f) == label)
        if label == "最佳路径":
            parts.append(f"{label} {count}个定位点")
        else:
            parts.append(f"{label} {count}个（各报文的实况分析，最佳路径未覆盖的时次）")
    return "；".join(parts)


def observed_at(data: StormData, time: datetime) -> str:
    """The label of the observed track at `time`: an advisory's when either fix around it
    is one (the position is then read, at least in part, from a bulletin)."""
    fixes = data.fixes
    if not fixes:
        return ""
    times = [f.time for f in fixes]
    index = min(max(bisect_right(times, time), 1), len(fixes))
    around = fixes[index - 1 : index + 1] if times[index - 1] != time else [fixes[index - 1]]
    marked = next((f for f in around if f.advisory), None)
    return observed_label(marked or around[0])


def _round1(value: float) -> float:
    return round(float(value), 1)


def track_geojson(storm, data: StormData) -> dict:
    features = [_observed_feature(fix) for fix in data.fixes]
    if data.fixes:
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[round(f.lon, 3), round(f.lat, 3)] for f in data.fixes],
                },
                "properties": {"kind": "best-line", "observed_from": observed_from(data)},
            }
        )
    for forecast in data.forecasts:
        for fix in forecast.points:
            features.append(
                _fix_feature(
                    fix, kind="forecast", agency=forecast.agency, issued_at=iso(forecast.issued_at)
                )
            )
    return {
        "type": "FeatureCollection",
        "storm": {"id": storm.id, "name_zh": storm.name_zh, "name_en": storm.name_en},
        "source": storm.source,
        "radii_note": storm.radii_note,
        "warning_crossings": crossings(data.fixes),
        "advisories": advisory_record(data),
        "features": features,
    }


LEVEL_ZH = {7: "7级", 10: "10级", 12: "12级"}


def approximation_text(fix: Fix) -> str:
    """How much of each circle at this fix is the quadrant rule's rather than the source's,
    e.g. 7级风圈：4个象限中3个为推算 (JMA states a longest radius and its direction only)."""
    parts = []
    for level in LEVELS:
        given = fix.given.get(level)
        if fix.radii.get(level) is None or given is None or given >= 4:
            continue
        parts.append(f"{LEVEL_ZH[level]}风圈：4个象限中{4 - given}个为推算")
    if not parts:
        return ""
    return "；".join(parts) + "（资料只给最长、最短半径，其余象限按象限规则推算）"


def edit_text(fix: Fix) -> str:
    """The mark of a hand correction: 人工订正（张三，09-29 11:20）."""
    if not fix.edited:
        return ""
    return f"人工订正（{fix.edited[0]}，{beijing(fix.edited[1])}）"


def advisory_record(data: StormData) -> list[dict]:
    """Every forecast (advisory) stored, oldest first per agency: the latest is in force, each
    earlier one kept for the record with the issue time of the one that replaced it."""
    result = []
    by_agency: dict[str, list] = {}
    for forecast in sorted(data.forecasts, key=lambda f: (f.agency, f.issued_at)):
        by_agency.setdefault(forecast.agency, []).append(forecast)
    for agency, forecasts in sorted(by_agency.items()):
        for index, forecast in enumerate(forecasts):
            later = forecasts[index + 1] if index + 1 < len(forecasts) else None
            edits = [p for p in forecast.points if p.edited]
            result.append(
                {
                    "agency": agency,
                    "issued_at": iso(forecast.issued_at),
                    "analysis_time": iso(forecast.points[0].time) if forecast.points else None,
                    "points": len(forecast.points),
                    "in_force": later is None,
                    "replaced_by": iso(later.issued_at) if later else None,
                    "edits": [
                        {
                            "time": iso(p.time),
                            "edited_by": p.edited[0],
                            "edited_at": iso(p.edited[1]),
                        }
                        for p in edits
                    ],
                }
            )
    return result


# --- warning lines --------------------------------------------------------------------------


def warning_lines() -> dict:
    return json.loads(WARNING_LINES.read_text(encoding="utf-8"))


def crossings(fixes: list[Fix]) -> list[dict]:
    """When the track first crossed each warning line (linear between fixes), if it did."""
    result = []
    for line in warning_lines()["lines"]:
        shape = shapely.LineString(line["coordinates"])
        crossed = None
        for before, after in zip(fixes, fixes[1:], strict=False):
            segment = shapely.LineString([(before.lon, before.lat), (after.lon, after.lat)])
            hit = segment.intersection(shape)
            if hit.is_empty:
                continue
            point = (
                hit
                if hit.geom_type == "Point"
                else shapely.Point(hit.coords[0])
                if hasattr(hit, "coords")
                else hit.geoms[0]
            )
            share = segment.project(point, normalized=True)
            crossed = before.time + (after.time - before.time) * share
            break
        result.append({"line": line["id"], "name": line["name"], "time": iso(crossed)})
    return result


def circle_ring(fix: Fix, level: int):
    radii = fix.radii.get(level)
    if radii is None or max(radii) <= 0:
        return None
    return ring(fix.lon, fix.lat, radii)


def interpolate_fix(data: StormData, time: datetime) -> Fix:
    return interpolate(data.fixes, time)


def latest_forecasts(data: StormData) -> list:
    """The latest forecast of each agency."""
    latest: dict = {}
    for forecast in data.forecasts:
        if forecast.agency not in latest or forecast.issued_at > latest[forecast.agency].issued_at:
            latest[forecast.agency] = forecast
    return list(latest.values())


def forecast_track(data: StormData, forecast) -> list[Fix]:
    """A forecast's points, starting from the best-track position at its issue time."""
    points = list(forecast.points)
    if data.fixes and data.fixes[0].time <= forecast.issued_at < points[0].time:
        points.insert(0, interpolate(data.fixes, forecast.issued_at))
    return points


def forecast_exposure(storm, data: StormData, targets: Targets) -> list[dict]:
    """Per agency's latest forecast: who would enter each circle, from when to when."""
    result = []
    for forecast in latest_forecasts(data):
        track = forecast_track(data, forecast)
        tag = f"forecast:{forecast.agency}:{forecast.issued_at.isoformat()}"
        found = storm_timeline(storm, data, targets, track, tag)
        levels = {}
        for level in LEVELS:
            available = any(f.radii.get(level) is not None for f in forecast.points)
            units, sites = [], []
            for exposure in found.values():
                spans = exposure.intervals.get(level)
                if not spans:
                    continue
                entry = {
                    "name": exposure.name,
                    "level": exposure.kind,
                    "intervals": [{"from": iso(a), "until": iso(b)} for a, b in spans],
                }
                if exposure.kind == "site":
                    sites.append({"site": exposure.key, "village_code": exposure.parent, **entry})
                else:
                    units.append({"code": exposure.key, **entry})
            levels[str(level)] = {"available": available, "units": units, "sites": sites}
        result.append(
            {"agency": forecast.agency, "issued_at": iso(forecast.issued_at), "levels": levels}
        )
    return result
