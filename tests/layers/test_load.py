"""Loading the shipped boundary files, on both engines."""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Point, Polygon, box, mapping
from sqlalchemy import Engine, event, select

from layers import codes
from layers.load import (
    BoundaryFileError,
    boundaries_stamp,
    boundaries_version,
    load_shipped,
    shipped_fingerprint,
)
from store.engine import make_session
from store.models import BOUNDARIES_FINGERPRINT, Division, Meta

Feature = dict[str, Any]


def feature(code: str, name: str, geom: Polygon, source: str = "generated") -> Feature:
    label = geom.representative_point()
    return {
        "type": "Feature",
        "geometry": mapping(geom),
        "properties": {
            "code": code,
            "name": name,
            "level": codes.level_of(code),
            "parent_code": codes.parent_of(code),
            "geometry_source": source,
            "area_km2": 12.5,
            "label_lon": label.x,
            "label_lat": label.y,
        },
    }


def sample() -> list[Feature]:
    return [
        feature("350300000000", "莆田市", box(119.0, 25.0, 119.4, 25.4), "real"),
        feature("350303000000", "涵江区", box(119.0, 25.2, 119.4, 25.4), "real"),
        feature("350304000000", "荔城区", box(119.0, 25.0, 119.4, 25.2), "real"),
        feature("350303100000", "江口镇", box(119.0, 25.2, 119.4, 25.4)),
        feature("350304100000", "西天尾镇", box(119.0, 25.0, 119.4, 25.2)),
        feature("350303100001", "江口村", box(119.0, 25.2, 119.4, 25.4)),
        feature("350304100001", "东星社区", box(119.0, 25.0, 119.2, 25.2)),
        feature("350304100002", "溪白村", box(119.2, 25.0, 119.4, 25.2)),
    ]


def write_shipped(directory: Path, features: list[Feature]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for level in codes.LEVELS:
        collection = {
            "type": "FeatureCollection",
            "features": [item for item in features if item["properties"]["level"] == level],
        }
        (directory / f"{level}.geojson").write_text(
            json.dumps(collection, ensure_ascii=False), encoding="utf-8"
        )
    return directory


def renamed(features: list[Feature], code: str, name: str) -> list[Feature]:
    changed = copy.deepcopy(features)
    for item in changed:
        if item["properties"]["code"] == code:
            item["properties"]["name"] = name
    return changed


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    return write_shipped(tmp_path / "boundaries", sample())


@contextmanager
def recorded_writes(engine: Engine) -> Iterator[list[str]]:
    """The INSERT/UPDATE/DELETE statements sent to the database inside the block."""
    writes: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield writes
    finally:
        event.remove(engine, "before_cursor_execute", record)


def snapshot(engine: Engine) -> dict[str, Any]:
    """What a user would see: every division's name, source and boundary, and the version."""
    with make_session(engine)() as session:
        rows = session.scalars(select(Division).order_by(Division.code)).all()
        fingerprint = session.get(Meta, BOUNDARIES_FINGERPRINT)
        return {
            "divisions": [(d.code, d.name, d.geometry_source, d.geom.wkb) for d in rows],
            "version": boundaries_version(session),
            "fingerprint": fingerprint.value if fingerprint else None,
        }


def test_first_load_fills_all_four_levels(engine: Engine, shipped: Path) -> None:
    assert load_shipped(engine, shipped) == "loaded"

    with make_session(engine)() as session:
        levels = {
            level: [
                d.code for d in session.scalars(select(Division).where(Division.level == level))
            ]
            for level in codes.LEVELS
        }
        village = session.get(Division, "350304100002")
        version = boundaries_version(session)
        stored_fingerprint = session.get(Meta, BOUNDARIES_FINGERPRINT)
    assert {level: len(found) for level, found in levels.items()} == {
        "city": 1,
        "county": 2,
        "town": 2,
        "village": 3,
    }
    assert village is not None
    assert (village.name, village.parent_code, village.geometry_source) == (
        "溪白村",
        "350304100000",
        "generated",
    )
    assert (village.min_lon, village.min_lat, village.max_lon, village.max_lat) == (
        119.2,
        25.0,
        119.4,
        25.2,
    )
    assert village.geom.equals_exact(box(119.2, 25.0, 119.4, 25.2), tolerance=0)
    assert village.geom.covers(Point(village.label_lon, village.label_lat))
    assert village.area_km2 == 12.5
    assert version == 1
    assert stored_fingerprint is not None
    assert stored_fingerprint.value == shipped_fingerprint(shipped)


def test_second_load_of_the_same_files_writes_nothing(engine: Engine, shipped: Path) -> None:
    load_shipped(engine, shipped)
    before = snapshot(engine)

    with recorded_writes(engine) as writes:
        assert load_shipped(engine, shipped) == "unchanged"

    assert writes == []
    assert snapshot(engine) == before


def test_the_same_version_in_two_databases_has_two_stamps(tmp_path: Path, shipped: Path) -> None:
    """Browsers keep layers under the stamp (a year, immutable): a database rebuilt or
    restored to the same version number must not name its content like the old one did."""
    from store.engine import build_engine
    from store.migrate import upgrade

    stamps = []
    for name in ("first", "rebuilt"):
        engine = build_engine(f"sqlite:///{(tmp_path / name).as_posix()}.sqlite")
        upgrade(engine)
        load_shipped(engine, shipped)
        with make_session(engine)() as session:
            stamps.append((boundaries_version(session), boundaries_stamp(session)))
        engine.dispose()
    assert stamps[0][0] == stamps[1][0] == 1
    assert stamps[0][1] != stamps[1][1] and all(s.startswith("1.") for _, s in stamps)


def test_changed_files_reload_and_bump_the_version(engine: Engine, shipped: Path) -> None:
    load_shipped(engine, shipped)
    features = [
        item
        for item in renamed(sample(), "350304100001", "东星村")
        if item["properties"]["code"] != "350303100001"
    ]
    write_shipped(shipped, features)

    assert load_shipped(engine, shipped) == "loaded"

    with make_session(engine)() as session:
        assert session.get(Division, "350304100001").name == "东星村"  # type: ignore[union-attr]
        assert session.get(Division, "350303100001") is None
        assert boundaries_version(session) == 2
    assert load_shipped(engine, shipped) == "unchanged"


def test_an_emptied_table_is_loaded_again(engine: Engine, shipped: Path) -> None:
    load_shipped(engine, shipped)
    with make_session(engine)() as session, session.begin():
        session.query(Division).delete()

    assert load_shipped(engine, shipped) == "loaded"
    assert len(snapshot(engine)["divisions"]) == 8


def test_imported_boundaries_survive_changed_files(
    engine: Engine, shipped: Path, caplog: pytest.LogCaptureFixture
) -> None:
    load_shipped(engine, shipped)
    imported = Polygon([(119.0, 25.0), (119.4, 25.0), (119.3, 25.2), (119.0, 25.2)])
    with make_session(engine)() as session, session.begin():
        town = session.get(Division, "350304100000")
        assert town is not None
        town.geom = imported
        town.geometry_source = "imported"
        town.geometry_note = "surveyed 2024"
    before = snapshot(engine)
    write_shipped(shipped, renamed(sample(), "350304100001", "东星村"))

    with caplog.at_level(logging.WARNING, logger="layers.load"):
        assert load_shipped(engine, shipped) == "kept-imported"

    assert snapshot(engine) == before
    with make_session(engine)() as session:
        town = session.get(Division, "350304100000")
        assert town is not None
        assert town.geometry_source == "imported"
        assert town.geom.equals_exact(imported, tolerance=0)
        assert town.max_lon == 119.4 and town.geometry_note == "surveyed 2024"
    assert any("imported" in record.getMessage() for record in caplog.records)


def _bad_code(features: list[Feature]) -> None:
    features[-1]["properties"]["code"] = "35030410000X"


def _missing_name(features: list[Feature]) -> None:
    del features[-1]["properties"]["name"]


def _wrong_parent(features: list[Feature]) -> None:
    features[-1]["properties"]["parent_code"] = "350303100000"


def _label_outside(features: list[Feature]) -> None:
    features[-1]["properties"]["label_lon"] = 120.5


def _self_intersecting(features: list[Feature]) -> None:
    bowtie = [[[119.2, 25.0], [119.4, 25.2], [119.4, 25.0], [119.2, 25.2], [119.2, 25.0]]]
    features[-1]["geometry"] = {"type": "Polygon", "coordinates": bowtie}


def _claims_imported(features: list[Feature]) -> None:
    features[-1]["properties"]["geometry_source"] = "imported"


def _duplicate(features: list[Feature]) -> None:
    features.append(copy.deepcopy(features[-1]))


@pytest.mark.parametrize(
    "spoil",
    [
        _bad_code,
        _missing_name,
        _wrong_parent,
        _label_outside,
        _self_intersecting,
        _claims_imported,
        _duplicate,
    ],
)
def test_a_load_failing_in_the_village_file_keeps_the_previous_content(
    engine: Engine, shipped: Path, spoil: Callable[[list[Feature]], None]
) -> None:
    load_shipped(engine, shipped)
    before = snapshot(engine)
    features = renamed(sample(), "350300000000", "新莆田市")
    spoil(features)  # the last feature is a village, so the upper levels load first
    write_shipped(shipped, features)

    with recorded_writes(engine) as writes, pytest.raises(BoundaryFileError, match="village"):
        load_shipped(engine, shipped)

    # The failure came half-way: rows had already been deleted and the upper levels inserted.
    assert any(statement.lstrip().upper().startswith("DELETE") for statement in writes)
    assert any(statement.lstrip().upper().startswith("INSERT") for statement in writes)
    assert snapshot(engine) == before


def test_missing_files_are_named_and_change_nothing(engine: Engine, shipped: Path) -> None:
    load_shipped(engine, shipped)
    before = snapshot(engine)
    (shipped / "town.geojson").unlink()

    with pytest.raises(FileNotFoundError, match="town.geojson"):
        load_shipped(engine, shipped)
    assert snapshot(engine) == before


def test_concurrent_start_ups_load_once(engine: Engine, shipped: Path) -> None:
    # Several app processes starting together must not trip over each other's delete+insert.
    barrier = threading.Barrier(4)

    def start_up() -> str:
        barrier.wait()
        return load_shipped(engine, shipped)

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = sorted(pool.map(lambda _: start_up(), range(4)))

    assert outcomes == ["loaded", "unchanged", "unchanged", "unchanged"]
    assert snapshot(engine)["version"] == 1


def test_the_version_starts_at_zero(engine: Engine) -> None:
    with make_session(engine)() as session:
        assert boundaries_version(session) == 0
