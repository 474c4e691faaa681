"""B9: OGC API – Features beside pygeoapi on B4's 100,000 synthetic villages (quick: 2,000).

Both servers read the same PostGIS database on the same machine in the same run, each in a
process of its own behind waitress with 4 threads, asked over HTTP with keep-alive:
- ours: the real app (`create_app`), `/ogc/collections/village/items`, as a city leader's
  Bearer token, so scope enforcement is on (every query carries the jurisdiction filter and
  every read is audited);
- pygeoapi (the reference Python server for the standard, installed by this benchmark in
  its own venv, var/pygeoapi-venv, never in the app's lock), its PostgreSQL provider on a
  copy of the same village rows (`bench_villages`: code as primary key, GiST on geom), since
  it serves a whole table and `divisions` also holds the other levels. No scope (it has none).
Measured: items per second paging the whole collection with limit=1000 (following `next`),
and p50/p95 latency of 200 random town-size bbox queries (~0.08° square, the size of a
Putian town, inside the villages' extent; the same boxes for both, asked alternately).
`python -m bench.b9_ogc [--quick]` runs it alone and writes bench/results/b9.json.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import requests
import shapely
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import accounts
from bench import b4_tiles, ours
from bench.postgis import scratch_database
from bench.runner import RESULTS_DIR, Context, Result, compare, log, write_results

ID = "B9"
TITLE = "OGC API – Features beside pygeoapi (100,000 villages)"
PYGEOAPI = "pygeoapi==0.21.0"
# Its PostgreSQL provider needs these beside it; waitress serves it as ours is served.
PACKAGES = (PYGEOAPI, "GeoAlchemy2", "psycopg2-binary", "waitress")
VENV = Path(__file__).resolve().parent.parent / "var" / "pygeoapi-venv"
PAGE = 1000
BOXES = 200
TOWN_DEG = 0.08  # a Putian town is ~60 km²: about 0.08° on a side


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pygeoapi_python() -> Path:
    """The venv's python, with pygeoapi, waitress and psycopg2 installed on first use."""
    python = VENV / "bin" / "python"
    ready = VENV / ".b9-ready"
    if not ready.exists():
        log(f"B9: installing {PYGEOAPI} in {VENV} (once)")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *PACKAGES],
            check=True,
        )
        ready.write_text("\n".join(PACKAGES))
    return python


def copy_villages(url: str) -> None:
    """bench_villages: the village rows of `divisions`, as pygeoapi's table."""
    app_engine = create_engine(url)
    with app_engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS bench_villages"))
        connection.execute(
            text(
                "CREATE TABLE bench_villages AS SELECT code, name, level, parent_code, "
                "area_km2, geometry_source, geom FROM divisions WHERE level = 'village'"
            )
        )
        connection.execute(text("ALTER TABLE bench_villages ADD PRIMARY KEY (code)"))
        connection.execute(text("CREATE INDEX ON bench_villages USING gist (geom)"))
        connection.execute(text("ANALYZE bench_villages"))
    app_engine.dispose()


def pygeoapi_config(url: str, port: int, folder: Path) -> Path:
    parts = make_url(url)
    config = folder / "pygeoapi.yml"
    config.write_text(
        textwrap.dedent(
            f"""\
            server:
              bind: {{host: 127.0.0.1, port: {port}}}
              url: http://127.0.0.1:{port}
              mimetype: application/json; charset=UTF-8
              encoding: utf-8
              language: en-US
              limits: {{default_items: 10, max_items: {PAGE}}}
              limit: 10
              map: {{url: "http://127.0.0.1/{{z}}/{{x}}/{{y}}.png", attribution: none}}
            logging: {{level: ERROR}}
            metadata:
              identification:
                title: B9
                description: B9 baseline
                keywords: [b9]
                keywords_type: theme
                terms_of_service: none
                url: http://127.0.0.1
              license: {{name: none, url: http://127.0.0.1}}
              provider: {{name: bench, url: http://127.0.0.1}}
              contact: {{name: bench, email: bench@example.com, url: http://127.0.0.1}}
            resources:
              village:
                type: collection
                title: villages
                description: synthetic villages
                keywords: [village]
                extents:
                  spatial:
                    bbox: [-180, -90, 180, 90]
                    crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84
                providers:
                  - type: feature
                    name: PostgreSQL
                    data:
                      host: {parts.host or "localhost"}
                      port: {parts.port or 5432}
                      dbname: {parts.database}
                      user: {parts.username or "postgres"}
                      password: "{parts.password or ""}"
                      search_path: [public]
                    id_field: code
                    table: bench_villages
                    geom_field: geom
            """
        ),
        encoding="utf-8",
    )
    return config


def start_pygeoapi(ctx: Context, url: str) -> str:
    """Serve pygeoapi (waitress, 4 threads) in its own process; returns its base URL."""
    python = pygeoapi_python()
    folder = Path(tempfile.mkdtemp(prefix="b9-pygeoapi-", dir=ctx.scratch))
    port = _free_port()
    config = pygeoapi_config(url, port, folder)
    openapi = folder / "openapi.yml"
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    pygeoapi = VENV / "bin" / "pygeoapi"
    made = subprocess.run(
        [str(pygeoapi), "openapi", "generate", str(config), "--output-file", str(openapi)],
        env=env,
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        raise RuntimeError(f"pygeoapi openapi generate failed: {made.stderr[-1000:]}")
    program = (
        "from waitress import serve; from pygeoapi.flask_app import APP; "
        f"serve(APP, host='127.0.0.1', port={port}, threads=4)"
    )
    process = subprocess.Popen([str(python), "-c", program], env=env)
    ctx.resources.callback(process.terminate)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if requests.get(f"{base}/collections/village", timeout=5).ok:
                return base
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise RuntimeError("pygeoapi did not start")


def start_ours(ctx: Context, url: str) -> str:
    """Serve our app (waitress, 4 threads) in its own process, as pygeoapi is: a server in
    the benchmark's own process would share its interpreter lock with the client."""
    port = _free_port()
    root = Path(__file__).resolve().parent.parent
    var = Path(tempfile.mkdtemp(prefix="b9-ours-", dir=ctx.scratch))
    program = (
        "from waitress import serve; from bench.ours import make_app; "
        f"app = make_app({url!r}, {str(var)!r}); "
        f"serve(app.server, host='127.0.0.1', port={port}, threads=4)"
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    process = subprocess.Popen([sys.executable, "-c", program], cwd=root, env=env)
    ctx.resources.callback(process.terminate)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if requests.get(f"{base}/healthz", timeout=5).ok:
                return base
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise RuntimeError("our app did not start")


def walk(session: requests.Session, url: str, headers: dict) -> dict[str, float]:
    """Page the whole collection by `next` links; items per second and how many."""
    count = 0
    started = time.perf_counter()
    while url:
        response = session.get(url, headers=headers, timeout=120)
        response.raise_for_status()
        page = response.json()
        count += len(page["features"])
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
        if not page["features"]:
            break
    seconds = time.perf_counter() - started
    return {"items_per_s": count / seconds, "items": count, "seconds": seconds}


def boxes(n: int, count: int) -> list[tuple[float, float, float, float]]:
    """Town-size boxes inside the synthetic villages' extent (seeded)."""
    min_lon, min_lat, max_lon, max_lat = shapely.total_bounds(b4_tiles.polygons(n)[1])
    rng = random.Random(20261206)
    found = []
    for _ in range(count):
        x = rng.uniform(min_lon, max(min_lon, max_lon - TOWN_DEG))
        y = rng.uniform(min_lat, max(min_lat, max_lat - TOWN_DEG))
        found.append((x, y, x + TOWN_DEG, y + TOWN_DEG))
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(ctx: Context) -> list[Result]:
    n = b4_tiles.QUICK_N if ctx.quick else 100_000
    reps = 1 if ctx.quick else min(2, ctx.repetitions)  # a pygeoapi walk takes minutes
    url = scratch_database(ctx, "B9")
    if url is None:
        return []
    log(f"B9: loading {n:,} synthetic villages (B4's) into PostGIS")
    app = ours.make_app(url)
    b4_tiles.load_polygons(app, n)
    copy_villages(url)
    with app.server.extensions["onemap"].sessions() as session, session.begin():
        token = accounts.create_token(session, accounts.get_user(session, ours.LOGIN), "B9")
    theirs = start_pygeoapi(ctx, url)
    ours_headers = {"Authorization": f"Bearer {token}"}
    asked = boxes(n, 20 if ctx.quick else BOXES)
    base = start_ours(ctx, url)
    ours_items = f"{base}/ogc/collections/village/items"
    their_items = f"{theirs}/collections/village/items"
    sessions = {"ours": requests.Session(), "pygeoapi": requests.Session()}
    plan = {
        "ours": lambda: walk(sessions["ours"], f"{ours_items}?limit={PAGE}", ours_headers),
        "pygeoapi": lambda: walk(sessions["pygeoapi"], f"{their_items}?limit={PAGE}&f=json", {}),
    }
    # Warm-up: a few first pages each (a whole walk of pygeoapi takes minutes).
    for _ in range(3):
        sessions["ours"].get(f"{ours_items}?limit={PAGE}", headers=ours_headers)
        sessions["pygeoapi"].get(f"{their_items}?limit={PAGE}&f=json")
    walks: dict[str, list[dict]] = {"ours": [], "pygeoapi": []}
    for round_ in range(reps):
        for name in plan if round_ % 2 == 0 else reversed(list(plan)):
            done = plan[name]()
            log(f"  B9 {name:<9} walk: {done['items']:,} items in {done['seconds']:.1f} s")
            walks[name].append(done)
    latency: dict[str, list[float]] = {"ours": [], "pygeoapi": []}
    matched: dict[str, list[int]] = {"ours": [], "pygeoapi": []}
    for index, box in enumerate(asked):
        bbox = ",".join(f"{v:.6f}" for v in box)
        order = ["ours", "pygeoapi"] if index % 2 == 0 else ["pygeoapi", "ours"]
        for name in order:
            target = ours_items if name == "ours" else their_items
            headers = ours_headers if name == "ours" else {}
            started = time.perf_counter()
            response = sessions[name].get(
                f"{target}?bbox={bbox}&limit={PAGE}&f=json", headers=headers, timeout=60
            )
            response.raise_for_status()
            features = response.json()["features"]
            latency[name].append((time.perf_counter() - started) * 1000)
            matched[name].append(len(features))
    same = matched["ours"] == matched["pygeoapi"]
    counts = {name: [w["items"] for w in found] for name, found in walks.items()}
    notes = (
        f"{n:,} synthetic villages (B4's) + the 979 shipped, one PostGIS database; ours with a "
        f"city leader's token (scope filter and audit on), pygeoapi {PYGEOAPI.split('==')[1]} "
        f"(PostgreSQL provider on a copy of the village rows, no scope); items walked: ours "
        f"{counts['ours']}, pygeoapi {counts['pygeoapi']}; bbox answers "
        + ("identical in feature count" if same else "DIFFER in feature count")
        + f" (median {sorted(matched['ours'])[len(asked) // 2]} features per box)"
    )
    rows = [
        compare(
            ID,
            f"paging {n:,} villages, limit={PAGE}: items/s",
            "items/s",
            [w["items_per_s"] for w in walks["ours"]],
            [w["items_per_s"] for w in walks["pygeoapi"]],
            ">= 2",
            ctx,
            notes,
            renderer="n/a (HTTP)",
        ),
        compare(
            ID,
            f"{len(asked)} town-size bbox queries: p95 latency",
            "ms",
            [percentile(latency["ours"], 0.95)],
            [percentile(latency["pygeoapi"], 0.95)],
            "<= 0.5",
            ctx,
            notes,
            renderer="n/a (HTTP)",
        ),
        compare(
            ID,
            f"{len(asked)} town-size bbox queries: p50 latency",
            "ms",
            [percentile(latency["ours"], 0.5)],
            [percentile(latency["pygeoapi"], 0.5)],
            "report",
            ctx,
            notes,
            renderer="n/a (HTTP)",
        ),
    ]
    return rows


def main() -> int:
    quick = "--quick" in sys.argv
    ctx = Context(quick=quick, repetitions=1 if quick else 2, warmup=0)
    try:
        rows = run(ctx)
    finally:
        ctx.close()
    for row in rows:
        log(
            f"{row.metric}: ours {row.ours:,.1f} / pygeoapi {row.baseline:,.1f} {row.unit} "
            f"(ratio {row.ratio:.2f}, goal {row.goal}: {'met' if row.met else row.met})"
        )
    name = "quick.json" if quick else "b9.json"  # quick.json: not kept in git
    write_results(rows, RESULTS_DIR / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
