"""B10: the map's key-point layer with 100,000 key points against the same map with 1,000.

Two copies of the real app on scratch SQLite files, the same city leader, the same shipped
boundaries; one holds 1,000 flood key points, the other 100,000 (seeded around the villages'
label points, σ 0.01° (~1 km), each filed under the village it was seeded from). The map's
layers are asked as the page asks them on its live refresh (`refresh_live`: every module
layer for the focus, over HTTP with the payload dash-renderer posts, like B2), at the city's
view (points gathered per county) and at 西天尾镇's (every point, or, above
modules.flood.layers.CLUSTER_OVER, the points of each ~50 px cell as one marker).
"ours" is the 100,000-point city, "baseline" the 1,000-point one: the goal is that the first
opens about as fast as the second.
"""

from __future__ import annotations

import json

import numpy as np
from sqlalchemy import insert, select

from bench import ours
from bench.b2_recolour import call, payload
from bench.runner import Context, Result, alternate, compare, log, median
from bench.serve import serve
from modules.flood.models import FloodKeyPoint
from store.models import Division

ID = "B10"
TITLE = "key-point layer: 100,000 points vs 1,000"
VIEWS = (("city", "350300000000"), ("town", "350304100000"))
SIZES = (1_000, 100_000)
RISKS = ("red", "orange", "yellow", "blue")


def seed(app, count: int) -> None:
    """`count` key points around the villages' label points (numpy, seeded)."""
    sessions = app.server.extensions["onemap"].sessions
    rng = np.random.default_rng(20261206 + count)
    with sessions() as session, session.begin():
        villages = session.execute(
            select(Division.code, Division.label_lon, Division.label_lat).where(
                Division.level == "village"
            )
        ).all()
        picked = rng.integers(0, len(villages), count)
        offsets = rng.normal(0.0, 0.01, (count, 2))
        rows = [
            {
                "name": f"演示点{i}",
                "category": "桥梁",
                "risk_level": RISKS[i % len(RISKS)],
                "responsible_name": "演示",
                "responsible_phone": "13800000000",
                "lon": float(villages[v].label_lon + dx),
                "lat": float(villages[v].label_lat + dy),
                "village_code": villages[v].code,
            }
            for i, (v, (dx, dy)) in enumerate(zip(picked, offsets, strict=True))
        ]
        session.execute(insert(FloodKeyPoint), rows)


def refresh_key(client, base: str) -> str:
    for dependency in client.get(base + "/_dash-dependencies", timeout=30).json():
        if dependency["output"].startswith("map-live.data"):
            return dependency["output"]
    raise RuntimeError("the app has no refresh_live callback (map-live.data)")


def markers(body: dict) -> int:
    """Markers of the key-point trace in a refresh_live answer."""
    traces = body["response"]["map-live"]["data"]["traces"]
    found = [t for t in traces if t.get("meta", {}).get("layer") == "flood-key-points"]
    return max((len(t.get("lon") or []) for t in found), default=0)


def run(ctx: Context) -> list[Result]:
    servers = {}
    for size in SIZES:
        log(f"B10: seeding {size:,} key points")
        app = ours.make_app(f"sqlite:///{(ctx.scratch / f'keypoints-{size}.sqlite').as_posix()}")
        seed(app, size)
        servers[size] = ctx.resources.enter_context(serve(app.server))
    clients = {size: ours.http_session(base) for size, (base, _) in servers.items()}
    rows: list[Result] = []
    for view, code in VIEWS:
        bodies = {
            size: payload(
                refresh_key(clients[size], base),
                "map-live",
                "data",
                [{"id": "map-live-tick", "property": "n_intervals", "value": 1}],
                [{"id": "map-focus", "property": "data", "value": code}],
            )
            for size, (base, _) in servers.items()
        }
        shown = {}
        for size, (base, _) in servers.items():
            answer = clients[size].post(base + "/_dash-update-component", json=bodies[size])
            shown[size] = markers(json.loads(answer.text))

        def ask(size: int, bodies: dict = bodies) -> dict:
            base, wire = servers[size]
            return call(clients[size], base, bodies[size], wire, "map-live")

        samples = alternate(
            {"ours": lambda: ask(SIZES[1]), "baseline": lambda: ask(SIZES[0])},
            ctx.repetitions * 2,
            ctx.warmup,
        )
        o, b = samples["ours"], samples["baseline"]
        what = (
            f"{view} view ({code}): the key-point trace holds {shown[SIZES[1]]:,} markers for "
            f"100,000 points, {shown[SIZES[0]]:,} for 1,000"
        )
        rows += [
            compare(
                ID,
                f"{view} view, layers' round trip",
                "ms",
                o["round_trip_ms"],
                b["round_trip_ms"],
                "<= 1.5",
                ctx,
                notes=f"{what}; HTTP POST of refresh_live to the last byte, loopback (no "
                f"browser); server time medians {median(o['server_ms']):.0f} / "
                f"{median(b['server_ms']):.0f} ms.",
                renderer="n/a (HTTP, no browser)",
            ),
            compare(
                ID,
                f"{view} view, layers' bytes",
                "B",
                o["bytes"],
                b["bytes"],
                "report",
                ctx,
                notes=f"{what}; the response as sent (compressed as the product sends it).",
                renderer="n/a (HTTP, no browser)",
            ),
        ]
    return rows
