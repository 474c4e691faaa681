"""The plain server-rendered page (login, password, errors): no script, the app's stylesheet."""

from __future__ import annotations

from html import escape

from flask import Response


def page(title: str, body: str, status: int = 200) -> Response:
    """A zh-CN page titled `title` around `body` (HTML the caller has escaped)."""
    html = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · 莆田市一张图</title><link rel="stylesheet" href="/assets/onemap.css">
</head><body class="auth-page"><main class="auth-box"><h1>莆田市 · 一张图</h1>{body}</main>
</body></html>"""
    return Response(html, status=status, mimetype="text/html")
