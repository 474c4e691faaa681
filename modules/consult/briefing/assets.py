"""Leaflet, inlined: the offline map carries leaflet.js and leaflet.css in its own page.

The files come from the XStatic-Leaflet package (a dependency), never from a CDN or from this
repository. The stylesheet's images become data: URIs and the source-map comment goes, so
the page asks nothing of any server, even with the developer tools open."""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

from xstatic.pkg import leaflet

LEAFLET_DIR = Path(leaflet.BASE_DIR)
LEAFLET_VERSION = leaflet.VERSION
SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)
CSS_URL = re.compile(r"url\((['\"]?)(images/[\w.-]+\.png)\1\)")


def _data_uri(name: str) -> str:
    data = (LEAFLET_DIR / name).read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


@functools.cache
def leaflet_js() -> str:
    """leaflet.js, safe to put inside a <script> element."""
    script = SOURCE_MAP.sub("", (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8"))
    if "</script" in script.lower():  # would end the element early; Leaflet has none
        raise ValueError("leaflet.js contains </script>: cannot inline it")
    return script


@functools.cache
def leaflet_css() -> str:
    """leaflet.css with its images inlined."""
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")
    css = CSS_URL.sub(lambda m: f'url("{_data_uri(m.group(2))}")', css)
    if "</style" in css.lower():
        raise ValueError("leaflet.css contains </style>: cannot inline it")
    return css
