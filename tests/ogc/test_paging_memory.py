"""Paging through 100,000 villages never holds them all: each page is one keyed query of
`limit` rows, so the memory a whole walk needs is a page's, not the collection's."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator

import numpy as np
import pytest
import shapely
from sqlalchemy import insert

from store.models import Division
from tests.app_fixtures import app_on_engine
from tests.ogc.conftest import make_token
from tests.ogc.helpers import link, local

N = 100_000
PREFIX = "35039"  # + 7 digits: synthetic villages inside the city (350300)
MB = 1024 * 1024


def load_villages(app) -> None:
    """N small squares on a grid around Putian, as villages of the city."""
    side = int(np.ceil(np.sqrt(N)))
    index = np.arange(N)
    x = 118.5 + (index % side) * 0.004
    y = 25.0 + (index // side) * 0.004
    geoms = shapely.box(x, y, x + 0.003, y + 0.003)
    rows = [
        {
            "code": f"{PREFIX}{i:07d}",
            "name": f"合成村{i}",
            "level": "village",
            "parent_code": f"{PREFIX}0000000",
            "geom": geoms[i],
            "area_km2": 0.1,
            "label_lon": float(x[i]),
            "label_lat": float(y[i]),
            "min_lon": float(x[i]),
            "min_lat": float(y[i]),
            "max_lon": float(x[i]) + 0.003,
            "max_lat": float(y[i]) + 0.003,
            "geometry_source": "generated",
        }
        for i in range(N)
    ]
    sessions = app.server.extensions["onemap"].sessions
    with sessions() as session, session.begin():
        for start in range(0, N, 10_000):
            session.execute(insert(Division), rows[start : start + 10_000])


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def big_app(request) -> Iterator:
    with app_on_engine(request, "ogcbig", prepare=load_villages) as app:
        yield app


def test_paging_100000_villages_holds_one_page_at_a_time(big_app):
    client = big_app.server.test_client()
    headers = {"Authorization": f"Bearer {make_token(big_app, 'city.leader')}"}
    url = "/ogc/collections/village/items?limit=1000"
    seen = 0
    served_bytes = 0
    pages = 0
    last = ""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        while url:
            response = client.get(url, headers=headers)
            assert response.status_code == 200
            page = response.get_json()
            served_bytes += len(response.data)
            codes = [f["id"] for f in page["features"]]
            assert codes == sorted(codes) and (not codes or codes[0] > last)
            last = codes[-1] if codes else last
            seen += len(codes)
            pages += 1
            following = link(page, "next")
            url = local(following) if following else None
            del response, page, codes
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == N + 979  # the synthetic villages and the shipped ones
    assert pages == -(-seen // 1000)
    # The walk served far more than it ever held: a page's worth, never the collection.
    held = peak - before
    print(f"served {served_bytes / MB:.1f} MB in {pages} pages; peak held {held / MB:.1f} MB")
    assert served_bytes > 30 * MB
    assert held < 12 * MB and held < served_bytes / 4
