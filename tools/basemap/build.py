"""Build the offline basemap (land, coastline, lakes, rivers around Putian) from GSHHG.

GSHHG 2.3.7 (full resolution) comes from Debian's `gmt-gshhg-full`, read through GMT's
`gmt coast` (Debian's `gmt`): no network beyond the package registry, nothing downloaded
at run time. Shorelines come out cut at GMT's bins; they are noded with the region's frame
into faces, and each face is land or water by asking `gmt select` about one point inside
it. Writes one GeoJSON FeatureCollection (WGS84, 5 decimals) whose features carry `kind`:
`land` (polygons; lakes are holes; their outline is the coastline, except on the frame of the
wide region, far from Putian) and `river` (with its WDBII `level`).

    python tools/basemap/build.py --out tools/basemap/dist/basemap.geojson

The output depends only on the data: two builds give the same bytes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import shapely
from shapely.geometry import LineString, MultiLineString, box, mapping
from shapely.ops import polygonize, unary_union

# The full-detail region around Putian (the city spans 118.4-119.6 E, 24.9-25.8 N) and a
# wider one at less detail, so a zoomed-out view still shows the coast of Fujian.
NEAR = (118.0, 24.3, 120.4, 26.5)
WIDE = (115.5, 22.0, 123.5, 29.5)
# Douglas-Peucker tolerances in degrees: ~40 m near Putian (GSHHG itself is no better than
# ~100 m there), ~300 m further out, where islets under ~0.1 km² are left out too.
NEAR_TOLERANCE = 0.0004
WIDE_TOLERANCE = 0.003
WIDE_MIN_AREA = 1e-5
DECIMALS = 4
SOURCE = "GSHHG 2.3.7 (full resolution), LGPL-3.0-or-later; via Debian gmt-gshhg-full"


class BuildError(RuntimeError):
    pass


def _gmt(*args: str, stdin: str | None = None) -> str:
    try:
        # In a directory of its own: GMT leaves a gmt.history file where it runs.
        with tempfile.TemporaryDirectory(prefix="onemap-gmt-") as scratch:
            done = subprocess.run(
                ["gmt", *args],
                input=stdin,
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
                cwd=scratch,
            )
    except FileNotFoundError as error:
        raise BuildError("gmt not found: install Debian's gmt and gmt-gshhg-full") from error
    if done.returncode != 0:
        raise BuildError(f"gmt {args[0]} failed: {done.stderr.strip()[:500]}")
    return done.stdout


def _region(bounds: tuple[float, float, float, float]) -> str:
    west, south, east, north = bounds
    return f"-R{west}/{east}/{south}/{north}"


def _segments(text: str) -> list[tuple[str, list[tuple[float, float]]]]:
    """(header, points) of each segment of GMT's multisegment text."""
    found: list[tuple[str, list[tuple[float, float]]]] = []
    for line in text.splitlines():
        if line.startswith(">"):
            found.append((line, []))
        elif line.strip() and found:
            lon, lat = line.split()[:2]
            found[-1][1].append((float(lon), float(lat)))
    return [(header, points) for header, points in found if len(points) >= 2]


def _level(header: str) -> int:
    return int(header.rsplit("Level", 1)[1].split()[0]) if "Level" in header else 0


def shorelines(bounds) -> list[LineString]:
    """Every shoreline level (ocean, lakes, islands in lakes, ponds) cut to the region."""
    text = _gmt("coast", _region(bounds), "-Df", "-W", "-M")
    return [LineString(points) for _, points in _segments(text)]


def rivers(bounds) -> list[tuple[int, LineString]]:
    text = _gmt("coast", _region(bounds), "-Df", "-Ia", "-M")
    return [(_level(header), LineString(points)) for header, points in _segments(text)]


def land(bounds, lines: list[LineString]) -> list[shapely.Polygon]:
    """The faces of the shorelines and the frame that lie on land (lakes left as holes)."""
    frame = box(*bounds).exterior
    faces = list(polygonize(unary_union([*lines, frame])))
    probes = [face.representative_point() for face in faces]
    text = "".join(f"{p.x:.7f} {p.y:.7f} {i}\n" for i, p in enumerate(probes))
    kept = _gmt("select", "-Df", "-Ns/k", _region(bounds), stdin=text)
    dry = {int(line.split()[2]) for line in kept.splitlines() if line.strip()}
    return [face for i, face in enumerate(faces) if i in dry]


def _rounded(geom):
    return shapely.set_precision(geom, 10**-DECIMALS, mode="pointwise")


def _clean(geom, tolerance: float):
    simple = shapely.simplify(geom, tolerance, preserve_topology=True) if tolerance else geom
    return _rounded(simple)


def build() -> dict:
    near_box, wide_box = box(*NEAR), box(*WIDE)
    faces = land(WIDE, shorelines(WIDE))
    # Simplified whole, then cut by one frame: the two parts meet exactly along it.
    fine = _clean(unary_union(faces).intersection(near_box), NEAR_TOLERANCE)
    coarse = unary_union([f for f in faces if f.area >= WIDE_MIN_AREA])
    coarse = _clean(shapely.simplify(coarse, WIDE_TOLERANCE).difference(near_box), 0)
    land_shape = unary_union([fine, coarse])
    features = []
    for polygon in getattr(land_shape, "geoms", [land_shape]):
        if not polygon.is_empty:
            features.append(_feature({"kind": "land"}, polygon))
    for level, line in rivers(WIDE):
        inside = line.intersection(wide_box)
        if not inside.is_empty:
            simple = _clean(inside, NEAR_TOLERANCE if inside.intersects(near_box) else 0.001)
            features.append(_feature({"kind": "river", "level": level}, simple))
    return {
        "type": "FeatureCollection",
        "properties": {"source": SOURCE, "near": NEAR, "wide": WIDE},
        "features": features,
    }


def _feature(properties: dict, geom) -> dict:
    if isinstance(geom, MultiLineString) and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    return {"type": "Feature", "properties": properties, "geometry": mapping(geom)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the GeoJSON file to write")
    args = parser.parse_args(argv)
    if shutil.which("gmt") is None:
        print("gmt not found: install Debian's gmt and gmt-gshhg-full", file=sys.stderr)
        return 2
    try:
        collection = build()
    except BuildError as error:
        print(f"basemap not built: {error}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    temporary = args.out.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(args.out)
    kinds: dict[str, int] = {}
    for feature in collection["features"]:
        kinds[feature["properties"]["kind"]] = kinds.get(feature["properties"]["kind"], 0) + 1
    print(f"basemap: {args.out} ({len(text) // 1024} KB; {kinds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
