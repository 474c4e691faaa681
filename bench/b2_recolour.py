"""B2: recolour the towns of one county by a value (their area, standing in for patrol progress).

Ours: the real app's `recolour` callback (dropdown `map-shade` -> `area`, focus 仙游县, the county
with the most towns: 18): a Dash Patch of z and the colour scale only.
Baseline: a callback that returns the whole figure again, `px.choropleth_map` with the towns'
shipped GeoJSON inline (bench.baselines.recolour_app).
Both are called over HTTP with the payload dash-renderer sends (captured from the browser:
output, outputs, inputs, state, changedPropIds, parsedChangedPropsIds), on a kept-alive
connection, with `Accept-Encoding: gzip`.
"""

from __future__ import annotations

import time

import requests

from bench import baselines, ours
from bench.runner import Context, Result, alternate, compare, median
from bench.serve import WireLog, serve, take_when

ID = "B2"
TITLE = "recolour towns by a value"
COUNTY = "350322000000"  # 仙游县: 18 towns
ENCODING = {"Accept-Encoding": "gzip"}


def payload(output: str, output_id: str, prop: str, inputs: list, state: list) -> dict:
    """A single-output callback request, field for field as dash-renderer builds it."""
    changed = [f"{i['id']}.{i['property']}" for i in inputs]
    body = {
        "output": output,
        "outputs": {"id": output_id, "property": prop},
        "inputs": inputs,
        "changedPropIds": changed,
        "parsedChangedPropsIds": changed,
    }
    if state:
        body["state"] = state
    return body


def recolour_key(client: requests.Session, base: str) -> str:
    """The key Dash gave the recolour callback (its output allows duplicates: a hash suffix)."""
    for dependency in client.get(base + "/_dash-dependencies", timeout=30).json():
        inputs = [f"{i['id']}.{i['property']}" for i in dependency["inputs"]]
        if dependency["output"].startswith("map-figure.data@") and inputs == ["map-shade.value"]:
            return dependency["output"]
    raise RuntimeError("the app has no recolour callback (map-figure.data <- map-shade.value)")


def call(client: requests.Session, base: str, body: dict, wire: WireLog, must: str) -> dict:
    wire.clear()
    started = time.perf_counter()
    response = client.post(base + "/_dash-update-component", json=body, headers=ENCODING)
    elapsed = (time.perf_counter() - started) * 1000
    sent = take_when(wire)
    if response.status_code != 200 or must not in response.text:
        raise RuntimeError(
            f"unexpected callback answer {response.status_code}: {response.text[:200]}"
        )
    return {
        "bytes": sum(s.bytes for s in sent),
        "round_trip_ms": elapsed,
        "server_ms": sum(s.server_ms for s in sent),
    }


def run(ctx: Context) -> list[Result]:
    our_base, our_wire = ours.served(ctx)
    our_client = ours.http_session(our_base)
    ours_body = payload(
        recolour_key(our_client, our_base),
        "map-figure",
        "data",
        [{"id": "map-shade", "property": "value", "value": "area"}],
        [{"id": "map-focus", "property": "data", "value": COUNTY}],
    )
    base_body = payload(
        "graph.figure",
        "graph",
        "figure",
        [{"id": "shade", "property": "value", "value": "area"}],
        [],
    )
    with (
        serve(baselines.recolour_app(COUNTY, compress=False).server) as (plain_url, plain_wire),
        serve(baselines.recolour_app(COUNTY, compress=True).server) as (packed_url, packed_wire),
    ):
        plain, packed = requests.Session(), requests.Session()
        samples = alternate(
            {
                "ours": lambda: call(our_client, our_base, ours_body, our_wire, "__dash_patch"),
                "baseline": lambda: call(plain, plain_url, base_body, plain_wire, "coordinates"),
                "baseline+gzip": lambda: call(
                    packed, packed_url, base_body, packed_wire, "coordinates"
                ),
            },
            ctx.repetitions * 4,  # one request each: cheap, so more of them
            ctx.warmup,
        )
    o, b, g = samples["ours"], samples["baseline"], samples["baseline+gzip"]
    towns = len(baselines.children_of(COUNTY))
    http = "n/a (HTTP, no browser)"
    return [
        compare(
            ID,
            "recolour response bytes",
            "B",
            o["bytes"],
            b["bytes"],
            "<= 0.05",
            ctx,
            notes=f"{towns} towns of 仙游县, shade -> area; one /_dash-update-component "
            "response: status line, headers and body as sent (counted at the server). Ours is a "
            "Patch of z/zmin/zmax/colorscale/colorbar; the baseline (Dash default, no "
            "compression) returns the whole figure with the GeoJSON inline.",
            renderer=http,
        ),
        compare(
            ID,
            "recolour response bytes vs gzip baseline",
            "B",
            o["bytes"],
            g["bytes"],
            "<= 0.05",
            ctx,
            notes="the same baseline with compress=True, both sent Accept-Encoding: gzip",
            renderer=http,
        ),
        compare(
            ID,
            "recolour round trip",
            "ms",
            o["round_trip_ms"],
            b["round_trip_ms"],
            "report",
            ctx,
            notes="HTTP POST to the last byte read, loopback, kept-alive connection (no "
            f"browser). Server time medians: ours {median(o['server_ms']):.1f} ms (login session, "
            f"scope check, children query, Patch), baseline {median(b['server_ms']):.1f} ms, "
            f"baseline+gzip {median(g['server_ms']):.1f} ms (px figure + JSON + compression).",
            renderer=http,
        ),
    ]
