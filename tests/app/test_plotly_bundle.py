"""The page loads the map-only plotly.js bundle, gzip-compressed and revalidated by ETag."""

from __future__ import annotations

import gzip

from app import plotly_bundle
from tests.support import require_or_skip


def test_graphs_get_the_map_only_bundle(anonymous):
    if not plotly_bundle.BUNDLE.is_file():
        require_or_skip("map-only plotly.js bundle not built: `make install` builds it with npm")
    response = anonymous.get(plotly_bundle.DASH_PATH, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    script = gzip.decompress(response.data)
    assert b"map-onemap" in script[:200]  # ours, not plotly.min.js
    assert b"choroplethmap" in script[:300] and b"scattermap" in script[:300]
    assert len(response.data) < 1_000_000  # the full bundle is 1.47 MB gzip
    again = anonymous.get(
        plotly_bundle.DASH_PATH,
        headers={"If-None-Match": response.headers["ETag"], "Accept-Encoding": "gzip"},
    )
    assert again.status_code == 304 and not again.data


def test_without_a_built_bundle_dash_serves_the_full_one(tmp_path):
    from flask import Flask

    server = Flask("x")
    assert plotly_bundle.install(server, tmp_path / "missing.js") is False
    assert plotly_bundle.DASH_PATH not in {rule.rule for rule in server.url_map.iter_rules()}


def test_the_page_fetches_the_bundle_from_its_head(client):
    """The map waits on plotly.js: the head asks for it before Dash has rendered the graph
    that would otherwise ask, at the very path the graph asks for (so it is fetched once)."""
    if not plotly_bundle.BUNDLE.is_file():
        require_or_skip("map-only plotly.js bundle not built: `make install` builds it with npm")
    page = client.get("/").get_data(as_text=True)
    head = page.split("</head>")[0]
    assert f'<link rel="preload" href="{plotly_bundle.DASH_PATH}" as="script">' in head
