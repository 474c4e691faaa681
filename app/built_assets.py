"""Serve a file built at install time (tools/plotly-bundle/dist): gzip when accepted, an ETag
of its content, cached for an hour then revalidated."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from flask import Flask, Response, request

from app.encodings import accepts_gzip, etag_for


def serve(server: Flask, rule: str, endpoint: str, path: Path) -> bool:
    """Route `rule` to the file's content, read once; False (and no route) when not built."""
    if not path.is_file():
        return False
    body = path.read_bytes()
    packed = gzip.compress(body, compresslevel=9, mtime=0)
    etag = hashlib.sha256(body).hexdigest()[:20]

    def built_file() -> Response:
        gzip_ok = accepts_gzip()
        tag = etag_for(etag, gzip_ok)
        if request.if_none_match.contains(tag):
            response = Response(status=304)
        elif gzip_ok:
            response = Response(packed, mimetype="application/javascript")
            response.headers["Content-Encoding"] = "gzip"
        else:
            response = Response(body, mimetype="application/javascript")
        response.set_etag(tag)
        response.headers["Vary"] = "Accept-Encoding"
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    server.add_url_rule(rule, endpoint, built_file)
    return True
