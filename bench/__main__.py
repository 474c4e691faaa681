"""`python -m bench [--quick] [--only B1,B3]`: run the benchmarks, print the table, write
bench/results/latest.json."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import time
import traceback

from bench.runner import RESULTS_DIR, Context, Result, log, table, write_results

# id -> module with ID, TITLE and run(ctx) -> list[Result]. B4, B5 and B7 plug in here.
BENCHMARKS = {
    "B1": "bench.b1_first_render",
    "B2": "bench.b2_recolour",
    "B3": "bench.b3_drilldown",
    "B4": "bench.b4_tiles",
    "B5": "bench.b5_markers",
    "B6": "bench.b6_assign",
    "B7": "bench.b7_load",
    "B8": "bench.b8_slider",
    "B9": "bench.b9_ogc",
    "B10": "bench.b10_key_points",
}
REPETITIONS = {False: 5, True: 1}  # after one warm-up per variant (B4 full: at most 3)


def engines_for(asked: str | None, quick: bool) -> tuple[str, ...]:
    """B7's engines: those asked for; else both, or SQLite alone in a quick run (a smoke
    run under two minutes: PostgreSQL's demo database alone costs ~25 s to prepare)."""
    if asked in ("sqlite", "postgresql"):
        return (asked,)
    return ("sqlite",) if quick and asked is None else ("sqlite", "postgresql")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, smaller sizes")
    parser.add_argument("--only", default="", help="comma-separated ids, e.g. B1,B3")
    parser.add_argument("--repetitions", type=int, help="override the number of repetitions")
    parser.add_argument(
        "--engine",
        choices=("sqlite", "postgresql", "both"),
        help="the storage engine(s) B7 runs on (default: both, one after the other; quick: "
        "SQLite, the embedded default)",
    )
    args = parser.parse_args(argv)

    chosen = [i.strip().upper() for i in args.only.split(",") if i.strip()] or list(BENCHMARKS)
    unknown = [i for i in chosen if i not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ctx = Context(
        quick=args.quick,
        repetitions=args.repetitions or REPETITIONS[args.quick],
        warmup=0 if args.quick else 1,  # quick: a smoke run, its figures are not quoted
        engines=engines_for(args.engine, args.quick),
    )
    started = time.perf_counter()
    results: list[Result] = []
    failed: list[str] = []
    try:
        for id_ in chosen:
            module = importlib.import_module(BENCHMARKS[id_])
            log(f"{id_}: {module.TITLE} ({'quick' if ctx.quick else 'full'})")
            begun, load_before = time.perf_counter(), os.getloadavg()[0]
            try:
                rows = module.run(ctx)
            except Exception:  # one broken benchmark must not hide the others' figures
                failed.append(id_)
                traceback.print_exc(file=sys.stderr)
                rows = []
            # Other work on the machine skews timings: say how busy it was.
            load = f"load average (1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
            for row in rows:
                row.notes = f"{row.notes} [{load} on {os.cpu_count()} CPUs]".strip()
            results.extend(rows)
            log(f"{id_}: done in {time.perf_counter() - begun:.0f} s ({load})")
    finally:
        ctx.close()
    elapsed = time.perf_counter() - started
    print(table(results))
    print(f"\nrenderer: {ctx.renderer}")
    print(
        f"mode: {'quick' if ctx.quick else 'full'}, {ctx.repetitions} repetitions after "
        f"{ctx.warmup} warm-up, {elapsed:.0f} s"
    )
    # A quick run is a smoke test: its figures never replace a full run's.
    path = write_results(results, RESULTS_DIR / ("quick.json" if ctx.quick else "latest.json"))
    print(f"written: {path}")
    if failed:
        print(f"FAILED: {', '.join(failed)} (see stderr)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
