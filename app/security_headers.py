"""Security headers on every answer: a Content-Security-Policy Dash works under, and the rest.

Scripts come from this server only, plus the inline scripts Dash itself writes into the page
(its renderer's start and any clientside callback given as text), allowed by their hashes;
they are hashed again when Dash adds one (its page router adds one at the first request).
Styles may be inline: plotly.js and the dropdowns write <style> elements at run time.
MapLibre draws in a worker made from a blob: URL. No other origin is allowed, except the
basemap's tile server when `tiles_url` names one. HSTS only when cookies are HTTPS-only
(`cookie_secure`), i.e. the app is served over TLS.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import dash
from flask import Response

from app import basemap
from app.context import current

HSTS = "max-age=31536000; includeSubDomains"
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_TEMPLATE_LABEL = re.compile(r"^[^.]*\{[^}]*\}[^.]*\.")


def tile_origin(tiles_url: str) -> str | None:
    """The origin of a tile URL template, as a CSP source ('{s}.host' becomes '*.host')."""
    if not tiles_url:
        return None
    parts = urlsplit(tiles_url)
    if not parts.scheme or not parts.netloc:
        return None  # a path on this server
    host = _TEMPLATE_LABEL.sub("*.", parts.netloc)
    return f"{parts.scheme}://{host}"


def policy(script_hashes: list[str], tiles_url: str = "", origins: tuple[str, ...] = ()) -> str:
    """The Content-Security-Policy for these inline-script hashes and basemaps (`tiles_url`
    and the `origins` the configured online basemaps fetch tiles from)."""
    tiles = tile_origin(tiles_url)
    allowed = sorted({*([tiles] if tiles else []), *origins})
    extra = "".join(f" {origin}" for origin in allowed)
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", *script_hashes]),
        "style-src": "'self' 'unsafe-inline'",
        "img-src": f"'self' data: blob:{extra}",
        "font-src": "'self' data:",
        # blob: the outline layers the page decodes, handed to MapLibre's worker as blobs.
        "connect-src": f"'self' blob:{extra}",
        "worker-src": "'self' blob:",
        "child-src": "'self' blob:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def install(app: dash.Dash) -> None:
    """Add the headers to every response of the app's server, errors included."""
    cached: dict[tuple, str] = {}

    def add_headers(response: Response) -> Response:
        settings = current().settings
        hashes = app.csp_hashes()  # a few short strings: cheap, and never stale
        online = tuple(basemap.origins(settings))
        key = (tuple(hashes), settings.tiles_url, online)
        if key not in cached:
            cached.clear()
            cached[key] = policy(hashes, settings.tiles_url, online)
        response.headers["Content-Security-Policy"] = cached[key]
        for name, value in FIXED_HEADERS.items():
            response.headers.setdefault(name, value)
        if settings.cookie_secure:
            response.headers["Strict-Transport-Security"] = HSTS
        return response

    app.server.after_request(add_headers)
