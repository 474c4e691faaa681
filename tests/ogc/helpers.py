"""Reading /ogc/ answers in tests: JSON bodies, and every page of a collection by its
`next` links, as a GIS client does."""

from __future__ import annotations

import json
from urllib.parse import urlsplit


def body(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return json.loads(response.get_data(as_text=True))


def local(href: str) -> str:
    """A link the server wrote (absolute) as a path and query for the test client."""
    parts = urlsplit(href)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def link(document: dict, rel: str, kind: str | None = None) -> str | None:
    for found in document["links"]:
        if found["rel"] == rel and (kind is None or found.get("type") == kind):
            return found["href"]
    return None


def all_pages(client, url: str, headers: dict) -> tuple[list[dict], int]:
    """Every feature reached from `url` by following `next`, and the number of pages."""
    features, pages = [], 0
    while url:
        page = body(client.get(url, headers=headers))
        features += page["features"]
        assert page["numberReturned"] == len(page["features"])
        pages += 1
        following = link(page, "next")
        url = local(following) if following else None
    return features, pages
