"""Headers every answer carries: a Content-Security-Policy Dash works under, nosniff, a
referrer policy, HSTS behind TLS; and an ETag per encoding, so a cache never answers a 304
for gzip bytes it holds as identity ones (or the reverse)."""

from __future__ import annotations

import base64
import hashlib
import re

from app.factory import create_app
from app.security_headers import policy, tile_origin
from tests.app_fixtures import settings_for

LAYER = "/api/v1/layers/county.geojson"


def directives(response) -> dict[str, list[str]]:
    csp = response.headers["Content-Security-Policy"]
    parts = [part.split() for part in csp.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def test_every_kind_of_answer_carries_the_security_headers(client, anonymous):
    answers = {
        "map page": client.get("/"),
        "login page": anonymous.get("/login"),
        "api": client.get(LAYER),
        "api error": client.get("/api/v1/divisions/350305101"),
        "page 404": client.get("/no/such/page"),
        "asset": client.get("/assets/onemap.css"),
        "redirect": anonymous.get("/admin"),
    }
    for what, response in answers.items():
        assert response.headers["X-Content-Type-Options"] == "nosniff", what
        assert response.headers["Referrer-Policy"] == "same-origin", what
        assert response.headers["X-Frame-Options"] == "DENY", what
        csp = directives(response)
        assert csp["frame-ancestors"] == ["'none'"], what
        assert csp["object-src"] == ["'none'"], what
        assert "Strict-Transport-Security" not in response.headers, what  # plain HTTP


def test_the_policy_allows_only_this_server_and_dash_s_own_inline_scripts(client):
    page = client.get("/")
    csp = directives(page)
    scripts = csp["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert scripts[0] == "'self'" and all(s.startswith("'sha256-") for s in scripts[1:])
    every_source = " ".join(" ".join(v) for v in csp.values())
    assert "http" not in every_source and "*" not in every_source  # no other origin
    # Every inline script of the page is one the policy names by its hash.
    html = re.sub(r"<!--.*?-->", "", page.get_data(as_text=True), flags=re.S)  # IE-only
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html, re.S)
    executed = [body for attrs, body in inline if "application/json" not in attrs]
    assert executed, "Dash's renderer starts from an inline script"
    for body in executed:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in scripts, body[:80]


def test_a_basemap_server_is_the_one_other_origin_allowed():
    assert tile_origin("") is None and tile_origin("/tiles/{z}/{x}/{y}.png") is None
    origin = tile_origin("https://t{s}.tianditu.gov.cn/img_w/wmts?x={x}&y={y}&l={z}")
    assert origin == "https://*.tianditu.gov.cn"
    with_tiles = policy([], "https://tiles.example.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: blob: https://tiles.example.org" in with_tiles
    assert "connect-src 'self' blob: https://tiles.example.org" in with_tiles
    assert "script-src 'self';" in with_tiles


def test_hsts_is_sent_when_cookies_are_https_only(onemap_app):
    url = onemap_app.server.extensions["onemap"].settings.database_url
    secure = create_app(settings_for(url, cookie_secure=True))
    response = secure.server.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def _etags(client, url: str) -> dict[str, tuple[str | None, str]]:
    seen = {}
    for encoding in ("gzip", "identity"):
        response = client.get(url, headers={"Accept-Encoding": encoding})
        assert response.status_code == 200, (url, response.status_code)
        seen[encoding] = (
            response.headers.get("Content-Encoding"),
            response.headers.get("ETag", ""),
        )
    return seen


def test_gzip_and_identity_answers_carry_different_etags(client):
    page = client.get("/").get_data(as_text=True)
    urls = [LAYER, *re.findall(r'src="(/_dash-component-suites/[^"]+)"', page)]
    compressed = 0
    for url in urls:
        seen = _etags(client, url)
        (gzip_coding, gzip_tag), (plain_coding, plain_tag) = seen["gzip"], seen["identity"]
        if gzip_coding == plain_coding or not gzip_tag:
            continue
        compressed += 1
        assert gzip_tag != plain_tag or gzip_tag.startswith("W/"), (url, seen)
    assert compressed >= 2, "expected the layer and Dash's scripts to be sent gzipped"


def test_each_representation_revalidates_against_its_own_etag(client):
    gzip_answer = client.get(LAYER, headers={"Accept-Encoding": "gzip"})
    plain_answer = client.get(LAYER, headers={"Accept-Encoding": "identity"})
    assert gzip_answer.headers["Content-Encoding"] == "gzip"
    for answer, encoding, other in (
        (gzip_answer, "gzip", "identity"),
        (plain_answer, "identity", "gzip"),
    ):
        tag = answer.headers["ETag"]
        same = client.get(LAYER, headers={"Accept-Encoding": encoding, "If-None-Match": tag})
        assert same.status_code == 304 and same.headers["ETag"] == tag
        crossed = client.get(LAYER, headers={"Accept-Encoding": other, "If-None-Match": tag})
        assert crossed.status_code == 200  # the other bytes: never a 304 for them
