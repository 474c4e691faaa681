"""Pages load regenerator-runtime where Dash would load babel-polyfill."""

from __future__ import annotations

import gzip

from app import polyfill
from tests.support import require_or_skip


def _built() -> None:
    if not polyfill.RUNTIME.is_file():
        require_or_skip("regenerator-runtime not built: `make install` builds it with npm")


def test_pages_load_the_runtime_instead_of_babel_polyfill(client, anonymous):
    _built()
    page = client.get("/").get_data(as_text=True)
    scripts = page[page.index("<footer>") :]
    assert "polyfill@" not in scripts
    tags = [line.strip() for line in scripts.splitlines() if line.strip().startswith("<script src")]
    # First, before React and Dash's own scripts, which call regeneratorRuntime.
    assert tags[0] == f'<script src="{polyfill.ROUTE}"></script>', tags
    assert any("dash_renderer" in tag for tag in tags[1:])
    response = anonymous.get(polyfill.ROUTE, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    body = gzip.decompress(response.data)
    assert b"regenerator-runtime" in body[:100] and b"regeneratorRuntime" in body
    assert len(body) < 10_000  # babel-polyfill 7 is 99 KB


def test_without_a_built_runtime_the_page_keeps_dash_s_polyfill(tmp_path):
    import dash

    app = dash.Dash("x", include_assets_files=False)
    app.layout = dash.html.Div()
    assert polyfill.install(app, tmp_path / "missing.js") is False
    page = app.server.test_client().get("/").get_data(as_text=True)
    assert "polyfill@" in page and polyfill.ROUTE not in page
