"""Storage on both engines: the geometry column, migrations, and the division queries."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from layers import repository
from store.engine import (
    DATABASE_URL_ENV,
    build_engine,
    database_url,
    default_database_url,
    get_engine,
    make_session,
)
from store.migrate import check, current_revision, head_revision, upgrade
from store.models import Division

POSTGIS_ONLY = pytest.mark.parametrize(
    "engine", [pytest.param("postgis", marks=pytest.mark.postgis)], indirect=True
)
SQLITE_ONLY = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)

# Two islands, one with a lake, with more decimals than a float prints by default.
ISLANDS = MultiPolygon(
    [
        Polygon(
            [(119.0123456789012, 25.1), (119.2, 25.1), (119.2, 25.3000000000001), (119.0, 25.3)],
            [[(119.05, 25.15), (119.1, 25.15), (119.1, 25.2), (119.05, 25.2)]],
        ),
        Polygon([(119.5, 25.5), (119.6, 25.5), (119.6, 25.6), (119.5, 25.6)]),
    ]
)
# A town shaped like an L: its bounding box has an empty north-east corner.
L_SHAPE = Polygon(
    [(119.0, 25.0), (119.2, 25.0), (119.2, 25.1), (119.1, 25.1), (119.1, 25.2), (119.0, 25.2)]
)
EMPTY_CORNER = (119.15, 25.15, 119.18, 25.18)


def division(code: str, name: str, level: str, geom: Polygon | MultiPolygon) -> Division:
    parent = {"city": None, "county": code[:4] + "00000000", "town": code[:6] + "000000"}
    label = geom.representative_point()
    return Division(
        code=code,
        name=name,
        level=level,
        parent_code=parent.get(level, code[:9] + "000"),
        geom=geom,
        area_km2=1.0,
        label_lon=label.x,
        label_lat=label.y,
        geometry_source="generated",
    )


@pytest.fixture
def putian(session: Session) -> Session:
    """A small Putian: two neighbouring counties whose codes share their first five digits."""
    session.add_all(
        [
            division("350300000000", "莆田市", "city", box(119.0, 25.0, 119.4, 25.4)),
            division("350303000000", "涵江区", "county", box(119.0, 25.2, 119.4, 25.4)),
            division("350304000000", "荔城区", "county", box(119.0, 25.0, 119.4, 25.2)),
            division("350303100000", "江口镇", "town", box(119.0, 25.2, 119.2, 25.4)),
            division("350303101000", "白塘镇", "town", box(119.2, 25.2, 119.4, 25.4)),
            division("350304100000", "西天尾镇", "town", L_SHAPE),
            division("350304101000", "黄石镇", "town", box(119.3, 25.0, 119.4, 25.1)),
            division("350303100001", "江口村", "village", box(119.0, 25.2, 119.05, 25.25)),
            division("350304100001", "东星社区", "village", box(119.0, 25.0, 119.05, 25.05)),
            division("350304100002", "溪白村", "village", box(119.05, 25.0, 119.1, 25.05)),
        ]
    )
    session.commit()
    return session


def codes_of(divisions: list[Division]) -> list[str]:
    return [item.code for item in divisions]


# --- the geometry column -------------------------------------------------------------------


def test_multipolygon_round_trips_exactly(engine: Engine) -> None:
    with make_session(engine)() as writer, writer.begin():
        writer.add(division("350300000000", "莆田市", "city", ISLANDS))

    with make_session(engine)() as reader:
        stored = reader.get(Division, "350300000000")
        assert stored is not None
        assert stored.geom.geom_type == "MultiPolygon"
        assert stored.geom.equals_exact(ISLANDS, tolerance=0)
        assert shapely.to_wkb(stored.geom) == shapely.to_wkb(ISLANDS)
        assert (stored.min_lon, stored.min_lat, stored.max_lon, stored.max_lat) == ISLANDS.bounds
        assert stored.updated_at.tzinfo is not None
        assert stored.updated_at <= datetime.now(UTC)


@POSTGIS_ONLY
def test_postgis_stores_a_real_geometry_with_a_gist_index(engine: Engine) -> None:
    with make_session(engine)() as session, session.begin():
        session.add(division("350300000000", "莆田市", "city", ISLANDS))

    with engine.connect() as connection:
        kind, srid, valid = connection.execute(
            text("SELECT ST_GeometryType(geom), ST_SRID(geom), ST_IsValid(geom) FROM divisions")
        ).one()
        column_type = connection.scalar(
            text(
                "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'divisions'::regclass AND attname = 'geom'"
            )
        )
        index = connection.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_divisions_geom'")
        )
    assert (kind, srid, valid) == ("ST_MultiPolygon", 4326, True)
    assert column_type == "geometry(Geometry,4326)"
    assert index is not None and "USING gist (geom)" in index


@SQLITE_ONLY
def test_sqlite_stores_plain_wkb_without_spatialite(engine: Engine) -> None:
    with make_session(engine)() as session, session.begin():
        session.add(division("350300000000", "莆田市", "city", ISLANDS))

    with engine.connect() as connection:
        kind, blob = connection.execute(text("SELECT typeof(geom), geom FROM divisions")).one()
        journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    assert kind == "blob"
    assert shapely.from_wkb(blob).equals_exact(ISLANDS, tolerance=0)
    assert (journal, foreign_keys) == ("wal", 1)


def test_the_database_rejects_an_unknown_level_or_source(engine: Engine) -> None:
    for bad in ({"level": "province"}, {"geometry_source": "guessed"}):
        item = division("350300000000", "莆田市", "city", ISLANDS)
        for key, value in bad.items():
            setattr(item, key, value)
        with make_session(engine)() as session:
            session.add(item)
            with pytest.raises(IntegrityError):
                session.commit()


# --- migrations ----------------------------------------------------------------------------


def test_migrations_are_idempotent_and_keep_data(engine: Engine) -> None:
    head = head_revision()
    assert head is not None and current_revision(engine) == head
    with make_session(engine)() as session, session.begin():
        session.add(division("350300000000", "莆田市", "city", ISLANDS))

    upgrade(engine)
    upgrade(engine)

    assert current_revision(engine) == head
    tables = set(inspect(engine).get_table_names())
    assert {"divisions", "meta", "alembic_version"} <= tables
    indexes = {index["name"] for index in inspect(engine).get_indexes("divisions")}
    assert {"ix_divisions_level", "ix_divisions_parent_code", "ix_divisions_level_bbox"} <= indexes
    with make_session(engine)() as session:
        assert repository.get_division(session, "3503") is not None


def test_a_new_database_starts_without_a_revision(tmp_path: Path) -> None:
    fresh = build_engine(f"sqlite:///{(tmp_path / 'nested' / 'dir' / 'x.sqlite').as_posix()}")
    try:
        assert current_revision(fresh) is None
        upgrade(fresh)
        assert current_revision(fresh) == head_revision()
        assert (tmp_path / "nested" / "dir" / "x.sqlite").is_file()
    finally:
        fresh.dispose()


# --- engines and URLs ----------------------------------------------------------------------


def test_one_engine_per_url(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'cached.sqlite').as_posix()}"
    try:
        assert get_engine(url) is get_engine(url)
        assert get_engine(url) is not get_engine(f"sqlite:///{(tmp_path / 'other').as_posix()}")
    finally:
        for cached in (url, f"sqlite:///{(tmp_path / 'other').as_posix()}"):
            get_engine(cached).dispose()
        get_engine.cache_clear()


def test_database_url_defaults_to_var_and_obeys_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    expected = f"sqlite:///{(tmp_path / 'var' / 'onemap.sqlite').resolve().as_posix()}"
    assert default_database_url(tmp_path) == expected
    assert database_url(tmp_path) == expected
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql+psycopg2://onemap@db/onemap")
    assert database_url(tmp_path) == "postgresql+psycopg2://onemap@db/onemap"


# --- queries -------------------------------------------------------------------------------


def test_get_division_accepts_short_and_full_codes(putian: Session) -> None:
    county = repository.get_division(putian, "350304")
    assert county is not None and county.name == "荔城区"
    town = repository.get_division(putian, "350304100")
    assert town is not None and town.name == "西天尾镇"
    assert repository.get_division(putian, "350304100001").name == "东星社区"  # type: ignore[union-attr]
    assert repository.get_division(putian, "350399") is None


def test_by_level_and_children(putian: Session) -> None:
    assert codes_of(repository.by_level(putian, "county")) == ["350303000000", "350304000000"]
    assert codes_of(repository.children(putian, "350304")) == ["350304100000", "350304101000"]
    assert repository.count_children(putian, "350300000000") == 2
    assert repository.count_children(putian, "350304100") == 2
    assert repository.count_children(putian, "350304100001") == 0
    with pytest.raises(ValueError, match="unknown level"):
        repository.by_level(putian, "province")


def test_within_a_county_excludes_the_neighbour_sharing_its_first_digits(
    putian: Session,
) -> None:
    assert codes_of(repository.by_level(putian, "town", within="350303")) == [
        "350303100000",
        "350303101000",
    ]
    # The county itself is not a town, and 350303's towns are not inside 350304.
    assert codes_of(repository.by_level(putian, "town", within="350304000000")) == [
        "350304100000",
        "350304101000",
    ]
    assert codes_of(repository.by_level(putian, "village", within="350304100")) == [
        "350304100001",
        "350304100002",
    ]
    assert codes_of(repository.by_level(putian, "village", within="3503")) == [
        "350303100001",
        "350304100001",
        "350304100002",
    ]
    assert repository.by_level(putian, "village", within="350304101") == []


def test_by_bbox_finds_the_polygon_and_not_a_distant_one(putian: Session) -> None:
    around_west = (118.99, 24.99, 119.05, 25.05)
    assert codes_of(repository.by_bbox(putian, "town", around_west)) == ["350304100000"]
    around_east = (119.35, 25.02, 119.45, 25.08)
    assert codes_of(repository.by_bbox(putian, "town", around_east)) == ["350304101000"]
    assert codes_of(repository.by_bbox(putian, "town", around_west, within="350303")) == []


def test_by_bbox_ignores_the_empty_corner_of_an_l_shaped_polygon(putian: Session) -> None:
    # The box lies inside the L's bounding box, so only the exact test can reject it.
    assert shapely.box(*L_SHAPE.bounds).contains(shapely.box(*EMPTY_CORNER))
    assert repository.by_bbox(putian, "town", EMPTY_CORNER) == []
    # ...while a box reaching the L's inner corner does find it.
    touching = (119.09, 25.09, 119.18, 25.18)
    assert codes_of(repository.by_bbox(putian, "town", touching)) == ["350304100000"]


def test_by_bbox_rejects_a_box_with_its_corners_swapped(putian: Session) -> None:
    with pytest.raises(ValueError, match="bbox"):
        repository.by_bbox(putian, "town", (119.4, 25.4, 119.0, 25.0))


def test_ancestors_read_city_first(putian: Session) -> None:
    trail = repository.ancestors(putian, "350304100001")
    assert [item.name for item in trail] == ["莆田市", "荔城区", "西天尾镇"]
    with_self = repository.ancestors(putian, "350304100001", include_self=True)
    assert codes_of(with_self)[-1] == "350304100001"
    assert repository.ancestors(putian, "3503") == []
    assert codes_of(repository.ancestors(putian, "350303")) == ["350300000000"]


def test_models_and_migrations_agree(engine: Engine) -> None:
    # Autogenerate finds nothing to do: a model change without a migration fails here.
    check(engine)


def test_a_database_loaded_before_stamps_gets_one(tmp_path) -> None:
    """Migration 0005: browsers keep layers under the boundaries stamp, so a database that
    already holds boundaries gets one (its counter alone could repeat in a rebuilt one)."""
    from sqlalchemy import text

    from layers.load import boundaries_stamp
    from store.engine import build_engine, make_session
    from store.migrate import upgrade

    engine = build_engine(f"sqlite:///{(tmp_path / 'old.sqlite').as_posix()}")
    upgrade(engine, "0004_divisions_web_mercator")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM meta WHERE key = 'boundaries_version'"))
        connection.execute(text("INSERT INTO meta (key, value) VALUES ('boundaries_version', '7')"))
    upgrade(engine)
    with make_session(engine)() as session:
        stamp = boundaries_stamp(session)
    engine.dispose()
    assert stamp.startswith("7.") and len(stamp) == len("7.") + 16
