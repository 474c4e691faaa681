"""Per-feature validation: code, geometry, placement inside the parent, overlaps.

Every feature is checked and every problem collected, so one run names them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from layers import codes
from layers.importing.coordinates import Coordinates
from layers.importing.geometry import (
    area_m2,
    intersection,
    metric,
    outside,
    polygonal,
    swapped,
)
from layers.importing.hints import placement_hints, projected_hint
from layers.importing.limits import (
    NEGLIGIBLE_M2,
    OUTSIDE_DISTANCE_MAX_M,
    OUTSIDE_SHARE_MAX,
    OVERLAP_SHARE_MAX,
    SNAP_DEG,
)
from layers.importing.reading import RawFeature, SourceFile, is_missing
from layers.importing.records import not_polygonal
from layers.importing.report import FeatureError, ImportReport, Rejected, km2, pct
from layers.importing.snapshot import Snapshot, Unit


@dataclass
class Candidate:
    """A feature that passed every check, ready to be planned."""

    number: int
    code: str
    geom: BaseGeometry  # WGS84, repaired, clipped to the parent, on the grid
    notes: list[str]


class _Problems:
    """The reasons one feature is bad, in English and zh-CN."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, reason: str, reason_zh: str) -> None:
        self.items.append((reason, reason_zh))


def validate(source: SourceFile, snapshot: Snapshot, report: ImportReport) -> list[Candidate]:
    """The checked features sorted by code; raises Rejected naming every bad one."""
    level = report.level
    errors: list[FeatureError] = []
    notes: list[str] = []
    candidates: list[Candidate] = []
    first_number: dict[str, int] = {}
    parents_xy: dict[str, BaseGeometry] = {}

    for raw in source.features:
        problems = _Problems()
        code = None
        if raw.code_readable:
            code = _check_code(raw, level, snapshot, first_number, problems, source.code_field)
        for reason, reason_zh in raw.problems:
            problems.add(reason, reason_zh)
        unit = snapshot.units.get(code) if code else None
        if unit is not None:
            first_number.setdefault(code, raw.number)
        label = f"feature {raw.number}" + (f" ({code} {unit.name})" if unit else "")
        geom, geom_notes = None, []
        if not raw.problems:
            geom, geom_notes = _check_geometry(raw, source.coordinates, snapshot, problems)
        if unit is not None and raw.name and raw.name != unit.name:
            notes.append(f"{label}: the file calls it '{raw.name}'; the name {unit.name} was kept")
        if geom is not None and unit is not None and not problems.items:
            parent = snapshot.units[unit.parent_code]
            if parent.code not in parents_xy:
                parents_xy[parent.code] = metric(parent.geom)
            geom = _check_inside(
                raw,
                geom,
                source.coordinates,
                parent,
                parents_xy[parent.code],
                snapshot,
                problems,
                geom_notes,
            )
        if problems.items:
            errors.extend(
                FeatureError(raw.number, code, reason, reason_zh, unit.name if unit else None)
                for reason, reason_zh in problems.items
            )
            continue
        if geom is not None and code is not None:
            notes.extend(f"{label}: {note}" for note in geom_notes)
            candidates.append(Candidate(raw.number, code, geom, geom_notes))

    errors.extend(_check_overlaps(candidates, snapshot))
    report.add_notes(notes)
    if errors:
        raise Rejected(errors)
    return sorted(candidates, key=lambda c: c.code)


def _check_code(
    raw: RawFeature,
    level: str,
    snapshot: Snapshot,
    first_number: dict[str, int],
    problems: _Problems,
    field: str = "code",
) -> str | None:
    value = raw.code_value
    if is_missing(value) or (isinstance(value, str) and not value.strip()):
        problems.add(
            f"has no division code: its '{field}' field is empty; fill in the {level} code",
            f"缺少区划代码：“{field}”字段为空，请填写{codes.LEVEL_LABELS[level]}的区划代码",
        )
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    allowed = (9, 12) if level == "town" else (12,)
    try:
        code = codes.normalize(text)
    except codes.InvalidCode:
        digits = " or ".join(str(n) for n in allowed)
        problems.add(
            f"'{text[:40]}' is not a division code (a {level} code has {digits} digits)",
            f"“{text[:40]}”不是区划代码（{codes.LEVEL_LABELS[level]}代码应为 "
            f"{digits.replace(' or ', ' 或 ')} 位数字）",
        )
        return None
    actual = codes.level_of(code)
    if actual != level:
        problems.add(
            f"{text} is a {actual} code, not a {level} code (this import is --level {level})",
            f"{text} 是{codes.LEVEL_LABELS[actual]}代码，不是{codes.LEVEL_LABELS[level]}代码"
            f"（本次导入为 --level {level}）",
        )
        return code
    unit = snapshot.units.get(code)
    city = snapshot.city
    if unit is None or unit.level != level:
        where = city.name if city else "the database"
        hint = hint_zh = ""
        if city is not None and not codes.covers(city.code, code):
            hint = f" (codes here start with {codes.prefix(city.code)})"
            hint_zh = f"（本市的代码以 {codes.prefix(city.code)} 开头）"
        problems.add(
            f"no {level} with code {code} in {'Putian' if city else where}{hint}: check the code",
            f"{where}没有代码为 {code} 的{codes.LEVEL_LABELS[level]}{hint_zh}，请核对代码",
        )
        return code
    if code in first_number:
        problems.add(
            f"code {code} appears again (first in feature {first_number[code]}): each unit "
            "may appear once",
            f"代码 {code} 重复（第 {first_number[code]} 个要素已使用），每个单位只能出现一次",
        )
    if not is_missing(raw.parent_value):
        parent = raw.parent_value
        parent_text = str(
            int(parent) if isinstance(parent, float) and parent.is_integer() else parent
        ).strip()
        try:
            stated = codes.normalize(parent_text)
        except codes.InvalidCode:
            stated = parent_text
        if stated != unit.parent_code:
            problems.add(
                f"the file gives parent {parent_text}, but {code} {unit.name} belongs to "
                f"{snapshot.label(unit.parent_code)}",
                f"文件中的上级代码 {parent_text} 与实际上级 "
                f"{snapshot.label(unit.parent_code)} 不符",
            )
    return code


def _check_geometry(
    raw: RawFeature,
    coordinates: Coordinates,
    snapshot: Snapshot,
    problems: _Problems,
) -> tuple[BaseGeometry | None, list[str]]:
    """The feature's polygon in WGS84, repaired if invalid; None after a failure."""
    geom = raw.geometry
    if geom is None or geom.is_empty:
        problems.add(
            "has no geometry: draw its polygon, or remove the feature",
            "没有几何图形：请绘制其边界面，或删除该要素",
        )
        return None, []
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        problems.add(*not_polygonal(geom.geom_type))
        return None, []
    geom = shapely.force_2d(geom)
    xy = shapely.get_coordinates(geom)
    bad = np.flatnonzero(~np.isfinite(xy).all(axis=1))
    if len(bad):
        x, y = xy[bad[0]]
        count = f"{len(bad)} of its points are" if len(bad) > 1 else "one of its points is"
        problems.add(
            f"geometry: {count} not a finite number (the first: point {bad[0] + 1}, "
            f"x={x}, y={y}): fix or remove those points",
            f"几何图形：有 {len(bad)} 个点的坐标不是有效数字（第一个是第 {bad[0] + 1} 个点，"
            f"x={x}, y={y}），请修正或删除这些点",
        )
        return None, []
    try:
        wgs = coordinates.convert(geom)
    except Exception as error:  # pyproj raises on coordinates outside a system's domain
        problems.add(
            f"coordinates could not be converted from {coordinates.label} ({error}): "
            "check that --crs names the file's system",
            f"坐标无法从 {coordinates.label} 转换：请检查 --crs 指定的坐标系是否正确",
        )
        return None, []
    if not _lon_lat(wgs):
        x, y = shapely.get_coordinates(geom)[0]
        if coordinates.datum is not None and _lon_lat(swapped(geom)):
            problems.add(
                f"coordinates look like latitude, longitude (x={x:.6f}, y={y:.6f}): "
                "longitude must come first",
                f"坐标顺序似乎是纬度在前（x={x:.6f}, y={y:.6f}），应为经度在前",
            )
            return None, []
        hint, hint_zh = projected_hint(geom, snapshot)
        problems.add(
            f"coordinates look projected (x={x:.1f}, y={y:.1f}); name the CRS with "
            f"--crs EPSG:n{hint}",
            f"坐标看起来是投影坐标（x={x:.1f}, y={y:.1f}），请用 --crs EPSG:n 指定坐标系{hint_zh}",
        )
        return None, []
    notes: list[str] = []
    if not geom.is_valid or not wgs.is_valid:
        reason = shapely.is_valid_reason(geom if not geom.is_valid else wgs)
        repaired = polygonal(shapely.make_valid(wgs))
        if repaired.is_empty:
            why, why_zh = _invalid_reason(reason)
            problems.add(
                f"geometry is invalid ({why}) and nothing polygonal is left after repair: "
                "redraw it as an area",
                f"几何图形无效（{why_zh}），无法修复：请重新绘制为面",
            )
            return None, []
        notes.append(f"geometry was invalid ({reason}), repaired with make_valid")
        wgs = repaired
    if area_m2(wgs) < NEGLIGIBLE_M2:
        problems.add(
            "polygon has no area (its points lie on one line or one spot): draw the boundary "
            "as an area",
            "多边形面积为零（所有点在一条线上或重合）：请把边界绘制为面",
        )
        return None, []
    return wgs, notes


def _invalid_reason(reason: str) -> tuple[str, str]:
    """GEOS's is_valid_reason in words, e.g. 'Self-intersection[119.1 25.4]'."""
    found = re.search(r"\[([-\d.eE+]+) ([-\d.eE+]+)\]", reason)
    at, at_zh = (
        (f" near ({found[1]}, {found[2]})", f"，约在 {found[1]}, {found[2]} 处")
        if found
        else ("", "")
    )
    if reason.startswith("Too few points"):
        return f"a ring has fewer than 4 points{at}", f"有的环少于 4 个点{at_zh}"
    if "Self-intersection" in reason:
        return f"its outline crosses itself{at}", f"边界线自相交{at_zh}"
    return reason, f"几何图形无效{at_zh}"


def _lon_lat(geom: BaseGeometry) -> bool:
    """True when every coordinate is a finite longitude, latitude pair."""
    xy = shapely.get_coordinates(geom)
    return bool(
        np.isfinite(xy).all() and (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()
    )


def _check_inside(
    raw: RawFeature,
    geom: BaseGeometry,
    coordinates: Coordinates,
    parent: Unit,
    parent_xy: BaseGeometry,
    snapshot: Snapshot,
    problems: _Problems,
    notes: list[str],
) -> BaseGeometry | None:
    """Reject a feature that sticks out of its parent; clip one that fits within tolerance."""
    beyond = outside(metric(geom), parent_xy)
    if not beyond.fits:
        hints = placement_hints(raw, geom, coordinates, parent, parent_xy, snapshot)
        problems.add(
            f"{pct(beyond.share)} of it ({km2(beyond.area_m2)}) lies outside its "
            f"{parent.level} {parent.name} ({parent.code}), reaching {beyond.distance_m:.0f} m "
            f"beyond it (allowed: {pct(OUTSIDE_SHARE_MAX)} and {OUTSIDE_DISTANCE_MAX_M:.0f} m)"
            + "".join(f"; {h[0]}" for h in hints),
            f"有 {pct(beyond.share)} 位于上级{codes.LEVEL_LABELS[parent.level]}"
            f"{parent.name}（{parent.code}）之外，最远超出 {beyond.distance_m:.0f} 米"
            + "".join(f"；{h[1]}" for h in hints),
        )
        return None
    # An edge running within centimetres of the parent's edge would leave a sliver thinner
    # than the grid, which overlays on the grid cannot keep consistently (area would go
    # missing between the unit and its regenerated neighbours): snap such edges onto it.
    snapped = polygonal(shapely.make_valid(shapely.snap(geom, parent.geom, SNAP_DEG)))
    clipped = intersection(snapped if not snapped.is_empty else geom, parent.geom)
    if beyond.area_m2 >= NEGLIGIBLE_M2:
        notes.append(
            f"{km2(beyond.area_m2)} ({pct(beyond.share)}, up to "
            f"{beyond.distance_m:.0f} m) outside {parent.name} ({parent.code}) was clipped off"
        )
    return clipped


def _check_overlaps(candidates: list[Candidate], snapshot: Snapshot) -> list[FeatureError]:
    """Imported siblings (in this file, or imported before) must not overlap by more than 1%."""
    errors: list[FeatureError] = []
    importing = {c.code for c in candidates}
    others: list[tuple[int | None, str, BaseGeometry]] = [
        (c.number, c.code, c.geom) for c in candidates
    ]
    parents = {snapshot.units[c.code].parent_code for c in candidates}
    for parent in sorted(parents):
        for code in snapshot.children.get(parent, []):
            unit = snapshot.units[code]
            if unit.source == "imported" and code not in importing:
                others.append((None, code, unit.geom))
    if len(others) < 2:
        return errors
    geoms = [item[2] for item in others]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        (n1, c1, g1), (n2, c2, g2) = others[i], others[j]
        if n1 is None and n2 is None:
            continue
        if snapshot.units[c1].parent_code != snapshot.units[c2].parent_code:
            continue
        shared = area_m2(intersection(g1, g2))
        smaller = min(area_m2(g1), area_m2(g2))
        if smaller <= 0 or shared / smaller <= OVERLAP_SHARE_MAX:
            continue
        # The later feature of the file carries the error and names the other unit.
        if n1 is None or (n2 is not None and n2 > n1):
            number, code, other_number, other_code = n2, c2, n1, c1
        else:
            number, code, other_number, other_code = n1, c1, n2, c2
        other_unit = snapshot.units[other_code]
        other = (
            f"feature {other_number} ({other_code} {other_unit.name})"
            if other_number is not None
            else f"the previously imported {other_unit.name} ({other_code})"
        )
        errors.append(
            FeatureError(
                number,
                code,
                f"overlaps {other} by {km2(shared)}, {pct(shared / smaller)} of the smaller "
                f"one (allowed: {pct(OVERLAP_SHARE_MAX)})",
                f"与{other_unit.name}（{other_code}）重叠 {pct(shared / smaller)}",
                snapshot.units[code].name,
            )
        )
    return errors
