"""Real clients against a live server: OWSLib (`owslib.ogcapi.features`) and GDAL's OAPIF
driver (`ogrinfo`, `ogr2ogr`), each with a 西天尾镇 staff token, read only 西天尾镇's
features; GDAL's GeoPackage holds the same villages and geometries as the database."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pyogrio.raw
import pytest
import shapely
from owslib.ogcapi.features import Features
from sqlalchemy import select

from store.engine import get_engine, make_session
from store.models import Division
from tests.app_fixtures import database_for
from tests.app_server import serving
from tests.ogc.conftest import XTW_PREFIX, make_token
from tests.support import require_or_skip

LOGIN = "xitianwei.staff"
CITY = [118.4, 24.9, 119.7, 25.9]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def live(request) -> Iterator[tuple[str, str, str]]:
    """(base URL of a running app, a 西天尾镇 staff token, the database URL)."""
    made = {}
    with database_for(request, "ogclive", None, request.param) as url:
        with serving(url, on_app=lambda app: made.update(token=make_token(app, LOGIN))) as base:
            yield base, made["token"], url


def stored_villages(url: str) -> dict[str, shapely.Geometry]:
    with make_session(get_engine(url))() as session:
        rows = session.execute(
            select(Division.code, Division.geom).where(
                Division.level == "village", Division.code.startswith(XTW_PREFIX)
            )
        ).all()
    return dict(rows)


def next_cursor(page: dict) -> str | None:
    for link in page["links"]:
        if link["rel"] == "next":
            return parse_qs(urlsplit(link["href"]).query)["cursor"][0]
    return None


def test_owslib_lists_collections_and_pages_items_with_a_bbox(live):
    base, token, url = live
    api = Features(f"{base}/ogc/", headers={"Authorization": f"Bearer {token}"})
    assert {"city", "county", "town", "village", "flood.key_points"} <= set(
        api.feature_collections()
    )
    assert api.collection("village")["storageCrs"].endswith("CRS84")
    codes, pages = [], 0
    page = api.collection_items("village", limit=4, bbox=CITY)
    while True:
        pages += 1
        codes += [feature["id"] for feature in page["features"]]
        cursor = next_cursor(page)
        if cursor is None:
            break
        page = api.collection_items("village", limit=4, bbox=CITY, cursor=cursor)
    stored = stored_villages(url)
    assert sorted(codes) == sorted(stored) and pages == 5  # 17 villages, 4 a page
    # A bbox of 秀屿区: nothing of another district reaches this token.
    assert api.collection_items("village", bbox=[119.10, 25.20, 119.20, 25.30])["features"] == []
    one = api.collection_item("village", codes[0])
    assert shapely.geometry.shape(one["geometry"]).equals(stored[codes[0]])


def gdal(*args: str) -> str:
    if shutil.which(args[0]) is None:
        require_or_skip(f"{args[0]} not installed (Debian gdal-bin)")
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_gdal_reads_the_village_collection_into_a_geopackage(live, tmp_path):
    base, token, url = live
    header = ["--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {token}"]
    listing = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{base}/ogc/", *header)
    assert "village" in listing and "flood.key_points" in listing
    target = tmp_path / "villages.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{base}/ogc/", "village", *header)
    _meta, _fids, wkb, fields = pyogrio.raw.read(target, read_geometry=True)[:4]
    names = list(pyogrio.read_info(target)["fields"])
    codes = list(fields[names.index("code")])
    stored = stored_villages(url)
    assert sorted(codes) == sorted(stored)
    for code, geometry in zip(codes, shapely.from_wkb(wkb), strict=True):
        assert geometry.equals(stored[code]), code
    # Without the token GDAL gets nothing.
    refused = subprocess.run(
        ["ogrinfo", "-ro", "-q", f"OAPIF:{base}/ogc/"], capture_output=True, text=True
    )
    assert refused.returncode != 0
