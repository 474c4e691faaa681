"""Planning an import: every geometry after it, computed in memory before anything is written.

Imported units keep their (checked) shape; the generated siblings under each affected
parent are regenerated with the build's deterministic `partition()` in what the imported
units leave of the parent; for a town import the generated villages of every changed town
are regenerated too. Generated geometry is only ever regenerated, never edited by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from layers import codes
from layers.build import COMMUNITY_WEIGHT, TOWN_WEIGHTS
from layers.importing.checks import Candidate
from layers.importing.geometry import area_m2, difference, intersection, metric, union
from layers.importing.limits import GAP_AREA_M2, GAP_WIDTH_M, NEGLIGIBLE_M2, OUTSIDE_SHARE_MAX
from layers.importing.nesting import nest, tile
from layers.importing.report import FeatureError, Rejected, km2, pct
from layers.importing.snapshot import Snapshot
from layers.partition import GRID, PartitionError, UnitSpec, partition
from layers.sources import SOURCES_DIR, read_anchors

LOGGER = logging.getLogger(__name__)


@dataclass
class Plan:
    geoms: dict[str, BaseGeometry]  # the final geometry of every unit whose shape changed
    sources: dict[str, str]  # new geometry_source of imported and regenerated units
    unit_notes: dict[str, str | None]  # new geometry_note of imported and regenerated units
    regenerated_neighbours: set[str] = field(default_factory=set)
    regenerated_villages: set[str] = field(default_factory=set)
    report_notes: list[str] = field(default_factory=list)


def plan_import(snapshot: Snapshot, level: str, candidates: list[Candidate], path: Path) -> Plan:
    """Every geometry after the import, computed in memory; raises Rejected if it cannot be."""
    units = snapshot.units
    geoms = {code: unit.geom for code, unit in units.items()}
    today = datetime.now(UTC).date().isoformat()
    plan = Plan({}, {}, {})
    errors: list[FeatureError] = []
    new_by_parent: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        new_by_parent.setdefault(units[candidate.code].parent_code, []).append(candidate)
        plan.sources[candidate.code] = "imported"
        plan.unit_notes[candidate.code] = "; ".join(
            [f"imported {today} from {path.name}, feature {candidate.number}", *candidate.notes]
        )
    regenerated_note = f"generated (approximate), regenerated {today} around imported boundaries"
    anchors = _anchors() if level == "town" else {}

    for parent_code in sorted(new_by_parent):
        siblings = snapshot.children.get(parent_code, [])
        fixed = _imported_siblings(new_by_parent[parent_code], siblings, snapshot, plan)
        generated = [code for code in siblings if code not in fixed]
        try:
            result = _fill(
                snapshot,
                parent_code,
                geoms[parent_code],
                fixed,
                _specs(generated, snapshot, anchors),
                plan,
                absorbers=[c.code for c in new_by_parent[parent_code]],
            )
        except Rejected as rejected:
            errors.extend(rejected.errors)
            continue
        geoms.update(result)
        for code in generated:
            plan.sources[code] = "generated"
            plan.unit_notes[code] = regenerated_note
        plan.regenerated_neighbours.update(generated)
        if level != "town":
            continue
        changed_towns = [c.code for c in new_by_parent[parent_code]] + generated
        try:
            _regenerate_villages(snapshot, changed_towns, set(fixed), geoms, plan, regenerated_note)
        except Rejected as rejected:
            errors.extend(rejected.errors)
    if errors:
        raise Rejected(errors)

    counties = {units[p].parent_code if level == "village" else p for p in new_by_parent}
    nested = nest(snapshot, geoms, counties, plan.sources)
    for code, geom in nested.items():
        old = units[code].geom
        if code in plan.sources or not shapely.equals_exact(geom, old, tolerance=1e-10):
            plan.geoms[code] = geom
    return plan


def _imported_siblings(
    new: list[Candidate], siblings: list[str], snapshot: Snapshot, plan: Plan
) -> dict[str, BaseGeometry]:
    """The siblings that keep a fixed shape: imported before, or imported now.

    Small overlaps (within OVERLAP_SHARE_MAX, larger ones were rejected) go to the unit
    imported before, else to the lower code, so the result does not depend on file order.
    """
    importing = {c.code for c in new}
    fixed = {
        code: snapshot.units[code].geom
        for code in siblings
        if snapshot.units[code].source != "generated" and code not in importing
    }
    taken = union(fixed.values())
    for candidate in sorted(new, key=lambda c: c.code):
        geom = difference(candidate.geom, taken)
        trimmed = area_m2(candidate.geom) - area_m2(geom)
        if trimmed >= NEGLIGIBLE_M2:
            plan.report_notes.append(
                f"feature {candidate.number} ({candidate.code} "
                f"{snapshot.units[candidate.code].name}): {km2(trimmed)} overlapping an imported "
                "neighbour was left to the neighbour"
            )
        fixed[candidate.code] = geom
        taken = union([taken, geom])
    return fixed


def _anchors() -> dict:
    try:
        return read_anchors(SOURCES_DIR)
    except OSError as error:
        LOGGER.warning("town anchors not readable (%s); towns are placed without them", error)
        return {}


def _specs(generated: Sequence[str], snapshot: Snapshot, anchors: Mapping) -> list[UnitSpec]:
    """The same UnitSpecs the build uses (layers.build.build_features)."""
    specs = []
    for code in generated:
        unit = snapshot.units[code]
        if unit.level == "town":
            anchor = anchors.get(code)
            specs.append(
                UnitSpec(
                    code=code,
                    weight=TOWN_WEIGHTS[codes.town_kind(code)],
                    anchor=(anchor.lon, anchor.lat) if anchor else None,
                    area_km2=anchor.area_km2 if anchor else None,
                    island=anchor.island if anchor else False,
                )
            )
        else:
            specs.append(
                UnitSpec(code=code, weight=COMMUNITY_WEIGHT if "社区" in unit.name else 1.0)
            )
    return specs


def _fill(
    snapshot: Snapshot,
    parent_code: str,
    parent_geom: BaseGeometry,
    fixed: Mapping[str, BaseGeometry],
    specs: list[UnitSpec],
    plan: Plan,
    absorbers: Iterable[str] = (),
) -> dict[str, BaseGeometry]:
    """Fixed units keep their shape; generated ones partition what they leave of the parent.

    Narrow or small gaps along the units being imported now (`absorbers`) are added to
    them. Units imported earlier never grow: their villages would no longer cover them.
    """
    parent = snapshot.units[parent_code]
    child_level = codes.child_level(parent.level) or "unit"
    if not fixed and not specs:
        return {}
    result = dict(fixed)
    remainder = difference(parent_geom, union(fixed.values()))
    leftovers: list[Polygon] = []
    closed: dict[str, float] = {}
    growing = {code: result[code] for code in absorbers}
    for part in shapely.get_parts(remainder) if not remainder.is_empty else []:
        owner = _gap_owner(part, growing) if growing else None
        if owner is not None:
            result[owner] = growing[owner] = union([result[owner], part])
            closed[owner] = closed.get(owner, 0.0) + area_m2(part)
        else:
            leftovers.append(part)
    for code, gap_m2 in sorted(closed.items()):
        unit = snapshot.units[code]
        if gap_m2 >= NEGLIGIBLE_M2:
            text = f"{km2(gap_m2)} of narrow or small gaps at the edge of {parent.name} added"
            plan.report_notes.append(f"{code} {unit.name}: {text}")
            previous = plan.unit_notes.get(code, unit.note)
            plan.unit_notes[code] = f"{previous}; {text}" if previous else text
    remainder = union(leftovers)
    left_m2 = area_m2(remainder)

    if not specs:
        if left_m2 < NEGLIGIBLE_M2:
            return tile(parent_geom, result, sorted(result))
        share = left_m2 / max(area_m2(parent_geom), 1e-9)
        if share > OUTSIDE_SHARE_MAX or not growing:
            raise Rejected(
                [
                    FeatureError(
                        None,
                        parent_code,
                        f"the imported {child_level}s leave {km2(left_m2)} ({pct(share)}) of "
                        f"{parent.name} uncovered, and no generated {child_level}s remain to "
                        "fill it",
                        f"导入的{codes.LEVEL_LABELS.get(child_level, '')}边界未覆盖{parent.name}的 "
                        f"{pct(share)}，且没有生成的单元可以填补",
                        parent.name,
                    )
                ]
            )
        for part in shapely.get_parts(remainder):
            owner = _gap_owner(part, growing, any_size=True)
            result[owner] = growing[owner] = union([result[owner], part])
        plan.report_notes.append(
            f"{parent.name} ({parent_code}): {km2(left_m2)} left between the imported "
            f"{child_level}s and its boundary went to the {child_level}s beside it"
        )
        return tile(parent_geom, result, sorted(result))

    names = ", ".join(snapshot.units[s.code].name for s in specs)
    no_room = FeatureError(
        None,
        parent_code,
        f"no room is left in {parent.name} for the generated {child_level}s {names} after the "
        f"imported ones; import those too",
        f"{parent.name}内已没有空间容纳生成的{names}，请一并导入",
        parent.name,
    )
    if left_m2 < NEGLIGIBLE_M2:
        raise Rejected([no_room])
    try:
        cells = partition(remainder, specs)
    except PartitionError as error:
        raise Rejected(
            [
                FeatureError(
                    None, parent_code, f"{no_room.reason} ({error})", no_room.reason_zh, parent.name
                )
            ]
        ) from None
    # Fixed units first: where a generated cell strays onto them (by centimetres), they win.
    order = [*sorted(result), *sorted(cells)]
    result = tile(parent_geom, {**cells, **result}, order)
    if any(s.code not in result for s in specs):
        raise Rejected([no_room])
    return result


def _gap_owner(
    part: BaseGeometry, fixed: Mapping[str, BaseGeometry], any_size: bool = False
) -> str | None:
    """The fixed unit a thin gap belongs to (longest shared edge), or None if not a gap."""
    if not any_size:
        part_xy = metric(part)
        width = 2 * part_xy.area / max(part_xy.length, 1e-9)
        if width >= GAP_WIDTH_M and part_xy.area >= GAP_AREA_M2:
            return None
    best, best_length = None, 0.0
    for code in sorted(fixed):
        geom = fixed[code]
        if geom.is_empty or not shapely.intersects(part.buffer(GRID), geom):
            continue
        length = shapely.intersection(part.boundary, geom.boundary, grid_size=GRID).length
        if length > best_length:
            best, best_length = code, length
    if best is None and any_size:
        best = min(sorted(fixed), key=lambda code: part.distance(fixed[code]))
    return best


def _regenerate_villages(
    snapshot: Snapshot,
    changed_towns: list[str],
    fixed_towns: set[str],
    geoms: dict[str, BaseGeometry],
    plan: Plan,
    regenerated_note: str,
) -> None:
    """Regenerate the generated villages of every town whose shape changed.

    Imported villages are kept: those of an imported town are clipped to it; a generated
    town takes its imported villages whole (imported towns come first).
    """
    errors: list[FeatureError] = []
    imported_villages: dict[str, dict[str, BaseGeometry]] = {}
    fixed_union = union(geoms[t] for t in fixed_towns)
    for town in sorted(changed_towns):
        for code in snapshot.children.get(town, []):
            unit = snapshot.units[code]
            if unit.source == "generated":
                continue
            if town in fixed_towns:
                kept = intersection(unit.geom, geoms[town])
            else:
                kept = difference(unit.geom, fixed_union)
            before = area_m2(unit.geom)
            lost = before - area_m2(kept)
            if lost / max(before, 1e-9) > OUTSIDE_SHARE_MAX:
                errors.append(
                    FeatureError(
                        None,
                        code,
                        f"the imported village {unit.name} ({code}) would lose {km2(lost)} "
                        f"({pct(lost / before)}) to the new town boundaries; import a village "
                        "file that matches them",
                        f"已导入的村居{unit.name}将因新的镇街边界失去 {pct(lost / before)} 的面积",
                        unit.name,
                    )
                )
                continue
            if lost >= NEGLIGIBLE_M2:
                text = f"{km2(lost)} outside its new town boundary clipped off"
                plan.report_notes.append(f"{code} {unit.name} (imported before): {text}")
                plan.unit_notes[code] = f"{unit.note}; {text}" if unit.note else text
            imported_villages.setdefault(town, {})[code] = kept
    if errors:
        raise Rejected(errors)

    # A generated town holds its imported villages whole: carve them out of the others.
    generated_towns = [t for t in changed_towns if t not in fixed_towns]
    for town in generated_towns:
        own = union(imported_villages.get(town, {}).values())
        others = union(
            g for t in generated_towns if t != town for g in imported_villages.get(t, {}).values()
        )
        if own.is_empty and others.is_empty:
            continue
        geoms[town] = union([difference(geoms[town], others), own])

    for town in sorted(changed_towns):
        kept = imported_villages.get(town, {})
        generated = [c for c in snapshot.children.get(town, []) if c not in kept]
        try:
            geoms.update(
                _fill(snapshot, town, geoms[town], kept, _specs(generated, snapshot, {}), plan)
            )
        except Rejected as rejected:
            errors.extend(rejected.errors)
            continue
        for code in generated:
            plan.sources[code] = "generated"
            plan.unit_notes[code] = regenerated_note
        plan.regenerated_villages.update(generated)
    if errors:
        raise Rejected(errors)
