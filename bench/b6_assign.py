"""B6: assign 1,000,000 points to villages (point-in-polygon), the step every ingest runs.

Ours: `layers.assign.assign_villages` (shapely 2, vectorised) and `assign_villages_postgis`
(PostGIS, GiST) on the 979 shipped villages. Baseline: a pure Python loop over points x
polygons with `polygon.contains(Point(x, y))`, timed on a deterministic sample (it would take
minutes on all the points). Points: seeded uniform random over the city's bounding box (about
40 % fall inside a village, the rest in the sea or outside the city).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from shapely.geometry import Point

from bench.postgis import scratch_database
from bench.runner import Context, Result, alternate, compare, log, median
from layers import repository
from layers.assign import assign_villages, assign_villages_postgis
from layers.load import load_shipped
from layers.shipped import PROJECT_ROOT
from store.engine import build_engine, make_session
from store.migrate import upgrade

ID = "B6"
TITLE = "assign points to villages"
SEED = 20251128
POINTS = {False: 1_000_000, True: 100_000}
# The loop's rate holds within a few % from 5,000 points (it ran 20,000 until the floors of
# B1 and B3 needed the time inside make bench's 15 minutes).
SAMPLE = {False: 5_000, True: 2_000}
NO_BROWSER = "n/a (no browser)"


def random_points(count: int, bbox: tuple[float, float, float, float]) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(SEED)
    min_lon, min_lat, max_lon, max_lat = bbox
    return rng.uniform(min_lon, max_lon, count), rng.uniform(min_lat, max_lat, count)


def naive_loop(polygons: list[tuple[str, object]], lon: np.ndarray, lat: np.ndarray) -> list:
    """The first thing anyone writes."""
    found = []
    for x, y in zip(lon.tolist(), lat.tolist(), strict=True):
        point = Point(x, y)
        code = None
        for candidate, polygon in polygons:
            if polygon.contains(point):
                code = candidate
                break
        found.append(code)
    return found


def _postgis_engine(ctx: Context):
    """A scratch PostGIS database with the schema and the shipped boundaries, or None."""
    url = scratch_database(ctx, "B6")
    if url is None:
        return None
    engine = build_engine(url)
    ctx.resources.callback(engine.dispose)
    upgrade(engine)
    load_shipped(engine, PROJECT_ROOT / "data" / "boundaries")
    return engine


def run(ctx: Context) -> list[Result]:
    engine = _postgis_engine(ctx)
    if engine is None:
        sqlite = build_engine(f"sqlite:///{(ctx.scratch / 'b6.sqlite').as_posix()}")
        ctx.resources.callback(sqlite.dispose)
        upgrade(sqlite)
        load_shipped(sqlite, Path(PROJECT_ROOT / "data" / "boundaries"))
    sessions = make_session(engine if engine is not None else sqlite)
    with sessions() as session:
        villages = {row.code: row.geom for row in repository.by_level(session, "village")}
        city = repository.by_level(session, "city")[0].geom
    count, sample = POINTS[ctx.quick], SAMPLE[ctx.quick]
    lon, lat = random_points(count, city.bounds)
    step = count // sample
    sample_lon, sample_lat = lon[::step][:sample], lat[::step][:sample]
    polygons = sorted(villages.items())
    answers: dict[str, np.ndarray | list] = {}

    def timed(name: str, size: int, work) -> dict:
        started = time.perf_counter()
        answers[name] = work()
        seconds = time.perf_counter() - started
        return {"points_per_s": size / seconds, "seconds": seconds}

    def postgis() -> np.ndarray:
        with sessions() as session:
            try:
                return assign_villages_postgis(session, lon, lat)
            finally:
                session.rollback()

    variants = {
        "ours": lambda: timed("ours", count, lambda: assign_villages(villages, lon, lat)),
        "baseline": lambda: timed(
            "baseline", sample, lambda: naive_loop(polygons, sample_lon, sample_lat)
        ),
    }
    if engine is not None:
        variants["postgis"] = lambda: timed("postgis", count, postgis)
    log(f"B6: {count:,} points, baseline on every {step}th ({sample:,})")
    samples = alternate(variants, ctx.repetitions, ctx.warmup)

    ours_codes = answers["ours"]
    inside = int(sum(code is not None for code in ours_codes))
    loop_codes = np.array(answers["baseline"], dtype=object)
    loop_agree = int(np.sum(loop_codes == ours_codes[::step][:sample]))
    o, b = samples["ours"], samples["baseline"]
    common = (
        f"{count:,} seeded random points over the city's bbox ({inside:,} inside a village); "
        f"the baseline loop is timed on a deterministic sample of {sample:,} of them (every "
        f"{step}th point) and reported as points/s, as are ours on all {count:,}; the loop "
        f"agrees with ours on {loop_agree:,}/{sample:,} sample points"
    )
    results = [
        compare(
            ID,
            f"assign {count:,} points: shapely (ours) vs loop",
            "points/s",
            o["points_per_s"],
            b["points_per_s"],
            ">= 50",
            ctx,
            renderer=NO_BROWSER,
            notes=f"{common}; ours took {median(o['seconds']):.2f} s for {count:,} (polygons "
            f"in memory, index built in the timed call); loop {median(b['seconds']):.2f} s for "
            f"{sample:,}.",
        )
    ]
    if engine is not None:
        p = samples["postgis"]
        agree = int(np.sum(answers["postgis"] == ours_codes))
        results += [
            compare(
                ID,
                f"assign {count:,} points: PostGIS vs loop",
                "points/s",
                p["points_per_s"],
                b["points_per_s"],
                ">= 50",
                ctx,
                renderer=NO_BROWSER,
                notes=f"{common}; PostGIS took {median(p['seconds']):.2f} s for {count:,}: "
                "binary COPY into a temp table in Z-order, BRIN index, polygon-major "
                "ST_Intersects join, rows back to Python; local server, same machine.",
            ),
            compare(
                ID,
                f"assign {count:,} points: PostGIS vs shapely",
                "points/s",
                p["points_per_s"],
                o["points_per_s"],
                "report",
                ctx,
                renderer=NO_BROWSER,
                notes=f"'ours' = PostGIS, 'baseline' = shapely here; they agree on "
                f"{agree:,}/{count:,} points (a shared edge goes to the smaller code in both).",
            ),
        ]
    return results
