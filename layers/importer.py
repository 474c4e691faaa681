"""`onemap boundaries import`: real town or village polygons replace the generated ones.

The whole file is validated before anything is written, and a file with any bad feature
changes nothing: the report names each bad feature (1-based number and code) and why.

A good file is applied in one transaction:

1. each imported unit gets its polygon (repaired if invalid, clipped to its parent, snapped
   to the 1e-7 degree grid) and `geometry_source = "imported"`;
2. the generated siblings under each affected parent are regenerated with the build's
   deterministic `partition()` inside what the imported units leave of the parent;
3. for a town import, the generated villages of every town whose shape changed are
   regenerated inside it (imported villages are kept, clipped to their town);
4. the affected county is re-derived from one arrangement of its villages, as the build
   does, so its villages tile its towns and its towns tile it exactly (see `_nest`);
5. the boundaries version in Meta is bumped, which invalidates the served GeoJSON caches.

Generated geometry is only ever regenerated (deterministically), never edited by hand.
Nothing is written until every geometry of the result has been computed and checked.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, select, update

from layers import codes
from layers.build import COMMUNITY_WEIGHT, TOWN_WEIGHTS, geodesic_area_km2, label_point
from layers.build import _normalised as normalised_geometry
from layers.crs import CRS_NAMES, UnknownCRS, geometry_to_wgs84, parse_crs
from layers.load import _lock_boundaries, _set_meta, boundaries_version
from layers.partition import GRID, PartitionError, UnitSpec, finest_coverage, partition
from layers.sources import SOURCES_DIR, read_anchors
from store.engine import make_session
from store.models import BOUNDARIES_VERSION, Division, bbox_columns

LOGGER = logging.getLogger(__name__)

IMPORT_LEVELS: tuple[str, ...] = ("town", "village")
# Tried in this order when --code-field is not given.
CODE_FIELDS: tuple[str, ...] = ("code", "adcode", "区划代码", "CODE", "ADCODE")
NAME_FIELDS: tuple[str, ...] = ("name", "名称", "区划名称", "NAME")
PARENT_FIELDS: tuple[str, ...] = ("parent_code", "parent", "上级代码")

# A feature may stick out of its parent by at most this share of its area and this far;
# within both it is clipped to the parent, beyond either it is rejected.
OUTSIDE_SHARE_MAX = 0.02
OUTSIDE_DISTANCE_MAX_M = 200.0
# Two imported siblings may overlap by at most this share of the smaller one.
OVERLAP_SHARE_MAX = 0.01
# Below this an area difference is rounding on the 1e-7 degree grid, not a change.
NEGLIGIBLE_M2 = 1.0
# Pieces of a parent left between imported units and the parent's edge that are this thin
# (or this small) are digitising gaps: they go to the imported unit they lie along instead
# of becoming detached shreds of a generated neighbour.
GAP_WIDTH_M = 10.0
GAP_AREA_M2 = 1000.0
# Vertices of an imported polygon this close to its parent's boundary (about 10 cm) are
# snapped onto it.
SNAP_DEG = 1e-6
# Differences thinner than this (as 2 * area / perimeter) are grid noise, not a moved edge.
SLIVER_WIDTH_M = 0.05
# Overlays in the metric plane snap to this (metres): snap rounding never fails on
# nearly coincident edges, as floating-point overlays can.
METRIC_GRID_M = 0.01
# CGCS2000 / 3-degree Gauss-Kruger CM 120E: the local metric plane for areas and distances.
METRIC_CRS = "EPSG:4549"
# Projected systems a Putian file is likely to be in, for the "name the CRS" hint.
LIKELY_PROJECTED = ("EPSG:4549", "EPSG:4548", "EPSG:4528", "EPSG:4527", "EPSG:32650", "EPSG:3857")
MAX_ATTEMPTS = 3

_LEVEL_ZH = codes.LEVEL_LABELS
_PARENT_LEVEL = {"town": "county", "village": "town"}
_CRS_LABELS = {"wgs84": "WGS84", "gcj02": "GCJ-02", "bd09": "BD-09"}


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class FeatureError:
    """One reason a file cannot be imported: which feature (1-based), which code, why."""

    feature: int | None  # 1-based row number; None for the file as a whole
    code: str | None
    reason: str  # plain English, for logs and the CLI
    reason_zh: str  # short zh-CN sentence for on-screen use
    name: str | None = None

    def where(self, path: Path | None = None) -> str:
        label = " ".join(part for part in (self.code, self.name) if part)
        if self.feature is not None:
            return f"feature {self.feature}" + (f" ({label})" if label else "")
        if label:
            return label
        return path.name if path is not None else "file"

    def text(self, path: Path | None = None) -> str:
        return f"{self.where(path)}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did (or, when not ok, why it did nothing)."""

    path: Path
    level: str
    ok: bool = False
    dry_run: bool = False
    errors: list[FeatureError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    features_read: int = 0
    crs: str | None = None  # how the coordinates were read, e.g. "gcj02 (from --crs)"
    code_field: str | None = None
    imported: int = 0
    regenerated_neighbours: int = 0
    regenerated_villages: int = 0
    imported_units: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    version: int | None = None  # the boundaries version after the import
    seconds: float = 0.0

    def text(self) -> str:
        """The multi-line report `onemap boundaries import` prints."""
        noun = self.level if self.level in IMPORT_LEVELS else "boundary"
        lines = [f"Import of {noun} boundaries from {self.path}"]
        facts = [f"{self.features_read} feature{'s' if self.features_read != 1 else ''} read"]
        if self.code_field:
            facts.append(f"code field '{self.code_field}'")
        if self.crs:
            facts.append(f"coordinates {self.crs}")
        lines.append("  " + "; ".join(facts))
        if not self.ok:
            count = len(self.errors)
            lines.append(
                f"REJECTED: {count} problem{'s' if count != 1 else ''}; nothing was changed."
            )
            lines.extend(f"  - {error.text(self.path)}" for error in self.errors)
        else:
            units = ", ".join(f"{code} {name}" for code, name in self.imported_units)
            plural = "s" if self.imported != 1 else ""
            regenerated = f"{self.regenerated_neighbours} generated neighbouring {noun}s"
            if self.level == "town":
                regenerated += (
                    f" and {self.regenerated_villages} generated villages of the changed towns"
                )
            if self.dry_run:
                lines.append("DRY RUN: the file is valid; nothing was changed. Importing it would")
                lines.append(f"  replace {self.imported} {noun}{plural}: {units}")
                lines.append(f"  and regenerate {regenerated}")
            else:
                lines.append(f"OK: imported {self.imported} {noun}{plural}: {units}")
                lines.append(f"  regenerated {regenerated}")
                lines.append(f"  boundaries version is now {self.version}")
        if self.notes:
            lines.append("Notes:")
            lines.extend(f"  - {note}" for note in self.notes)
        lines.append(f"({self.seconds:.1f} s)")
        return "\n".join(lines)


class _Rejected(Exception):
    """Validation or planning found problems; nothing may be written."""

    def __init__(self, errors: list[FeatureError]) -> None:
        super().__init__("; ".join(error.reason for error in errors))
        self.errors = errors


class _Stale(Exception):
    """The stored boundaries changed between reading them and writing the import."""


# --------------------------------------------------------------------------- entry point


def import_boundaries(
    engine: Engine,
    level: str,
    path: Path,
    crs: str | None = None,
    code_field: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Validate `path` and, unless dry_run or any feature is bad, import it atomically."""
    started = time.perf_counter()
    path = Path(path)
    report = ImportReport(path=path, level=level, dry_run=dry_run)
    try:
        if level not in IMPORT_LEVELS:
            raise _Rejected(
                [
                    _file_error(
                        f"cannot import level {level!r}: only town or village boundaries can "
                        "be imported",
                        f"只能导入镇街或村居边界，不能导入 {level}",
                    )
                ]
            )
        source = _read_file(path, crs, code_field, report)
        for _attempt in range(MAX_ATTEMPTS):
            snapshot = _read_snapshot(engine)
            candidates = _validate(source, snapshot, report)
            plan = _plan(snapshot, level, candidates, path)
            report.imported = len(candidates)
            report.imported_units = [(c.code, snapshot.units[c.code].name) for c in candidates]
            report.regenerated_neighbours = len(plan.regenerated_neighbours)
            report.regenerated_villages = len(plan.regenerated_villages)
            if dry_run:
                report.notes = _unique(report.notes + plan.report_notes)
                report.ok = True
                break
            try:
                report.version = _write(engine, snapshot, plan)
            except _Stale:
                LOGGER.info("boundaries changed during the import of %s; retrying", path)
                continue
            report.notes = _unique(report.notes + plan.report_notes)
            report.ok = True
            LOGGER.info(
                "imported %d %s boundaries from %s (version %d)",
                report.imported,
                level,
                path,
                report.version,
            )
            break
        else:
            raise _Rejected(
                [
                    _file_error(
                        "the stored boundaries kept changing while this file was imported; "
                        "try again",
                        "导入期间边界数据不断变化，请重试",
                    )
                ]
            )
    except GEOSException as error:
        LOGGER.exception("geometry operation failed while importing %s", path)
        rejected = _Rejected(
            [
                _file_error(
                    f"a geometry operation failed ({error}); nothing was changed",
                    f"几何运算失败（{error}），未做任何修改",
                )
            ]
        )
        report.ok = False
        report.errors = rejected.errors
    except _Rejected as rejected:
        report.ok = False
        report.errors = sorted(
            rejected.errors,
            key=lambda e: (e.feature is not None, e.feature or 0, e.code or ""),
        )
    report.seconds = time.perf_counter() - started
    return report


# --------------------------------------------------------------------------- reading


@dataclass
class _Coordinates:
    """How the file's coordinates become WGS84 longitude/latitude."""

    label: str
    convert: Callable[[BaseGeometry], BaseGeometry]
    # "wgs84", "gcj02" or "bd09" when the raw coordinates are lon/lat in that datum: then a
    # misplaced feature can be retried in the other two to hint at the right --crs.
    datum: str | None


@dataclass
class _RawFeature:
    number: int  # 1-based
    code_value: Any
    geometry: BaseGeometry | None
    name: str | None
    parent_value: Any


@dataclass
class _Input:
    features: list[_RawFeature]
    coordinates: _Coordinates


def _file_error(reason: str, reason_zh: str) -> FeatureError:
    return FeatureError(None, None, reason, reason_zh)


def _read_file(path: Path, crs: str | None, code_field: str | None, report: ImportReport) -> _Input:
    if crs is not None:
        try:
            parse_crs(crs)
        except UnknownCRS as error:
            raise _Rejected([_file_error(str(error), f"无法识别的坐标系：{crs}")]) from None
    if not path.exists():
        raise _Rejected([_file_error(f"{path}: no such file", f"文件不存在：{path}")])
    try:
        layers = pyogrio.list_layers(path)
        frame = pyogrio.read_dataframe(path)
    except Exception as error:  # pyogrio raises several kinds; all mean "cannot read"
        message = str(error).strip() or type(error).__name__
        raise _Rejected(
            [
                _file_error(
                    f"{path.name} could not be read as GeoJSON, GeoPackage or Shapefile: {message}",
                    f"无法读取文件 {path.name}（应为 GeoJSON、GeoPackage 或 Shapefile）：{message}",
                )
            ]
        ) from None
    if len(layers) > 1:
        report.notes.append(
            f"{path.name} has {len(layers)} layers; read the first one, '{layers[0][0]}'"
        )
    report.features_read = len(frame)
    if len(frame) == 0:
        raise _Rejected(
            [_file_error(f"{path.name} contains no features", f"文件 {path.name} 中没有要素")]
        )

    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    present = ", ".join(columns) if columns else "none"
    if code_field is not None:
        if code_field not in columns:
            raise _Rejected(
                [
                    _file_error(
                        f"the file has no field '{code_field}' (fields present: {present})",
                        f"文件中没有字段“{code_field}”（现有字段：{present}）",
                    )
                ]
            )
        field_name = code_field
    else:
        found = next((name for name in CODE_FIELDS if name in columns), None)
        if found is None:
            raise _Rejected(
                [
                    _file_error(
                        f"no division code field found: expected one of "
                        f"{', '.join(CODE_FIELDS)}, or name it with --code-field "
                        f"(fields present: {present})",
                        f"找不到区划代码字段，请用 --code-field 指定（现有字段：{present}）",
                    )
                ]
            )
        field_name = found
    report.code_field = field_name

    coordinates = _coordinates(crs, frame.crs, report)
    report.crs = coordinates.label
    name_field = next((name for name in NAME_FIELDS if name in columns), None)
    parent_field = next((name for name in PARENT_FIELDS if name in columns), None)
    names = frame[name_field].tolist() if name_field else [None] * len(frame)
    parents = frame[parent_field].tolist() if parent_field else [None] * len(frame)
    features = [
        _RawFeature(
            index + 1, value, geom, None if _missing(name) else str(name).strip() or None, parent
        )
        for index, (value, geom, name, parent) in enumerate(
            zip(frame[field_name].tolist(), frame.geometry.tolist(), names, parents, strict=True)
        )
    ]
    return _Input(features, coordinates)


def _coordinates(
    crs: str | None, file_crs: pyproj.CRS | None, report: ImportReport
) -> _Coordinates:
    if crs is not None:
        name = parse_crs(crs)  # already checked by _read_file
        if file_crs is not None and file_crs.is_projected and not _same_crs(file_crs, name):
            report.notes.append(
                f"the file declares {_crs_name(file_crs)}, but its coordinates were read as "
                f"{name} because --crs says so"
            )
        return _Coordinates(
            f"{name} (from --crs)",
            lambda geom: geometry_to_wgs84(geom, name),
            name if name in CRS_NAMES else None,
        )
    if file_crs is None:
        return _Coordinates(
            "wgs84 (the file names no coordinate system)", lambda geom: geom, "wgs84"
        )
    if _is_wgs84(file_crs):
        return _Coordinates("wgs84 (the file's own)", lambda geom: geom, "wgs84")
    epsg = file_crs.to_epsg()
    if epsg is not None:
        try:
            name = parse_crs(f"EPSG:{epsg}")
        except UnknownCRS:
            name = None
        if name is not None:
            return _Coordinates(
                f"{name} (the file's own, {file_crs.name})",
                lambda geom: geometry_to_wgs84(geom, name),
                None,
            )
    transformer = pyproj.Transformer.from_crs(file_crs, "EPSG:4326", always_xy=True)
    return _Coordinates(
        f"{file_crs.name} (the file's own)", lambda geom: _transformed(geom, transformer), None
    )


def _is_wgs84(crs: pyproj.CRS) -> bool:
    # CGCS2000 is within centimetres of WGS84 (see layers.crs); GeoJSON reports OGC:CRS84.
    return any(
        crs.equals(pyproj.CRS.from_epsg(code), ignore_axis_order=True) for code in (4326, 4490)
    )


def _same_crs(file_crs: pyproj.CRS, name: str) -> bool:
    if name in CRS_NAMES:
        return name == "wgs84" and _is_wgs84(file_crs)
    return file_crs.equals(pyproj.CRS.from_user_input(name), ignore_axis_order=True)


def _crs_name(crs: pyproj.CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} ({crs.name})" if epsg else crs.name


def _transformed(geom: BaseGeometry, transformer: pyproj.Transformer) -> BaseGeometry:
    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack((np.asarray(x, dtype=float), np.asarray(y, dtype=float)))

    return shapely.transform(geom, fn)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- snapshot


@dataclass(frozen=True)
class _Unit:
    code: str
    name: str
    level: str
    parent_code: str | None
    geom: BaseGeometry
    source: str
    note: str | None


@dataclass
class _Snapshot:
    units: dict[str, _Unit]
    version: int
    children: dict[str, list[str]]

    def label(self, code: str) -> str:
        unit = self.units.get(code)
        return f"{unit.name} ({code})" if unit else code

    @property
    def city(self) -> _Unit | None:
        return next((u for u in self.units.values() if u.level == "city"), None)


def _read_snapshot(engine: Engine) -> _Snapshot:
    with make_session(engine)() as session, session.begin():
        version = boundaries_version(session)
        rows = session.execute(
            select(
                Division.code,
                Division.name,
                Division.level,
                Division.parent_code,
                Division.geom,
                Division.geometry_source,
                Division.geometry_note,
            ).order_by(Division.code)
        ).all()
    units = {row.code: _Unit(*row) for row in rows}
    children: dict[str, list[str]] = {}
    for unit in units.values():
        if unit.parent_code is not None:
            children.setdefault(unit.parent_code, []).append(unit.code)
    return _Snapshot(units, version, children)


# --------------------------------------------------------------------------- metric helpers


@lru_cache(maxsize=1)
def _to_metric() -> pyproj.Transformer:
    return pyproj.Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


def _metric(geom: BaseGeometry) -> BaseGeometry:
    """WGS84 lon/lat -> metres in the local Gauss-Kruger plane (valid, for overlays)."""
    out = _transformed(geom, _to_metric())
    # Vertices millimetres apart can cross when projected; overlays need valid input.
    if isinstance(out, Polygon | MultiPolygon) and not out.is_valid:
        out = _polygonal(shapely.make_valid(out))
    return out


def _area_m2(geom: BaseGeometry) -> float:
    return 0.0 if geom.is_empty else float(_metric(geom).area)


def _polygonal(geom: BaseGeometry | None) -> BaseGeometry:
    """Only the polygons of a geometry, as a Polygon or MultiPolygon (possibly empty)."""
    if geom is None or geom.is_empty:
        return Polygon()
    parts = []
    stack = [geom]
    while stack:
        item = stack.pop()
        if isinstance(item, Polygon):
            if item.area > 0:
                parts.append(item)
        elif hasattr(item, "geoms"):
            stack.extend(reversed(list(item.geoms)))
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _union(geoms: Iterable[BaseGeometry]) -> BaseGeometry:
    items = [g for g in geoms if g is not None and not g.is_empty]
    if not items:
        return Polygon()
    return _polygonal(shapely.union_all(items, grid_size=GRID))


def _difference(a: BaseGeometry, b: BaseGeometry) -> BaseGeometry:
    if b.is_empty:
        return a
    return _polygonal(shapely.difference(a, b, grid_size=GRID))


def _intersection(a: BaseGeometry, b: BaseGeometry) -> BaseGeometry:
    return _polygonal(shapely.intersection(a, b, grid_size=GRID))


def _km2(m2: float) -> str:
    return f"{m2 / 1e6:.3f} km²" if m2 >= 1000 else f"{m2:.0f} m²"


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%" if share >= 0.001 else f"{share * 100:.2f}%"


@dataclass(frozen=True)
class _Outside:
    area_m2: float
    share: float
    distance_m: float

    @property
    def fits(self) -> bool:
        return self.share <= OUTSIDE_SHARE_MAX and self.distance_m <= OUTSIDE_DISTANCE_MAX_M


def _outside(geom_xy: BaseGeometry, parent_xy: BaseGeometry) -> _Outside:
    """How much of a feature lies outside its parent, and how far it reaches (metric)."""
    outside = _polygonal(shapely.difference(geom_xy, parent_xy, grid_size=METRIC_GRID_M))
    area = outside.area
    if area < NEGLIGIBLE_M2:
        return _Outside(area, 0.0, 0.0)
    # The farthest point of the outside part is on its boundary, or (around a hole of the
    # parent) deep inside it; sampling both sides covers the cases that matter.
    samples = shapely.get_coordinates(shapely.segmentize(outside.boundary, 20.0))
    inner = [
        shapely.get_coordinates(shapely.point_on_surface(p)) for p in shapely.get_parts(outside)
    ]
    points = shapely.points(np.vstack([samples, *inner]))
    distance = float(np.max(shapely.distance(parent_xy, points)))
    return _Outside(area, area / max(geom_xy.area, 1e-9), distance)


# --------------------------------------------------------------------------- validation


@dataclass
class _Candidate:
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


def _validate(source: _Input, snapshot: _Snapshot, report: ImportReport) -> list[_Candidate]:
    level = report.level
    errors: list[FeatureError] = []
    notes: list[str] = []
    candidates: list[_Candidate] = []
    first_number: dict[str, int] = {}
    parents_xy: dict[str, BaseGeometry] = {}

    for raw in source.features:
        problems = _Problems()
        code = _check_code(raw, level, snapshot, first_number, problems)
        unit = snapshot.units.get(code) if code else None
        if unit is not None:
            first_number.setdefault(code, raw.number)
        label = f"feature {raw.number}" + (f" ({code} {unit.name})" if unit else "")
        geom, geom_notes = _check_geometry(raw, source.coordinates, snapshot, problems)
        if unit is not None and raw.name and raw.name != unit.name:
            notes.append(f"{label}: the file calls it '{raw.name}'; the name {unit.name} was kept")
        if geom is not None and unit is not None and not problems.items:
            parent = snapshot.units[unit.parent_code]
            if parent.code not in parents_xy:
                parents_xy[parent.code] = _metric(parent.geom)
            geom = _check_inside(
                raw,
                geom,
                source.coordinates,
                unit,
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
            candidates.append(_Candidate(raw.number, code, geom, geom_notes))

    errors.extend(_check_overlaps(candidates, snapshot))
    report.notes = _unique(report.notes + notes)
    if errors:
        raise _Rejected(errors)
    return sorted(candidates, key=lambda c: c.code)


def _check_code(
    raw: _RawFeature,
    level: str,
    snapshot: _Snapshot,
    first_number: dict[str, int],
    problems: _Problems,
) -> str | None:
    value = raw.code_value
    if _missing(value):
        problems.add("has no division code", "缺少区划代码")
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    allowed = (9, 12) if level == "town" else (12,)
    try:
        code = codes.normalize(text)
    except codes.InvalidCode:
        problems.add(
            f"'{text}' is not a division code (a {level} code has "
            f"{' or '.join(str(n) for n in allowed)} digits)",
            f"“{text}”不是区划代码",
        )
        return None
    actual = codes.level_of(code)
    if actual != level:
        problems.add(
            f"{text} is a {actual} code, not a {level} code (this import is --level {level})",
            f"{text} 是{_LEVEL_ZH[actual]}代码，不是{_LEVEL_ZH[level]}代码",
        )
        return code
    unit = snapshot.units.get(code)
    city = snapshot.city
    if unit is None or unit.level != level:
        where = city.name if city else "the database"
        hint = ""
        if city is not None and not codes.covers(city.code, code):
            hint = f" (codes here start with {codes.prefix(city.code)})"
        problems.add(
            f"no {level} with code {code} in {'Putian' if city else where}{hint}",
            f"{where}没有代码为 {code} 的{_LEVEL_ZH[level]}",
        )
        return code
    if code in first_number:
        problems.add(
            f"code {code} appears again (first in feature {first_number[code]})",
            f"代码 {code} 重复（第 {first_number[code]} 个要素已使用）",
        )
    if not _missing(raw.parent_value):
        parent_text = str(
            int(raw.parent_value) if isinstance(raw.parent_value, float) else raw.parent_value
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
    raw: _RawFeature,
    coordinates: _Coordinates,
    snapshot: _Snapshot,
    problems: _Problems,
) -> tuple[BaseGeometry | None, list[str]]:
    """The feature's polygon in WGS84, repaired if invalid; None after a failure."""
    geom = raw.geometry
    if geom is None or geom.is_empty:
        problems.add("has no geometry", "没有几何图形")
        return None, []
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        problems.add(
            f"geometry is a {geom.geom_type}; expected a Polygon or MultiPolygon",
            f"几何类型为 {geom.geom_type}，应为面（Polygon 或 MultiPolygon）",
        )
        return None, []
    geom = shapely.force_2d(geom)
    try:
        wgs = coordinates.convert(geom)
    except Exception as error:  # pyproj raises on coordinates outside a system's domain
        problems.add(
            f"coordinates could not be converted from {coordinates.label}: {error}",
            f"坐标无法从 {coordinates.label} 转换：{error}",
        )
        return None, []
    if not _lon_lat(wgs):
        x, y = shapely.get_coordinates(geom)[0]
        if coordinates.datum is not None and _lon_lat(_swapped(geom)):
            problems.add(
                f"coordinates look like latitude, longitude (x={x:.6f}, y={y:.6f}): "
                "longitude must come first",
                f"坐标顺序似乎是纬度在前（x={x:.6f}, y={y:.6f}），应为经度在前",
            )
            return None, []
        hint = _projected_hint(geom, snapshot)
        problems.add(
            f"coordinates look projected (x={x:.1f}, y={y:.1f}); name the CRS with "
            f"--crs EPSG:n{hint}",
            f"坐标看起来是投影坐标（x={x:.1f}, y={y:.1f}），请用 --crs EPSG:n 指定坐标系",
        )
        return None, []
    notes: list[str] = []
    if not geom.is_valid or not wgs.is_valid:
        reason = shapely.is_valid_reason(geom if not geom.is_valid else wgs)
        repaired = _polygonal(shapely.make_valid(wgs))
        if repaired.is_empty:
            problems.add(
                f"geometry is invalid ({reason}) and nothing polygonal is left after repair",
                f"几何图形无效（{reason}），无法修复",
            )
            return None, []
        notes.append(f"geometry was invalid ({reason}), repaired with make_valid")
        wgs = repaired
    if _area_m2(wgs) < NEGLIGIBLE_M2:
        problems.add("polygon has no area", "多边形面积为零")
        return None, []
    return wgs, notes


def _lon_lat(geom: BaseGeometry) -> bool:
    """True when every coordinate is a finite longitude, latitude pair."""
    xy = shapely.get_coordinates(geom)
    return bool(
        np.isfinite(xy).all() and (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all()
    )


def _swapped(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: xy[:, ::-1].copy())


def _check_inside(
    raw: _RawFeature,
    geom: BaseGeometry,
    coordinates: _Coordinates,
    unit: _Unit,
    parent: _Unit,
    parent_xy: BaseGeometry,
    snapshot: _Snapshot,
    problems: _Problems,
    notes: list[str],
) -> BaseGeometry | None:
    """Reject a feature that sticks out of its parent; clip one that fits within tolerance."""
    outside = _outside(_metric(geom), parent_xy)
    if not outside.fits:
        parent_level = _PARENT_LEVEL[unit.level]
        hints = _placement_hints(raw, geom, coordinates, unit, parent, parent_xy, snapshot)
        problems.add(
            f"{_pct(outside.share)} of it ({_km2(outside.area_m2)}) lies outside its "
            f"{parent_level} {parent.name} ({parent.code}), reaching {outside.distance_m:.0f} m "
            f"beyond it (allowed: {_pct(OUTSIDE_SHARE_MAX)} and {OUTSIDE_DISTANCE_MAX_M:.0f} m)"
            + "".join(f"; {h[0]}" for h in hints),
            f"有 {_pct(outside.share)} 位于上级{_LEVEL_ZH[parent_level]}"
            f"{parent.name}（{parent.code}）之外，最远超出 {outside.distance_m:.0f} 米"
            + "".join(f"；{h[1]}" for h in hints),
        )
        return None
    # An edge running within centimetres of the parent's edge would leave a sliver thinner
    # than the grid, which overlays on the grid cannot keep consistently (area would go
    # missing between the unit and its regenerated neighbours): snap such edges onto it.
    snapped = _polygonal(shapely.make_valid(shapely.snap(geom, parent.geom, SNAP_DEG)))
    clipped = _intersection(snapped if not snapped.is_empty else geom, parent.geom)
    if outside.area_m2 >= NEGLIGIBLE_M2:
        notes.append(
            f"{_km2(outside.area_m2)} ({_pct(outside.share)}, up to "
            f"{outside.distance_m:.0f} m) outside {parent.name} ({parent.code}) was clipped off"
        )
    return clipped


def _placement_hints(
    raw: _RawFeature,
    geom: BaseGeometry,
    coordinates: _Coordinates,
    unit: _Unit,
    parent: _Unit,
    parent_xy: BaseGeometry,
    snapshot: _Snapshot,
) -> list[tuple[str, str]]:
    """Why a feature may be misplaced: another datum, swapped axes, another parent."""
    hints: list[tuple[str, str]] = []
    source = shapely.force_2d(raw.geometry)
    if coordinates.datum is not None:
        for datum in CRS_NAMES:
            if datum == coordinates.datum:
                continue
            moved = _polygonal(shapely.make_valid(geometry_to_wgs84(source, datum)))
            if not moved.is_empty and _outside(_metric(moved), parent_xy).fits:
                label = _CRS_LABELS[datum]
                hints.append(
                    (
                        f"it looks like {label} coordinates: try --crs {datum}",
                        f"看起来是 {label} 坐标，请尝试 --crs {datum}",
                    )
                )
                break
        if not hints:
            moved = _polygonal(shapely.make_valid(coordinates.convert(_swapped(source))))
            if (
                not moved.is_empty
                and shapely.intersects(moved, parent.geom)
                and _outside(_metric(moved), parent_xy).fits
            ):
                hints.append(
                    (
                        "its longitude and latitude look swapped",
                        "经纬度似乎颠倒了",
                    )
                )
    if not hints:
        where = _where(geom, _PARENT_LEVEL[unit.level], snapshot)
        if where is None:
            hints.append(("it lies outside Putian altogether", "不在莆田市范围内"))
        elif where.code != parent.code:
            hints.append(
                (f"most of it lies in {where.name} ({where.code})", f"大部分位于{where.name}")
            )
    if parent.source == "generated":
        hints.append(
            (
                f"the boundary of {parent.name} is generated (approximate): import the real "
                f"{parent.level} boundaries first",
                f"{parent.name}的边界为示意边界，请先导入真实的{_LEVEL_ZH[parent.level]}边界",
            )
        )
    return hints


def _where(geom: BaseGeometry, level: str, snapshot: _Snapshot) -> _Unit | None:
    """The unit of `level` holding most of geom, or None when it meets none."""
    best, best_area = None, 0.0
    shapely.prepare(geom)
    for unit in snapshot.units.values():
        if unit.level != level or not shapely.intersects(geom, unit.geom):
            continue
        area = shapely.intersection(geom, unit.geom, grid_size=GRID).area
        if area > best_area:
            best, best_area = unit, area
    return best


def _projected_hint(geom: BaseGeometry, snapshot: _Snapshot) -> str:
    """' (as EPSG:4549 ... it would lie in 荔城区)' when a common system places it in Putian."""
    point = shapely.point_on_surface(geom)
    for name in LIKELY_PROJECTED:
        try:
            moved = geometry_to_wgs84(point, name)
        except Exception:  # outside that system's domain
            continue
        if not np.isfinite(shapely.get_coordinates(moved)).all():
            continue
        where = next(
            (
                unit
                for unit in snapshot.units.values()
                if unit.level == "county" and unit.geom.covers(moved)
            ),
            None,
        )
        if where is not None:
            crs = pyproj.CRS.from_user_input(name)
            return f" (as {name}, {crs.name}, it would lie in {where.name})"
    return ""


def _check_overlaps(candidates: list[_Candidate], snapshot: _Snapshot) -> list[FeatureError]:
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
        shared = _area_m2(_intersection(g1, g2))
        smaller = min(_area_m2(g1), _area_m2(g2))
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
                f"overlaps {other} by {_km2(shared)}, {_pct(shared / smaller)} of the smaller "
                f"one (allowed: {_pct(OVERLAP_SHARE_MAX)})",
                f"与{other_unit.name}（{other_code}）重叠 {_pct(shared / smaller)}",
                snapshot.units[code].name,
            )
        )
    return errors


# --------------------------------------------------------------------------- planning


@dataclass
class _Plan:
    geoms: dict[str, BaseGeometry]  # the final geometry of every unit whose shape changed
    sources: dict[str, str]  # new geometry_source of imported and regenerated units
    unit_notes: dict[str, str | None]  # new geometry_note of imported and regenerated units
    regenerated_neighbours: set[str] = field(default_factory=set)
    regenerated_villages: set[str] = field(default_factory=set)
    report_notes: list[str] = field(default_factory=list)


def _plan(snapshot: _Snapshot, level: str, candidates: list[_Candidate], path: Path) -> _Plan:
    """Every geometry after the import, computed in memory; raises _Rejected if it cannot be."""
    units = snapshot.units
    geoms = {code: unit.geom for code, unit in units.items()}
    today = datetime.now(UTC).date().isoformat()
    plan = _Plan({}, {}, {})
    errors: list[FeatureError] = []
    new_by_parent: dict[str, list[_Candidate]] = {}
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
        except _Rejected as rejected:
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
        except _Rejected as rejected:
            errors.extend(rejected.errors)
    if errors:
        raise _Rejected(errors)

    counties = {units[p].parent_code if level == "village" else p for p in new_by_parent}
    nested = _nest(snapshot, geoms, counties, plan)
    for code, geom in nested.items():
        old = units[code].geom
        if code in plan.sources or not shapely.equals_exact(geom, old, tolerance=1e-10):
            plan.geoms[code] = geom
    return plan


def _imported_siblings(
    new: list[_Candidate], siblings: list[str], snapshot: _Snapshot, plan: _Plan
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
    taken = _union(fixed.values())
    for candidate in sorted(new, key=lambda c: c.code):
        geom = _difference(candidate.geom, taken)
        trimmed = _area_m2(candidate.geom) - _area_m2(geom)
        if trimmed >= NEGLIGIBLE_M2:
            plan.report_notes.append(
                f"feature {candidate.number} ({candidate.code} "
                f"{snapshot.units[candidate.code].name}): {_km2(trimmed)} overlapping an imported "
                "neighbour was left to the neighbour"
            )
        fixed[candidate.code] = geom
        taken = _union([taken, geom])
    return fixed


def _anchors() -> dict:
    try:
        return read_anchors(SOURCES_DIR)
    except OSError as error:
        LOGGER.warning("town anchors not readable (%s); towns are placed without them", error)
        return {}


def _specs(generated: Sequence[str], snapshot: _Snapshot, anchors: Mapping) -> list[UnitSpec]:
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
    snapshot: _Snapshot,
    parent_code: str,
    parent_geom: BaseGeometry,
    fixed: Mapping[str, BaseGeometry],
    specs: list[UnitSpec],
    plan: _Plan,
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
    remainder = _difference(parent_geom, _union(fixed.values()))
    leftovers: list[Polygon] = []
    closed: dict[str, float] = {}
    growing = {code: result[code] for code in absorbers}
    for part in shapely.get_parts(remainder) if not remainder.is_empty else []:
        owner = _gap_owner(part, growing) if growing else None
        if owner is not None:
            result[owner] = growing[owner] = _union([result[owner], part])
            closed[owner] = closed.get(owner, 0.0) + _area_m2(part)
        else:
            leftovers.append(part)
    for code, gap_m2 in sorted(closed.items()):
        unit = snapshot.units[code]
        if gap_m2 >= NEGLIGIBLE_M2:
            text = f"{_km2(gap_m2)} of narrow or small gaps at the edge of {parent.name} added"
            plan.report_notes.append(f"{code} {unit.name}: {text}")
            previous = plan.unit_notes.get(code, unit.note)
            plan.unit_notes[code] = f"{previous}; {text}" if previous else text
    remainder = _union(leftovers)
    left_m2 = _area_m2(remainder)

    if not specs:
        if left_m2 < NEGLIGIBLE_M2:
            return _tile(parent_geom, result, sorted(result))
        share = left_m2 / max(_area_m2(parent_geom), 1e-9)
        if share > OUTSIDE_SHARE_MAX or not growing:
            raise _Rejected(
                [
                    FeatureError(
                        None,
                        parent_code,
                        f"the imported {child_level}s leave {_km2(left_m2)} ({_pct(share)}) of "
                        f"{parent.name} uncovered, and no generated {child_level}s remain to "
                        "fill it",
                        f"导入的{_LEVEL_ZH.get(child_level, '')}边界未覆盖{parent.name}的 "
                        f"{_pct(share)}，且没有生成的单元可以填补",
                        parent.name,
                    )
                ]
            )
        for part in shapely.get_parts(remainder):
            owner = _gap_owner(part, growing, any_size=True)
            result[owner] = growing[owner] = _union([result[owner], part])
        plan.report_notes.append(
            f"{parent.name} ({parent_code}): {_km2(left_m2)} left between the imported "
            f"{child_level}s and its boundary went to the {child_level}s beside it"
        )
        return _tile(parent_geom, result, sorted(result))

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
        raise _Rejected([no_room])
    try:
        cells = partition(remainder, specs)
    except PartitionError as error:
        raise _Rejected(
            [
                FeatureError(
                    None, parent_code, f"{no_room.reason} ({error})", no_room.reason_zh, parent.name
                )
            ]
        ) from None
    # Fixed units first: where a generated cell strays onto them (by centimetres), they win.
    order = [*sorted(result), *sorted(cells)]
    result = _tile(parent_geom, {**cells, **result}, order)
    if any(s.code not in result for s in specs):
        raise _Rejected([no_room])
    return result


def _tile(
    parent: BaseGeometry, units: Mapping[str, BaseGeometry], order: Sequence[str]
) -> dict[str, BaseGeometry]:
    """Make `units` tile `parent` exactly, from one arrangement of all their edges.

    Overlays on the grid round every new vertex by up to half a grid step, so units made in
    separate steps can miss or overlap their neighbours and their parent by a centimetre or
    two along long edges. Noding all edges together and handing out the faces fixes that:
    a face inside the parent goes to the first unit in `order` that holds it, a face no unit
    holds (a crack between neighbours) to the unit sharing most of its edge, and faces
    outside the parent are dropped. Units left without a face are missing from the result.
    """
    codes_in_order = [code for code in order if not units[code].is_empty]
    geoms = [units[code] for code in codes_in_order]
    if not geoms:
        return {}
    noded = shapely.union_all([parent.boundary, *shapely.boundary(geoms)], grid_size=GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    points = shapely.point_on_surface(faces)
    shapely.prepare(parent)
    inside = shapely.contains(parent, points)
    faces, points = faces[inside], points[inside]
    tree = shapely.STRtree(geoms)
    owner = np.full(len(faces), len(geoms))
    face_index, unit_index = tree.query(points, predicate="within")
    np.minimum.at(owner, face_index, unit_index)
    for k in np.flatnonzero(owner == len(geoms)):
        face = faces[k]
        best, best_length = -1, -1.0
        for index in tree.query(face, predicate="intersects"):
            length = shapely.intersection(
                face.boundary, geoms[index].boundary, grid_size=GRID
            ).length
            if length > best_length:
                best, best_length = int(index), length
        owner[k] = best if best >= 0 else int(tree.query_nearest(face)[0])
    result = {}
    for index, code in enumerate(codes_in_order):
        mine = faces[owner == index]
        if len(mine):
            result[code] = _union(mine)
    return result


def _gap_owner(
    part: BaseGeometry, fixed: Mapping[str, BaseGeometry], any_size: bool = False
) -> str | None:
    """The fixed unit a thin gap belongs to (longest shared edge), or None if not a gap."""
    if not any_size:
        part_xy = _metric(part)
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
    snapshot: _Snapshot,
    changed_towns: list[str],
    fixed_towns: set[str],
    geoms: dict[str, BaseGeometry],
    plan: _Plan,
    regenerated_note: str,
) -> None:
    """Regenerate the generated villages of every town whose shape changed.

    Imported villages are kept: those of an imported town are clipped to it; a generated
    town takes its imported villages whole (imported towns come first).
    """
    errors: list[FeatureError] = []
    imported_villages: dict[str, dict[str, BaseGeometry]] = {}
    fixed_union = _union(geoms[t] for t in fixed_towns)
    for town in sorted(changed_towns):
        for code in snapshot.children.get(town, []):
            unit = snapshot.units[code]
            if unit.source == "generated":
                continue
            if town in fixed_towns:
                kept = _intersection(unit.geom, geoms[town])
            else:
                kept = _difference(unit.geom, fixed_union)
            before = _area_m2(unit.geom)
            lost = before - _area_m2(kept)
            if lost / max(before, 1e-9) > OUTSIDE_SHARE_MAX:
                errors.append(
                    FeatureError(
                        None,
                        code,
                        f"the imported village {unit.name} ({code}) would lose {_km2(lost)} "
                        f"({_pct(lost / before)}) to the new town boundaries; import a village "
                        "file that matches them",
                        f"已导入的村居{unit.name}将因新的镇街边界失去 {_pct(lost / before)} 的面积",
                        unit.name,
                    )
                )
                continue
            if lost >= NEGLIGIBLE_M2:
                text = f"{_km2(lost)} outside its new town boundary clipped off"
                plan.report_notes.append(f"{code} {unit.name} (imported before): {text}")
                plan.unit_notes[code] = f"{unit.note}; {text}" if unit.note else text
            imported_villages.setdefault(town, {})[code] = kept
    if errors:
        raise _Rejected(errors)

    # A generated town holds its imported villages whole: carve them out of the others.
    generated_towns = [t for t in changed_towns if t not in fixed_towns]
    for town in generated_towns:
        own = _union(imported_villages.get(town, {}).values())
        others = _union(
            g for t in generated_towns if t != town for g in imported_villages.get(t, {}).values()
        )
        if own.is_empty and others.is_empty:
            continue
        geoms[town] = _union([_difference(geoms[town], others), own])

    for town in sorted(changed_towns):
        kept = imported_villages.get(town, {})
        generated = [c for c in snapshot.children.get(town, []) if c not in kept]
        try:
            geoms.update(
                _fill(snapshot, town, geoms[town], kept, _specs(generated, snapshot, {}), plan)
            )
        except _Rejected as rejected:
            errors.extend(rejected.errors)
            continue
        for code in generated:
            plan.sources[code] = "generated"
            plan.unit_notes[code] = regenerated_note
        plan.regenerated_villages.update(generated)
    if errors:
        raise _Rejected(errors)


def _nest(
    snapshot: _Snapshot, geoms: dict[str, BaseGeometry], counties: set[str], plan: _Plan
) -> dict[str, BaseGeometry]:
    """Rebuild the affected counties from one arrangement of their villages, as the build does.

    Villages come from `finest_coverage` (neighbours share identical edges; `_tile` then
    hands any crack it leaves to a neighbour), towns are the unions of their villages.
    Each affected county, and the city, also becomes the union of its children instead of
    keeping the stored polygon: the regenerated units put vertices on the county's edge
    that are rounded to the grid (up to 5 mm off the line), so only the union nests
    exactly, with no point of the county outside all of its towns. That cannot move a real
    boundary: the union is checked against the stored polygon and must agree within
    NEGLIGIBLE_M2 (grid-rounding slivers aside) or the import is refused. Other counties
    are left exactly as they are.
    """
    units = snapshot.units
    villages = {
        code: geoms[code]
        for code, unit in units.items()
        if unit.level == "village" and codes.parent_of(unit.parent_code) in counties
    }
    covered = finest_coverage(villages)
    result: dict[str, BaseGeometry] = {}
    for county in sorted(counties):
        # finest_coverage leaves out a crack no village holds; _tile hands it to a neighbour.
        inside = sorted(c for c in covered if codes.parent_of(units[c].parent_code) == county)
        result.update(_tile(units[county].geom, covered, inside))
    lost = sorted(set(villages) - set(result))
    towns = [
        c for c in sorted(units) if units[c].level == "town" and units[c].parent_code in counties
    ]
    for town in towns:
        members = [result[c] for c in snapshot.children.get(town, []) if c in result]
        if members:
            result[town] = _union(members)
        else:
            lost.append(town)
    for county in sorted(counties):
        result[county] = _union(result[t] for t in snapshot.children.get(county, []) if t in result)
    city = snapshot.city
    if city is not None:
        result[city.code] = _union(
            result.get(county, units[county].geom)
            for county in snapshot.children.get(city.code, [])
        )
    errors = [
        FeatureError(
            None,
            code,
            f"internal check failed: {units[code].name} ({code}) would be left with no area",
            f"内部检查失败：{units[code].name}将没有面积",
            units[code].name,
        )
        for code in lost
    ]
    # What this import must not reshape: the city, the counties, and the towns it neither
    # imported nor regenerated (for a village import, every town).
    for code, geom in result.items():
        unit = units[code]
        if unit.level == "village" or code in plan.sources:
            continue
        moved = _moved_m2(unit.geom, geom)
        if moved > NEGLIGIBLE_M2:
            errors.append(
                FeatureError(
                    None,
                    code,
                    f"internal check failed: the boundary of {unit.name} ({code}) would change "
                    f"by {_km2(moved)}; please report this",
                    f"内部检查失败：{unit.name}的边界将改变 {_km2(moved)}",
                    unit.name,
                )
            )
    if errors:
        raise _Rejected(errors)
    return {code: normalised_geometry(geom) for code, geom in result.items()}


def _moved_m2(old: BaseGeometry, new: BaseGeometry) -> float:
    """The area by which a boundary moved, leaving out slivers thinner than the grid can keep.

    Noding new edges onto an old one inserts vertices rounded to the grid, up to 5 mm off
    the line; along a long edge such slivers add up to square metres without any point of
    the boundary moving by more than millimetres.
    """
    difference = shapely.symmetric_difference(old, new, grid_size=GRID)
    if difference.is_empty:
        return 0.0
    parts = _metric(_polygonal(difference))
    total = 0.0
    for part in shapely.get_parts(parts):
        if 2 * part.area / max(part.length, 1e-9) >= SLIVER_WIDTH_M:
            total += part.area
    return total


# --------------------------------------------------------------------------- writing


def _write(engine: Engine, snapshot: _Snapshot, plan: _Plan) -> int:
    """Apply the plan in one transaction and bump the boundaries version; returns it."""
    now = datetime.now(UTC)
    rows = []
    for code, geom in sorted(plan.geoms.items()):
        unit = snapshot.units[code]
        lon, lat = label_point(geom)
        rows.append(
            {
                "code": code,
                "geom": geom,
                **bbox_columns(geom),
                "area_km2": geodesic_area_km2(geom),
                "label_lon": lon,
                "label_lat": lat,
                "geometry_source": plan.sources.get(code, unit.source),
                "geometry_note": plan.unit_notes.get(code, unit.note),
                "updated_at": now,
            }
        )
    with make_session(engine)() as session, session.begin():
        # Serialises with other imports and with load_shipped, which take the same lock.
        _lock_boundaries(session)
        version = boundaries_version(session)
        if version != snapshot.version:
            raise _Stale()
        if rows:
            session.execute(update(Division), rows)
        _set_meta(session, BOUNDARIES_VERSION, str(version + 1))
    return version + 1


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
