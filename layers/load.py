"""Load the shipped boundary files (`data/boundaries/{level}.geojson`) into the database.

Runs at start-up. It is cheap when nothing changed (one hash, one query), it replaces every
division in one transaction when the files changed, and it never overwrites boundaries a
user has imported.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import secrets
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import shapely
from shapely.errors import GEOSException
from shapely.geometry import Point, shape
from sqlalchemy import Engine, delete, exists, func, insert, select, update
from sqlalchemy.orm import Session

from layers import codes
from store.engine import make_session
from store.models import (
    BOUNDARIES_FINGERPRINT,
    BOUNDARIES_STAMP,
    BOUNDARIES_VERSION,
    Division,
    Meta,
    bbox_columns,
)

LOGGER = logging.getLogger(__name__)

LoadOutcome = Literal["unchanged", "loaded", "kept-imported"]
SHIPPED_SOURCES = frozenset({"real", "generated"})
POLYGONAL = frozenset({"Polygon", "MultiPolygon"})


class BoundaryFileError(ValueError):
    """A shipped boundary file that cannot be loaded; the message names file and feature."""


def shipped_paths(directory: Path) -> dict[str, Path]:
    """The four level files, city first."""
    return {level: Path(directory) / f"{level}.geojson" for level in codes.LEVELS}


def shipped_fingerprint(directory: Path) -> str:
    """sha256 over the four level files, as stored in Meta after a load."""
    return _fingerprint(_read_files(directory))


def load_shipped(engine: Engine, directory: Path) -> LoadOutcome:
    """Bring the divisions table in line with the shipped files in `directory`.

    Returns "unchanged" when these files are already loaded (nothing is written), "loaded"
    after replacing all divisions in one transaction, or "kept-imported" when the files
    changed but a user has imported boundaries, which are then kept as they are.
    Raises BoundaryFileError (and leaves the database as it was) for a bad file, and
    FileNotFoundError when a level file is missing. Run `store.migrate.upgrade` first.
    """
    contents = _read_files(directory)
    digest = _fingerprint(contents)
    with make_session(engine)() as session:
        with session.begin():
            if _is_loaded(session, digest):
                return "unchanged"

        with session.begin():
            _lock_boundaries(session)
            # Another process may have loaded the same files while we waited for the lock.
            if _is_loaded(session, digest):
                return "unchanged"
            imported = session.scalar(
                select(func.count())
                .select_from(Division)
                .where(Division.geometry_source == "imported")
            )
            if imported:
                LOGGER.warning(
                    "shipped boundary files in %s changed, but %d divisions hold boundaries "
                    "a user imported; keeping the database as it is",
                    directory,
                    imported,
                )
                return "kept-imported"

            counts = _replace_divisions(session, contents)
            _set_meta(session, BOUNDARIES_FINGERPRINT, digest)
            version = bump_boundaries_version(session)

    LOGGER.info(
        "loaded shipped boundaries from %s (version %d): %s",
        directory,
        version,
        ", ".join(f"{count} {level}" for level, count in counts.items()),
    )
    return "loaded"


def boundaries_version(session: Session) -> int:
    """A counter bumped by every change of the stored boundaries (0 before the first load)."""
    value = _get_meta(session, BOUNDARIES_VERSION)
    return int(value) if value is not None else 0


def bump_boundaries_version(session: Session) -> int:
    """Lock the version row and increment it, in the caller's transaction; returns the new value.

    Every writer of the divisions calls this: the lock serialises them, and the new version
    invalidates the served GeoJSON caches.
    """
    _lock_boundaries(session)
    version = boundaries_version(session) + 1
    _set_meta(session, BOUNDARIES_VERSION, str(version))
    _set_meta(session, BOUNDARIES_STAMP, f"{version}.{secrets.token_hex(8)}")
    return version


def boundaries_stamp(session: Session) -> str:
    """The version with a random tag drawn at each bump: unlike the counter, never the same
    for two contents, even across a rebuilt or restored database. What browsers may keep
    layers under (layers.display.cache_token)."""
    value = _get_meta(session, BOUNDARIES_STAMP)
    return value if value is not None else str(boundaries_version(session))


def _read_files(directory: Path) -> dict[str, bytes]:
    paths = shipped_paths(directory)
    missing = [path.name for path in paths.values() if not path.is_file()]
    if missing:
        raise FileNotFoundError(
            f"shipped boundary files missing in {directory}: {', '.join(missing)}"
        )
    # Hash and parse the same bytes, so a file rewritten meanwhile cannot slip through.
    return {level: path.read_bytes() for level, path in paths.items()}


def _fingerprint(contents: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for level in codes.LEVELS:
        data = contents[level]
        # Name and length delimit each file, so bytes moving between files change the hash.
        digest.update(f"{level}:{len(data)}:".encode())
        digest.update(data)
    return digest.hexdigest()


def _get_meta(session: Session, key: str) -> str | None:
    # A column query, not session.get: the identity map could answer from an earlier
    # transaction, and the value may have been changed by another process since.
    return session.scalar(select(Meta.value).where(Meta.key == key))


def _is_loaded(session: Session, digest: str) -> bool:
    return _get_meta(session, BOUNDARIES_FINGERPRINT) == digest and bool(
        session.scalar(select(exists().where(Division.code.is_not(None))))
    )


def _lock_boundaries(session: Session) -> None:
    # A no-op update of the version row takes a row lock on PostgreSQL and the write lock on
    # SQLite, so concurrent start-ups load one after the other instead of colliding.
    result = session.execute(
        update(Meta).where(Meta.key == BOUNDARIES_VERSION).values(value=Meta.value)
    )
    if result.rowcount == 0:
        session.add(Meta(key=BOUNDARIES_VERSION, value="0"))
        session.flush()


def _set_meta(session: Session, key: str, value: str) -> None:
    changed = session.execute(update(Meta).where(Meta.key == key).values(value=value))
    if changed.rowcount == 0:
        session.add(Meta(key=key, value=value))
        session.flush()


def _replace_divisions(session: Session, contents: Mapping[str, bytes]) -> dict[str, int]:
    """Delete every division and insert the shipped ones, level by level, city first."""
    session.execute(delete(Division))
    loaded: set[str] = set()
    counts: dict[str, int] = {}
    now = datetime.now(UTC)
    for level in codes.LEVELS:
        rows = list(_rows(level, contents[level], loaded, now))
        session.execute(insert(Division), rows)
        loaded.update(row["code"] for row in rows)
        counts[level] = len(rows)
    return counts


def _rows(level: str, data: bytes, loaded: set[str], now: datetime) -> Iterator[dict[str, Any]]:
    filename = f"{level}.geojson"
    try:
        collection = json.loads(data)
    except ValueError as error:
        raise BoundaryFileError(f"{filename}: not valid JSON: {error}") from error
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list) or collection.get("type") != "FeatureCollection":
        raise BoundaryFileError(f"{filename}: not a GeoJSON FeatureCollection")
    if not features:
        raise BoundaryFileError(f"{filename}: no features")

    seen: set[str] = set()
    for index, feature in enumerate(features):
        code = "?"
        try:
            properties = feature.get("properties") if isinstance(feature, dict) else None
            if not isinstance(properties, dict):
                raise BoundaryFileError("no properties")
            code = str(properties.get("code"))
            row = _row(level, feature, properties, loaded)
            if row["code"] in seen:
                raise BoundaryFileError("duplicate code")
        except BoundaryFileError as error:
            raise BoundaryFileError(f"{filename}, feature {index} (code {code}): {error}") from None
        seen.add(row["code"])
        row["updated_at"] = now
        yield row


def _row(
    level: str, feature: dict[str, Any], properties: dict[str, Any], loaded: set[str]
) -> dict[str, Any]:
    code = properties.get("code")
    if not isinstance(code, str) or len(code) != 12 or not (code.isascii() and code.isdigit()):
        raise BoundaryFileError("code must be a 12-digit string")
    if properties.get("level") != level or codes.level_of(code) != level:
        raise BoundaryFileError(
            f"level {properties.get('level')!r} and code level {codes.level_of(code)!r} "
            f"must both be {level!r}"
        )
    parent = codes.parent_of(code)
    if properties.get("parent_code") != parent:
        raise BoundaryFileError(f"parent_code must be {parent!r}")
    if parent is not None and parent not in loaded:
        raise BoundaryFileError(f"parent {parent} is not in the level above")
    name = properties.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BoundaryFileError("name must be a non-empty string")
    source = properties.get("geometry_source")
    if source not in SHIPPED_SOURCES:
        raise BoundaryFileError(f"geometry_source must be one of {sorted(SHIPPED_SOURCES)}")
    area = _number(properties, "area_km2")
    if area <= 0:
        raise BoundaryFileError("area_km2 must be positive")
    label_lon = _number(properties, "label_lon")
    label_lat = _number(properties, "label_lat")
    note = properties.get("geometry_note")

    geom = _geometry(feature.get("geometry"))
    if not geom.covers(Point(label_lon, label_lat)):
        raise BoundaryFileError("label point (label_lon, label_lat) is outside the polygon")
    return {
        "code": code,
        "name": name.strip(),
        "level": level,
        "parent_code": parent,
        "geom": geom,
        "area_km2": area,
        "label_lon": label_lon,
        "label_lat": label_lat,
        **bbox_columns(geom),
        "geometry_source": source,
        "geometry_note": note if isinstance(note, str) and note else None,
    }


def _number(properties: dict[str, Any], key: str) -> float:
    value = properties.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BoundaryFileError(f"{key} must be a finite number")
    return float(value)


def _geometry(data: Any) -> Any:
    try:
        geom = shapely.force_2d(shape(data))
    except (AttributeError, KeyError, TypeError, ValueError, GEOSException) as error:
        raise BoundaryFileError(f"unreadable geometry: {error}") from None
    if geom.geom_type not in POLYGONAL or geom.is_empty:
        raise BoundaryFileError(
            f"geometry must be a non-empty Polygon or MultiPolygon, got {geom.geom_type}"
        )
    if not geom.is_valid:
        raise BoundaryFileError(f"invalid geometry: {shapely.is_valid_reason(geom)}")
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    if min_lon < -180 or max_lon > 180 or min_lat < -90 or max_lat > 90:
        raise BoundaryFileError("coordinates are not WGS84 longitude/latitude")
    return geom
