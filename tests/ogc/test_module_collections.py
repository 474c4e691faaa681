"""Every module's layers as collections through `register_collections`: the flood module's
key points and stations, the typhoon module's tracks, points, forecast points, wind circles
and published exposure, each paged, filtered and inside the reader's jurisdiction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import func, select

from modules.flood.models import FloodKeyPoint
from modules.typhoon.models import TyphoonPoint
from tests.app_fixtures import app_on_engine
from tests.ogc.conftest import XTW_PREFIX, make_token
from tests.ogc.helpers import all_pages, body

STORM = "1521"  # 彩虹 (Mujigae), shipped with wind radii


def seed(app) -> None:
    context = app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        context.modules.seed_demo(session)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def demo_app(request) -> Iterator:
    with app_on_engine(request, "ogcdemo", prepare=seed) as app:
        yield app


@pytest.fixture
def reader(demo_app):
    """reader(login) -> (client, headers with that user's token)."""
    return lambda login: (
        demo_app.server.test_client(),
        {"Authorization": f"Bearer {make_token(demo_app, login)}"},
    )


def stored_points(app, prefix: str = "") -> list[str]:
    with app.server.extensions["onemap"].sessions() as session:
        return sorted(
            str(i)
            for i in session.scalars(
                select(FloodKeyPoint.id).where(FloodKeyPoint.village_code.startswith(prefix))
            )
        )


def test_the_modules_collections_are_listed_beside_the_levels(reader):
    client, headers = reader("xitianwei.staff")
    listed = body(client.get("/ogc/collections", headers=headers))
    ids = [c["id"] for c in listed["collections"]]
    assert ids[:4] == ["city", "county", "town", "village"]
    assert {
        "flood.key_points",
        "flood.stations",
        "typhoon.tracks",
        "typhoon.points",
        "typhoon.forecast_points",
        "typhoon.wind_circles",
        "typhoon.exposure",
    } <= set(ids)
    points = next(c for c in listed["collections"] if c["id"] == "typhoon.points")
    assert "temporal" in points["extent"]


def test_key_points_page_inside_the_town_and_the_city(reader, demo_app):
    client, headers = reader("xitianwei.staff")
    found, pages = all_pages(client, "/ogc/collections/flood.key_points/items?limit=7", headers)
    mine = stored_points(demo_app, XTW_PREFIX)
    assert len(mine) > 7 and pages == -(-len(mine) // 7)
    assert sorted(f["id"] for f in found) == mine
    assert all(f["properties"]["village_code"].startswith(XTW_PREFIX) for f in found)
    assert all(f["geometry"]["type"] == "Point" for f in found)
    leader, lead_headers = reader("city.leader")
    everything, _ = all_pages(
        leader, "/ogc/collections/flood.key_points/items?limit=500", lead_headers
    )
    assert sorted(f["id"] for f in everything) == stored_points(demo_app)
    other = next(
        f for f in everything if not f["properties"]["village_code"].startswith(XTW_PREFIX)
    )
    one = f"/ogc/collections/flood.key_points/items/{other['id']}"
    assert client.get(one, headers=headers).status_code == 404
    assert leader.get(one, headers=lead_headers).status_code == 200
    red, _ = all_pages(client, "/ogc/collections/flood.key_points/items?risk_level=red", headers)
    assert red and all(f["properties"]["risk_level"] == "red" for f in red)
    assert len(red) < len(mine)


def test_stations_show_only_the_readers_and_no_device_token(reader):
    client, headers = reader("xitianwei.staff")
    leader, lead_headers = reader("city.leader")
    mine, _ = all_pages(client, "/ogc/collections/flood.stations/items", headers)
    every, _ = all_pages(leader, "/ogc/collections/flood.stations/items", lead_headers)
    assert every and len(mine) < len(every)
    assert all(f["properties"]["village_code"].startswith(XTW_PREFIX) for f in mine)
    assert all("token_hash" not in f["properties"] for f in every)


def test_typhoon_points_filter_by_storm_time_and_bbox(reader, demo_app):
    client, headers = reader("xitianwei.staff")
    url = f"/ogc/collections/typhoon.points/items?storm_id={STORM}&limit=20"
    found, pages = all_pages(client, url, headers)
    with demo_app.server.extensions["onemap"].sessions() as session:
        stored = session.scalar(
            select(func.count()).where(TyphoonPoint.storm_id == STORM, TyphoonPoint.kind == "best")
        )
    assert len(found) == stored and pages > 1
    times = sorted(f["properties"]["time"] for f in found)
    start, end = times[3], times[8]
    window, _ = all_pages(client, f"{url}&datetime={start}/{end}", headers)
    assert sorted(f["properties"]["time"] for f in window) == times[3:9]
    later, _ = all_pages(client, f"{url}&datetime={times[-2]}/..", headers)
    assert len(later) == 2
    box = "119,24,121,26"
    near, _ = all_pages(client, f"{url}&bbox={box}", headers)
    assert 0 < len(near) < len(found)
    assert all(119 <= f["geometry"]["coordinates"][0] <= 121 for f in near)


def test_tracks_forecasts_and_wind_circles(reader):
    client, headers = reader("xitianwei.staff")
    tracks, _ = all_pages(client, "/ogc/collections/typhoon.tracks/items", headers)
    assert STORM in [t["id"] for t in tracks]
    track = next(t for t in tracks if t["id"] == STORM)
    assert track["geometry"]["type"] == "LineString" and len(track["geometry"]["coordinates"]) > 10
    in_2015, _ = all_pages(
        client,
        "/ogc/collections/typhoon.tracks/items?datetime=2015-09-25T00:00:00Z/2015-09-26T00:00:00Z",
        headers,
    )
    assert [t["id"] for t in in_2015] == [STORM]  # 1513 was over by August
    url = f"/ogc/collections/typhoon.wind_circles/items?storm_id={STORM}&limit=5"
    circles, pages = all_pages(client, url, headers)
    ids = [c["id"] for c in circles]
    assert pages > 2 and len(ids) == len(set(ids))
    assert {c["properties"]["level"] for c in circles} >= {7, 10}
    assert all(c["geometry"]["type"] == "Polygon" for c in circles)
    sevens, _ = all_pages(client, f"{url}&level=7", headers)
    assert sevens and all(c["properties"]["level"] == 7 for c in sevens)
    one = body(client.get(f"/ogc/collections/typhoon.wind_circles/items/{ids[0]}", headers=headers))
    assert one["properties"] == circles[0]["properties"]
    forecasts, _ = all_pages(
        client, "/ogc/collections/typhoon.forecast_points/items?limit=100", headers
    )
    assert all(f["properties"]["agency"] and f["properties"]["issued_at"] for f in forecasts)


def test_published_exposure_holds_only_the_readers_units_and_sites(reader):
    coordinator, coord_headers = reader("city.coordinator")
    published = coordinator.post(
        f"/api/v1/typhoon/storms/{STORM}/publish?replay_at=2015-09-28T06:00:00Z",
        headers=coord_headers,
    )
    assert published.status_code == 200, published.get_data(as_text=True)
    client, headers = reader("xitianwei.staff")
    mine, _ = all_pages(client, "/ogc/collections/typhoon.exposure/items?limit=50", headers)
    every, _ = all_pages(
        coordinator, "/ogc/collections/typhoon.exposure/items?limit=500", coord_headers
    )
    assert mine and len(mine) < len(every)
    for feature in mine:
        properties = feature["properties"]
        assert (properties.get("unit") or properties["village_code"]).startswith(XTW_PREFIX)
        assert datetime.fromisoformat(properties["from"]) <= datetime.fromisoformat(
            properties["until"]
        )
    kinds = {f["properties"]["kind"] for f in every}
    assert {"village", "site"} <= kinds
    villages, _ = all_pages(
        client, "/ogc/collections/typhoon.exposure/items?kind=village&level=7", headers
    )
    assert villages and all(f["properties"]["kind"] == "village" for f in villages)
