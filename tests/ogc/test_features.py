"""OGC API – Features under /ogc/: the landing page, conformance, the collections of the four
levels, items with paging, bbox and property filters, single features, queryables, and the
HTML a person sees, all inside the reader's jurisdiction."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from store.models import AuditEntry, Division
from tests.ogc.conftest import XTW_PREFIX
from tests.ogc.helpers import all_pages, body, link, local

VILLAGE = "350304100001"  # 东星社区, in 西天尾镇
XIUYU_VILLAGE = "350305101001"  # in 秀屿区
XTW_VILLAGES = 17


def test_landing_page_points_to_the_openapi_document_conformance_and_collections(bearer):
    client, headers = bearer("xitianwei.staff")
    landing = body(client.get("/ogc/", headers=headers))
    assert link(landing, "service-desc").endswith("/api/openapi.json")
    conformance = body(client.get(local(link(landing, "conformance")), headers=headers))
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance["conformsTo"]
    )
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conformance["conformsTo"]
    listed = body(client.get(local(link(landing, "data")), headers=headers))
    ids = [c["id"] for c in listed["collections"]]
    assert ids[:4] == ["city", "county", "town", "village"]
    village = next(c for c in listed["collections"] if c["id"] == "village")
    # The extent is the reader's town, not the city.
    min_lon, min_lat, max_lon, max_lat = village["extent"]["spatial"]["bbox"][0]
    assert max_lon - min_lon < 0.2 and max_lat - min_lat < 0.2


def test_a_town_staff_token_pages_through_its_own_villages_only(bearer, ogc_app):
    client, headers = bearer("xitianwei.staff")
    features, pages = all_pages(client, "/ogc/collections/village/items?limit=5", headers)
    codes = [f["id"] for f in features]
    assert len(codes) == XTW_VILLAGES and len(set(codes)) == XTW_VILLAGES
    assert pages == 4  # 5 + 5 + 5 + 2
    assert all(code.startswith(XTW_PREFIX) for code in codes)
    with ogc_app.server.extensions["onemap"].sessions() as session:
        stored = session.scalars(
            select(Division.code).where(
                Division.level == "village", Division.code.startswith(XTW_PREFIX)
            )
        ).all()
    assert sorted(codes) == sorted(stored)
    # The city's leader pages through every village of the city.
    leader, lead_headers = bearer("city.leader")
    everything, _ = all_pages(leader, "/ogc/collections/village/items?limit=400", lead_headers)
    assert len(everything) == 979


def test_a_unit_outside_the_scope_is_403_and_an_unknown_one_404(bearer):
    client, headers = bearer("xitianwei.staff")
    inside = body(client.get(f"/ogc/collections/village/items/{VILLAGE}", headers=headers))
    assert inside["id"] == VILLAGE and inside["properties"]["name"]
    assert inside["geometry"]["type"] == "MultiPolygon"
    outside = client.get(f"/ogc/collections/village/items/{XIUYU_VILLAGE}", headers=headers)
    assert outside.status_code == 403
    answer = outside.get_json()
    assert answer["status"] == 403 and "辖区" in answer["message"] and answer["error_zh"]
    assert (
        client.get("/ogc/collections/village/items/350304100999", headers=headers).status_code
        == 404
    )
    assert (
        client.get("/ogc/collections/village/items/not-a-code", headers=headers).status_code == 404
    )
    assert client.get("/ogc/collections/nothing", headers=headers).status_code == 404
    assert client.get("/ogc/collections/nothing/items", headers=headers).status_code == 404
    leader, lead_headers = bearer("city.leader")
    assert (
        leader.get(
            f"/ogc/collections/village/items/{XIUYU_VILLAGE}", headers=lead_headers
        ).status_code
        == 200
    )


def test_no_credentials_is_401_for_a_client_and_the_login_page_for_a_browser(ogc_app):
    anonymous = ogc_app.server.test_client()
    for path in ("/ogc/", "/ogc/collections", "/ogc/collections/village/items"):
        response = anonymous.get(path)
        assert response.status_code == 401, path
        assert response.get_json()["status"] == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = anonymous.get("/ogc/collections", headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401
    browser = anonymous.get("/ogc/collections", headers={"Accept": "text/html"})
    assert browser.status_code == 302 and "/login" in browser.headers["Location"]


def test_the_login_session_reads_as_the_token_does(client_as):
    client = client_as("xitianwei.staff")
    features, _ = all_pages(client, "/ogc/collections/village/items?limit=100", {})
    assert len(features) == XTW_VILLAGES


def test_bbox_keeps_the_features_it_meets_inside_the_scope(bearer):
    client, headers = bearer("xitianwei.staff")
    one = body(client.get(f"/ogc/collections/village/items/{VILLAGE}", headers=headers))
    ring = one["geometry"]["coordinates"][0][0]
    lon = sum(p[0] for p in ring) / len(ring)
    lat = sum(p[1] for p in ring) / len(ring)
    small = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
    found, _ = all_pages(client, f"/ogc/collections/village/items?bbox={small}", headers)
    assert VILLAGE in [f["id"] for f in found] and len(found) < 4
    # The whole city as a bbox: still only the reader's villages.
    city = "118.4,24.9,119.7,25.9"
    found, _ = all_pages(client, f"/ogc/collections/village/items?bbox={city}&limit=50", headers)
    assert len(found) == XTW_VILLAGES
    # 秀屿区's area: nothing for 西天尾镇's staff, villages for the city's leader.
    xiuyu = "119.10,25.20,119.20,25.30"
    found, _ = all_pages(client, f"/ogc/collections/village/items?bbox={xiuyu}", headers)
    assert found == []
    leader, lead_headers = bearer("city.leader")
    found, _ = all_pages(leader, f"/ogc/collections/village/items?bbox={xiuyu}", lead_headers)
    assert found and all(not f["id"].startswith(XTW_PREFIX) for f in found)


def test_property_filters_and_queryables(bearer):
    client, headers = bearer("xitianwei.staff")
    queryables = body(client.get("/ogc/collections/village/queryables", headers=headers))
    assert {"code", "name", "parent_code"} <= set(queryables["properties"])
    one = body(client.get(f"/ogc/collections/village/items/{VILLAGE}", headers=headers))
    name = one["properties"]["name"]
    found = body(
        client.get("/ogc/collections/village/items", query_string={"name": name}, headers=headers)
    )
    assert [f["id"] for f in found["features"]] == [VILLAGE]
    towns = body(
        client.get(
            "/ogc/collections/village/items?parent_code=350304100000&limit=100", headers=headers
        )
    )
    assert len(towns["features"]) == XTW_VILLAGES
    # A filter naming a unit outside the scope finds nothing there.
    other = body(
        client.get("/ogc/collections/village/items?parent_code=350305101000", headers=headers)
    )
    assert other["features"] == []


def test_bad_parameters_are_400_with_a_reason_in_chinese(bearer):
    client, headers = bearer("xitianwei.staff")
    for query, word in (
        ("bbox=1,2,3", "bbox"),
        ("bbox=3,2,1,4", "bbox"),
        ("limit=zero", "limit"),
        ("limit=0", "limit"),
        ("colour=red", "colour"),
        ("crs=EPSG:9999", "坐标系"),
        ("bbox-crs=EPSG:2000", "坐标系"),
        ("cursor=xyz", "cursor"),
        ("f=xml", "f"),
    ):
        response = client.get(f"/ogc/collections/village/items?{query}", headers=headers)
        assert response.status_code == 400, query
        answer = response.get_json()
        assert answer["status"] == 400 and word in answer["message"], (query, answer)
        assert re.search(r"[\u4e00-\u9fff]", answer["error_zh"])


def test_reads_are_audited_with_the_reader(bearer, ogc_app):
    client, headers = bearer("xitianwei.staff")
    client.get("/ogc/collections/village/items?limit=3", headers=headers)
    client.get(f"/ogc/collections/village/items/{XIUYU_VILLAGE}", headers=headers)
    with ogc_app.server.extensions["onemap"].sessions() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.target, AuditEntry.outcome)
            .where(AuditEntry.login == "xitianwei.staff", AuditEntry.target.like("/ogc/%"))
            .order_by(AuditEntry.id.desc())
            .limit(2)
        ).all()
    assert rows[0] == ("access.denied", f"/ogc/collections/village/items/{XIUYU_VILLAGE}", "403")
    assert rows[1] == ("api.read", "/ogc/collections/village/items?limit=3", "200")


def test_every_route_has_a_plain_html_view_with_nothing_from_outside(bearer):
    client, headers = bearer("xitianwei.staff")
    paths = [
        "/ogc/",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/village",
        "/ogc/collections/village/queryables",
        "/ogc/collections/village/items?limit=3",
        f"/ogc/collections/village/items/{VILLAGE}",
    ]
    for path in paths:
        for how in ({"Accept": "text/html,*/*;q=0.8"}, None):
            url = path if how else path + ("&" if "?" in path else "?") + "f=html"
            response = client.get(url, headers={**headers, **(how or {})})
            assert response.status_code == 200 and response.mimetype == "text/html", url
            page = response.get_data(as_text=True)
            assert 'lang="zh-CN"' in page and "<script" not in page
            assert not re.search(r'(src|href)="https?://(?!localhost)', page), url
    items = client.get("/ogc/collections/village/items?limit=3&f=html", headers=headers)
    page = items.get_data(as_text=True)
    assert "下一页" in page and VILLAGE in page and XIUYU_VILLAGE not in page


def test_an_admin_opens_a_level_to_anonymous_readers_outlines_only(ogc_app, bearer):
    admin, admin_headers = bearer("city.admin")
    staff, staff_headers = bearer("xitianwei.staff")
    anonymous = ogc_app.server.test_client()
    assert (
        staff.put(
            "/ogc/settings/public", json={"levels": ["county"]}, headers=staff_headers
        ).status_code
        == 403
    )
    refused = admin.put(
        "/ogc/settings/public", json={"levels": ["flood.key_points"]}, headers=admin_headers
    )
    assert refused.status_code == 400 and "只有四级界线" in refused.get_json()["message"]
    assert anonymous.get("/ogc/collections/county/items").status_code == 401
    done = admin.put("/ogc/settings/public", json={"levels": ["county"]}, headers=admin_headers)
    try:
        assert done.get_json() == {"levels": ["county"]}
        listed = body(anonymous.get("/ogc/collections"))
        assert [c["id"] for c in listed["collections"]] == ["county"]
        counties = body(anonymous.get("/ogc/collections/county/items"))
        assert len(counties["features"]) == 5
        assert anonymous.get("/ogc/collections/village/items").status_code == 401
        assert anonymous.get("/ogc/collections/town").status_code == 401
    finally:
        admin.put("/ogc/settings/public", json={"levels": []}, headers=admin_headers)
    assert anonymous.get("/ogc/collections/county/items").status_code == 401
    with ogc_app.server.extensions["onemap"].sessions() as session:
        changes = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.target == "ogc.public_levels")
        ).all()
    assert json.loads(changes[-2]) == {"levels": ["county"]}
