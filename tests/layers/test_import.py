"""`onemap boundaries import`: real town and village polygons replace generated ones.

Every test starts from the shipped boundaries loaded into a fresh database (SQLite and
PostGIS) and builds its input files in tmp_path from the shipped polygons, moved or
reshaped the way real survey data differs from the generated ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Point, mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, select

from app import cli
from layers.crs import geometry_from_wgs84
from layers.importing import ImportReport, import_boundaries
from layers.load import boundaries_version, load_shipped
from layers.sources import BOUNDARIES_DIR
from store.engine import get_engine, make_session
from store.models import Division

GRID = 1e-7
CITY = "350300000000"
HANJIANG = "350303000000"  # 涵江区
LICHENG = "350304000000"  # 荔城区
GONGCHEN = "350304002000"  # 拱辰街道
XITIANWEI = "350304100000"  # 西天尾镇
HUANGSHI = "350304101000"  # 黄石镇
XINDU = "350304102000"  # 新度镇
BEIGAO = "350304103000"  # 北高镇 (two parts)

_TO_METRIC = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
_FROM_METRIC = pyproj.Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True)


# --------------------------------------------------------------------------- helpers


def _apply(transformer: pyproj.Transformer, geom: BaseGeometry) -> BaseGeometry:
    def fn(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(geom, fn)


def to_metric(geom: BaseGeometry) -> BaseGeometry:
    """EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E), metres."""
    out = _apply(_TO_METRIC, geom)
    return out if out.is_valid else shapely.make_valid(out)


def to_wgs84(geom: BaseGeometry) -> BaseGeometry:
    return _apply(_FROM_METRIC, geom)


def area_m2(geom: BaseGeometry) -> float:
    return 0.0 if geom.is_empty else to_metric(geom).area


def distance_m(a: BaseGeometry, b: BaseGeometry) -> float:
    """How far apart two boundaries are at most (Hausdorff distance, metres)."""
    return shapely.hausdorff_distance(to_metric(a).boundary, to_metric(b).boundary)


def surveyed(geom: BaseGeometry, inset: float = 40.0, dx: float = 50.0, dy: float = 30.0):
    """A plausible "real" polygon near a generated one: rounded, a little smaller, moved."""
    reshaped = to_metric(geom).buffer(-inset).buffer(inset * 0.6)
    return to_wgs84(shapely.affinity.translate(reshaped, dx, dy))


def divisions(engine: Engine) -> dict[str, Division]:
    with make_session(engine)() as session:
        return {d.code: d for d in session.scalars(select(Division))}


def state(engine: Engine) -> dict[str, Any]:
    """Everything a user could see change: each division's boundary, source and note."""
    with make_session(engine)() as session:
        rows = session.scalars(select(Division).order_by(Division.code)).all()
        return {
            "divisions": {
                d.code: (d.geometry_source, d.geom.wkb, d.geometry_note, d.area_km2) for d in rows
            },
            "version": boundaries_version(session),
        }


def feature(code: str | int | None, geom: BaseGeometry | None, **properties: Any) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, **properties},
        "geometry": mapping(geom) if geom is not None else None,
    }


def write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def children(rows: dict[str, Division], parent: str) -> list[Division]:
    return sorted((d for d in rows.values() if d.parent_code == parent), key=lambda d: d.code)


def assert_tiles(parent: Division, units: list[Division]) -> None:
    """The units cover the parent exactly: no gap and no overlap above 1 m²."""
    union = shapely.union_all([u.geom for u in units])
    gap = area_m2(shapely.symmetric_difference(union, parent.geom, grid_size=GRID))
    assert gap <= 1.0, f"{parent.code} {parent.name}: children differ from it by {gap:.1f} m²"
    geoms = [u.geom for u in units]
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j:
            overlap = area_m2(shapely.intersection(geoms[i], geoms[j], grid_size=GRID))
            assert overlap <= 1.0, f"{units[i].code} and {units[j].code} overlap {overlap} m²"


def assert_same_boundary(old: BaseGeometry, new: BaseGeometry, what: str) -> None:
    """The boundary did not move: they differ by no more than slivers of grid rounding.

    Vertices inserted where new edges meet an old one are rounded to the 1e-7 degree grid,
    up to 5 mm off the line, so along kilometres of edge the two may differ by m² of
    slivers a few millimetres wide; anything wider than 5 cm counts as a move.
    """
    difference = to_metric(shapely.symmetric_difference(old, new, grid_size=GRID))
    parts = shapely.get_parts(difference) if not difference.is_empty else []
    moved = sum(p.area for p in parts if 2 * p.area / p.length >= 0.05)
    assert moved <= 1.0, f"{what} moved by {moved:.1f} m²"
    assert difference.area <= 100.0, f"{what} differs by {difference.area:.1f} m² of slivers"


def assert_county_retiled(
    before: dict[str, Division], after: dict[str, Division], county: str, changed: set[str]
) -> None:
    """Towns tile the county, villages tile every town, nothing lost or added."""
    assert_same_boundary(before[county].geom, after[county].geom, f"county {county}")
    assert_same_boundary(before[CITY].geom, after[CITY].geom, "the city")
    towns = children(after, county)
    assert [t.code for t in towns] == [t.code for t in children(before, county)]
    assert_tiles(after[county], towns)
    for town in towns:
        villages = children(after, town.code)
        assert len(villages) == len(children(before, town.code)), town.name
        assert all(v.geom.is_valid and not v.geom.is_empty for v in villages)
        assert_tiles(town, villages)
        if town.code in changed:
            assert all(v.geometry_source == "generated" for v in villages), town.name
    for county_code in (c for c, d in after.items() if d.level == "county" and c != county):
        assert after[county_code].geom.wkb == before[county_code].geom.wkb


def shipped_geometry(level: str, code: str) -> BaseGeometry:
    data = json.loads((BOUNDARIES_DIR / f"{level}.geojson").read_text(encoding="utf-8"))
    found = next(f for f in data["features"] if f["properties"]["code"] == code)
    return shapely.geometry.shape(found["geometry"])


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    """The database with the shipped boundaries of all four levels."""
    assert load_shipped(engine, BOUNDARIES_DIR) == "loaded"
    return engine


# --------------------------------------------------------------------------- good files


def test_town_geojson_replaces_polygons_and_regenerates_the_rest(
    loaded: Engine, tmp_path: Path
) -> None:
    before = divisions(loaded)
    version = state(loaded)["version"]
    real = {code: surveyed(before[code].geom) for code in (XITIANWEI, XINDU, GONGCHEN)}
    path = write_geojson(
        tmp_path / "towns.geojson",
        [feature(code, geom, name=before[code].name) for code, geom in real.items()],
    )

    report = import_boundaries(loaded, "town", path)

    assert report.ok, report.text()
    assert (report.imported, report.regenerated_neighbours) == (3, 3)
    assert report.regenerated_villages == sum(
        len(children(before, t)) for t in children_codes(before, LICHENG)
    )
    assert report.seconds < 30  # three towns of one county: seconds, not minutes
    after = divisions(loaded)
    for code, geom in real.items():
        town = after[code]
        assert town.geometry_source == "imported"
        assert f"{path.name}, feature" in town.geometry_note
        # The surveyed polygon where it lies inside 荔城区 (edges within 10 cm of the county's
        # are snapped onto it), plus at most small gaps it left at the county's edge.
        inside = shapely.intersection(geom, before[LICHENG].geom)
        assert area_m2(shapely.difference(inside, town.geom.buffer(2e-6))) <= 1.0
        assert area_m2(town.geom) - area_m2(inside) <= 0.005 * area_m2(inside)
        assert abs(town.area_km2 - area_m2(town.geom) / 1e6) < 0.01 * town.area_km2
        assert town.geom.covers(Point(town.label_lon, town.label_lat))
        assert town.min_lon == pytest.approx(town.geom.bounds[0])
    for code in (HUANGSHI, BEIGAO):
        assert after[code].geometry_source == "generated"
        assert after[code].geom.wkb != before[code].geom.wkb
    assert_county_retiled(before, after, LICHENG, set(children_codes(before, LICHENG)))
    assert state(loaded)["version"] == version + 1
    text = report.text()
    assert "OK: imported 3 towns" in text and "西天尾镇" in text


def children_codes(rows: dict[str, Division], parent: str) -> list[str]:
    return [d.code for d in children(rows, parent)]


def test_geopackage_then_shapefile_keep_earlier_imports(loaded: Engine, tmp_path: Path) -> None:
    """A GeoPackage (own code field) and then a Shapefile (9-digit codes) of the same county."""
    before = divisions(loaded)
    first = surveyed(before[XITIANWEI].geom)
    gpkg = tmp_path / "xitianwei.gpkg"
    gpd.GeoDataFrame(
        {"XZQDM": [XITIANWEI], "XZQMC": ["西天尾镇"]}, geometry=[first], crs="EPSG:4490"
    ).to_file(gpkg, driver="GPKG", engine="pyogrio")

    report = import_boundaries(loaded, "town", gpkg, code_field="XZQDM")

    assert report.ok, report.text()
    assert report.code_field == "XZQDM" and "wgs84" in report.crs
    middle = divisions(loaded)
    assert middle[XITIANWEI].geometry_source == "imported"

    shp = tmp_path / "beigao.shp"
    second = surveyed(before[BEIGAO].geom, dx=-30.0, dy=-20.0)
    gpd.GeoDataFrame({"code": [BEIGAO[:9]]}, geometry=[second], crs="EPSG:4326").to_file(
        shp, engine="pyogrio"
    )

    report = import_boundaries(loaded, "town", shp)

    assert report.ok, report.text()
    assert report.regenerated_neighbours == 4  # 西天尾镇 stays as imported
    after = divisions(loaded)
    assert after[BEIGAO].geometry_source == "imported"
    assert after[XITIANWEI].geometry_source == "imported"
    assert_same_boundary(middle[XITIANWEI].geom, after[XITIANWEI].geom, "the earlier import")
    assert_county_retiled(before, after, LICHENG, set(children_codes(before, LICHENG)))


def test_gcj02_file_imports_with_crs_and_is_rejected_without(
    loaded: Engine, tmp_path: Path
) -> None:
    before = divisions(loaded)
    original = before[XITIANWEI].geom
    path = write_geojson(
        tmp_path / "amap.geojson", [feature(XITIANWEI, geometry_from_wgs84(original, "gcj02"))]
    )
    unchanged = state(loaded)

    rejected = import_boundaries(loaded, "town", path)

    assert not rejected.ok
    assert [(e.feature, e.code) for e in rejected.errors] == [(1, XITIANWEI)]
    reason = rejected.errors[0].reason
    assert "outside its county 荔城区 (350304000000)" in reason
    assert "looks like GCJ-02 coordinates: try --crs gcj02" in reason
    assert "GCJ-02" in rejected.errors[0].reason_zh
    assert state(loaded) == unchanged

    report = import_boundaries(loaded, "town", path, crs="gcj02")

    assert report.ok, report.text()
    assert report.crs.startswith("gcj02")
    town = divisions(loaded)[XITIANWEI]
    assert town.geometry_source == "imported"
    assert distance_m(town.geom, original) < 3.0


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_projected_file_needs_its_crs_named(loaded: Engine, tmp_path: Path) -> None:
    before = divisions(loaded)
    code = children_codes(before, BEIGAO)[0]
    original = before[code].geom
    path = tmp_path / "survey_cgcs2000.shp"
    gpd.GeoDataFrame({"code": [code]}, geometry=[to_metric(original)], crs=None).to_file(
        path, engine="pyogrio"
    )
    assert not path.with_suffix(".prj").exists()
    unchanged = state(loaded)

    rejected = import_boundaries(loaded, "village", path)

    assert not rejected.ok
    assert [(e.feature, e.code) for e in rejected.errors] == [(1, code)]
    reason = rejected.errors[0].reason
    assert "coordinates look projected (x=" in reason
    assert "name the CRS with --crs EPSG:n" in reason
    assert "EPSG:4549" in reason  # the hint: that system puts it in Putian
    assert state(loaded) == unchanged

    report = import_boundaries(loaded, "village", path, crs="EPSG:4549")

    assert report.ok, report.text()
    village = divisions(loaded)[code]
    assert village.geometry_source == "imported"
    assert distance_m(village.geom, original) < 1.0


def test_village_import_regenerates_sibling_villages_only(loaded: Engine, tmp_path: Path) -> None:
    before = divisions(loaded)
    villages = children_codes(before, XITIANWEI)
    chosen = villages[:2]
    real = {code: surveyed(before[code].geom, inset=15.0, dx=5.0, dy=-5.0) for code in chosen}
    path = write_geojson(tmp_path / "villages.geojson", [feature(c, g) for c, g in real.items()])
    version = state(loaded)["version"]

    report = import_boundaries(loaded, "village", path)

    assert report.ok, report.text()
    assert (report.imported, report.regenerated_neighbours) == (2, len(villages) - 2)
    after = divisions(loaded)
    for code in chosen:
        assert after[code].geometry_source == "imported"
        # The surveyed polygon, grown by the narrow strips (under 10 m) it left at the town's
        # edge: those are closed rather than left to a generated neighbour.
        stored = after[code].geom
        inside = shapely.intersection(real[code], before[XITIANWEI].geom)
        assert area_m2(shapely.difference(inside, stored.buffer(2e-6))) <= 1.0
        assert area_m2(shapely.difference(stored, to_wgs84(to_metric(real[code]).buffer(12)))) < 1
    for code in villages[2:]:
        assert after[code].geometry_source == "generated"
    town = after[XITIANWEI]
    assert town.geometry_source == "generated"
    assert_same_boundary(before[XITIANWEI].geom, town.geom, "西天尾镇")
    assert_tiles(town, children(after, XITIANWEI))
    for other in children_codes(before, LICHENG):
        assert_same_boundary(before[other].geom, after[other].geom, other)
    assert_same_boundary(before[LICHENG].geom, after[LICHENG].geom, "荔城区")
    assert state(loaded)["version"] == version + 1

    # A later file may not draw a village over one imported before.
    third = villages[2]
    overlapping = shapely.union_all([after[third].geom, after[chosen[0]].geom])
    path = write_geojson(tmp_path / "later.geojson", [feature(third, overlapping)])
    unchanged = state(loaded)
    rejected = import_boundaries(loaded, "village", path)
    assert not rejected.ok
    assert [(e.feature, e.code) for e in rejected.errors] == [(1, third)]
    assert f"overlaps the previously imported {after[chosen[0]].name}" in rejected.errors[0].reason
    assert state(loaded) == unchanged


def test_every_village_of_a_town_imported_closes_the_gaps(loaded: Engine, tmp_path: Path) -> None:
    """No generated village is left to fill the cracks between the imported ones."""
    before = divisions(loaded)
    villages = children_codes(before, XITIANWEI)
    path = write_geojson(
        tmp_path / "all_villages.geojson",
        [feature(c, surveyed(before[c].geom, inset=4.0, dx=2.0, dy=1.0)) for c in villages],
    )

    report = import_boundaries(loaded, "village", path)

    assert report.ok, report.text()
    assert (report.imported, report.regenerated_neighbours) == (len(villages), 0)
    assert any("gaps at the edge of 西天尾镇 added" in note for note in report.notes)
    after = divisions(loaded)
    assert {after[c].geometry_source for c in villages} == {"imported"}
    assert_same_boundary(before[XITIANWEI].geom, after[XITIANWEI].geom, "西天尾镇")
    assert_tiles(after[XITIANWEI], children(after, XITIANWEI))


def test_bow_tie_is_repaired_and_dry_run_changes_nothing(loaded: Engine, tmp_path: Path) -> None:
    before = divisions(loaded)
    code = children_codes(before, XITIANWEI)[2]
    ring = list(shapely.get_coordinates(before[code].geom.exterior))
    # Swapping two neighbouring vertices twists one edge across the next: a bow tie.
    ring[1], ring[2] = ring[2], ring[1]
    bow_tie = shapely.Polygon(ring)
    assert not bow_tie.is_valid
    path = write_geojson(tmp_path / "bowtie.geojson", [feature(code, bow_tie)])
    unchanged = state(loaded)

    dry = import_boundaries(loaded, "village", path, dry_run=True)

    assert dry.ok, dry.text()
    assert dry.dry_run and dry.imported == 1
    repaired = [n for n in dry.notes if n.startswith(f"feature 1 ({code}")]
    assert any("geometry was invalid (Self-intersection" in n for n in repaired), dry.notes
    assert any("repaired with make_valid" in n for n in repaired)
    assert "DRY RUN" in dry.text() and "nothing was changed" in dry.text()
    assert state(loaded) == unchanged

    report = import_boundaries(loaded, "village", path)

    assert report.ok, report.text()
    village = divisions(loaded)[code]
    assert village.geometry_source == "imported"
    assert village.geom.is_valid
    assert "repaired with make_valid" in village.geometry_note


def test_a_town_import_keeps_villages_imported_before(loaded: Engine, tmp_path: Path) -> None:
    """Nothing a user entered is lost: earlier village imports survive a town import."""
    before = divisions(loaded)
    in_xitianwei = children_codes(before, XITIANWEI)[3]
    in_huangshi = children_codes(before, HUANGSHI)[0]
    villages = {
        code: surveyed(before[code].geom, inset=15.0, dx=3.0, dy=3.0)
        for code in (in_xitianwei, in_huangshi)
    }
    first = write_geojson(
        tmp_path / "villages.geojson", [feature(c, g) for c, g in villages.items()]
    )
    assert import_boundaries(loaded, "village", first).ok
    middle = divisions(loaded)
    town = surveyed(before[XITIANWEI].geom, inset=20.0, dx=10.0, dy=10.0)
    second = write_geojson(tmp_path / "town.geojson", [feature(XITIANWEI, town)])

    report = import_boundaries(loaded, "town", second)

    assert report.ok, report.text()
    after = divisions(loaded)
    # 黄石镇 was regenerated around its imported village, which it holds unchanged.
    assert after[HUANGSHI].geometry_source == "generated"
    assert after[in_huangshi].geometry_source == "imported"
    assert_same_boundary(middle[in_huangshi].geom, after[in_huangshi].geom, "黄石镇's village")
    # 西天尾镇's imported village keeps its shape inside the imported town.
    assert after[in_xitianwei].geometry_source == "imported"
    kept = shapely.intersection(middle[in_xitianwei].geom, after[XITIANWEI].geom)
    assert area_m2(shapely.symmetric_difference(kept, after[in_xitianwei].geom)) < 0.001 * (
        area_m2(kept)
    )
    assert_county_retiled(before, after, LICHENG, set())


# --------------------------------------------------------------------------- bad files


def test_a_bad_feature_among_good_ones_changes_nothing(loaded: Engine, tmp_path: Path) -> None:
    before = divisions(loaded)
    good = [
        feature(XITIANWEI, surveyed(before[XITIANWEI].geom)),
        feature(BEIGAO, surveyed(before[BEIGAO].geom)),
    ]
    hanjiang_town = children_codes(before, HANJIANG)[0]
    bad = {
        "unknown code": (
            feature("350304199000", surveyed(before[HUANGSHI].geom)),
            "no town with code 350304199000 in Putian",
        ),
        "wrong parent": (
            feature(HUANGSHI, before[hanjiang_town].geom),
            "outside its county 荔城区 (350304000000)",
        ),
        "not a polygon": (
            feature(XINDU, before[XINDU].geom.representative_point()),
            "geometry is a Point; expected a Polygon or MultiPolygon",
        ),
        "duplicate": (
            feature(XITIANWEI, before[XITIANWEI].geom),
            f"code {XITIANWEI} appears again (first in feature 1)",
        ),
    }
    unchanged = state(loaded)
    for kind, (bad_feature, expected) in bad.items():
        path = write_geojson(tmp_path / f"{kind}.geojson", [*good, bad_feature])

        report = import_boundaries(loaded, "town", path)

        assert not report.ok, kind
        assert [e.feature for e in report.errors] == [3], (kind, report.text())
        assert expected in report.errors[0].reason, (kind, report.errors[0].reason)
        assert report.errors[0].reason_zh
        assert "REJECTED" in report.text() and "nothing was changed" in report.text()
        assert f"feature 3 ({report.errors[0].code}" in report.text()
        assert state(loaded) == unchanged, kind

    # All of them at once: each is named, by number and code, with its own reason.
    path = write_geojson(tmp_path / "all.geojson", [*good, *(f for f, _ in bad.values())])
    report = import_boundaries(loaded, "town", path)
    assert not report.ok
    assert [(e.feature, e.code) for e in report.errors] == [
        (3, "350304199000"),
        (4, HUANGSHI),
        (5, XINDU),
        (6, XITIANWEI),
    ]
    for error, (_, expected) in zip(report.errors, bad.values(), strict=True):
        assert expected in error.reason
    assert "most of it lies in 涵江区" in report.errors[1].reason
    assert state(loaded) == unchanged


def test_wrong_level_overlaps_and_swapped_axes_are_rejected(loaded: Engine, tmp_path: Path) -> None:
    before = divisions(loaded)
    village = children_codes(before, XITIANWEI)[0]
    big = surveyed(before[XITIANWEI].geom)
    path = write_geojson(
        tmp_path / "mixed.geojson",
        [
            feature(XITIANWEI, big),
            feature(village, before[village].geom),
            # 黄石镇 drawn over most of 西天尾镇: the two imported towns overlap.
            feature(HUANGSHI, shapely.union_all([before[HUANGSHI].geom, big.buffer(-0.01)])),
            feature("35030410", big),
            feature(BEIGAO, shapely.transform(before[BEIGAO].geom, lambda xy: xy[:, ::-1].copy())),
        ],
    )
    unchanged = state(loaded)

    report = import_boundaries(loaded, "town", path)

    assert not report.ok
    reasons = {e.feature: e.reason for e in report.errors}
    assert f"{village} is a village code, not a town code" in reasons[2]
    assert "overlaps feature 1 (350304100000 西天尾镇)" in reasons[3]
    assert "'35030410' is not a division code" in reasons[4]
    assert "coordinates look like latitude, longitude" in reasons[5]
    assert state(loaded) == unchanged


def test_unreadable_files_are_rejected_with_the_reason(engine: Engine, tmp_path: Path) -> None:
    malformed = tmp_path / "broken.geojson"
    malformed.write_text('{"type": "FeatureCollection", "features": [ {', encoding="utf-8")
    empty = write_geojson(tmp_path / "empty.geojson", [])
    no_code = write_geojson(
        tmp_path / "nocode.geojson", [feature(None, Point(119, 25).buffer(0.01), name="x")]
    )
    no_code.write_text(no_code.read_text(encoding="utf-8").replace('"code"', '"dm"'), "utf-8")

    cases: list[tuple[ImportReport, str]] = [
        (import_boundaries(engine, "town", malformed), "not valid JSON: Expecting property"),
        (import_boundaries(engine, "town", tmp_path / "missing.gpkg"), "no such file"),
        (import_boundaries(engine, "town", empty), "empty.geojson contains no features"),
        (import_boundaries(engine, "town", no_code), "no division code field found"),
        (
            import_boundaries(engine, "town", no_code, code_field="XZQDM"),
            "the file has no field 'XZQDM' (fields present: dm, name)",
        ),
        (import_boundaries(engine, "town", no_code, crs="EPSG:99999"), "EPSG:99999"),
        (import_boundaries(engine, "county", no_code), "only town or village"),
    ]
    for report, expected in cases:
        assert not report.ok
        assert len(report.errors) == 1, report.text()
        assert report.errors[0].feature is None
        assert expected in report.errors[0].reason, report.errors[0].reason
        assert report.errors[0].reason_zh
        assert "REJECTED" in report.text()


# --------------------------------------------------------------------------- the command


def test_cli_exit_status_and_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{(tmp_path / 'cli.sqlite').as_posix()}"
    monkeypatch.setenv("ONEMAP_DATABASE_URL", url)
    monkeypatch.setenv("ONEMAP_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("ONEMAP_BOUNDARIES_DIR", raising=False)
    monkeypatch.delenv("ONEMAP_LOAD_BOUNDARIES", raising=False)
    (tmp_path / "absent.toml").write_text("", encoding="utf-8")
    geom = shipped_geometry("town", XITIANWEI)
    bad = write_geojson(tmp_path / "bad.geojson", [feature("350304199000", geom)])
    good = write_geojson(tmp_path / "good.geojson", [feature(XITIANWEI, surveyed(geom))])
    village = "350304100001"
    villages = write_geojson(
        tmp_path / "village.geojson",
        [feature(village, surveyed(shipped_geometry("village", village), inset=10.0))],
    )
    try:
        assert cli.main(["boundaries", "import", "--level", "town", str(bad)]) == 1
        out = capsys.readouterr().out
        assert "REJECTED" in out
        assert "feature 1 (350304199000): no town with code 350304199000 in Putian" in out

        dry_run = ["boundaries", "import", "--level", "village", str(villages), "--dry-run"]
        assert cli.main(dry_run) == 0
        assert "DRY RUN: the file is valid" in capsys.readouterr().out

        assert cli.main(["boundaries", "import", "--level", "town", str(good)]) == 0
        out = capsys.readouterr().out
        assert "OK: imported 1 town: 350304100000 西天尾镇" in out
        rows = divisions(get_engine(url))
        assert rows[XITIANWEI].geometry_source == "imported"
    finally:
        get_engine(url).dispose()
