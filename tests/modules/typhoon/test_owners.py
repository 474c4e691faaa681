"""Data that is no unit's belongs to the scope of who imported it (shipped storms to the
city): only a viewer whose scope covers that owner scope changes or replaces it; and a
publish of exposure from a county replaces only that county's part of what is in force."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app import accounts
from modules.flood.risk import exposure_causes
from modules.typhoon.publishing import storm_of
from modules.typhoon.storage import load
from tests.accounts_fixture import PASSWORD, csrf_header, viewer_of
from tests.modules.typhoon.doors import quick_snapshot, via_api, via_page
from tests.snapshot import changed

DATA = Path(__file__).resolve().parents[3] / "modules" / "typhoon" / "data"
MORE_USERS = {
    "xiuyu.admin": ("admin", ["350305"]),
    "xiuyu.coordinator": ("coordinator", ["350305"]),
}
XIUYU, XITIANWEI = "350305", "350304100"


@pytest.fixture(scope="module")
def users(typhoon_app):
    with typhoon_app.server.extensions["onemap"].sessions() as session, session.begin():
        for login, (role, scopes) in MORE_USERS.items():
            if accounts.get_user(session, login) is None:
                accounts.add_user(session, login, role, scopes, name=login, password=PASSWORD)


def best(storm: str, name: str, start_lat: float = 20.0) -> bytes:
    return (
        "storm,name_zh,kind,time,lat,lon,pressure_hpa,wind_ms\n"
        f"{storm},{name},best,2020-08-01T00:00:00Z,{start_lat},125,990,30\n"
        f"{storm},{name},best,2020-08-01T06:00:00Z,{start_lat + 1},124,985,33\n"
    ).encode()


def forecast(storm: str, issued: str, lat: float) -> bytes:
    return (
        "storm,kind,agency,issued_at,time,lat,lon\n"
        f"{storm},forecast,CMA,{issued},2020-08-02T00:00:00Z,{lat},122\n"
    ).encode()


def test_a_county_admin_cannot_replace_a_storm_everyone_sees(typhoon_app, client_as, users):
    county = client_as("licheng.admin")
    data = (DATA / "CH2024BST.txt").read_bytes()
    before = quick_snapshot(typhoon_app)
    for answer in (via_api(county, data, "cma", "2403"), via_page(county, data, "cma", "2403")):
        assert not answer.ok, answer
        assert "台风 2403 是全市共用的数据，荔城区无权修改或替换" in answer.text_zh
    assert via_api(county, data, "cma", "2403").status == 403
    assert "storm 2403 belongs to the whole city" in via_api(county, data, "cma", "2403").text
    assert changed(before, quick_snapshot(typhoon_app)) == []
    # The city's administrator may.
    assert via_api(client_as("city.admin"), data, "cma", "2403").ok


def test_a_storm_belongs_to_the_scope_that_imported_it(typhoon_app, client_as, sessions, users):
    licheng, xiuyu, city = (
        client_as(login) for login in ("licheng.admin", "xiuyu.admin", "city.admin")
    )
    assert via_api(licheng, best("9960", "荔城演练"), "csv").ok
    with sessions() as session:
        assert load(session, "9960")[0].owner_scope == "350304000000"
    before = quick_snapshot(typhoon_app)
    refused = via_api(xiuyu, best("9960", "秀屿改写", 21.0), "csv")
    assert refused.status == 403
    # Another county's name is not told: only that it is another jurisdiction's.
    assert "台风 9960 是其他辖区导入的数据，秀屿区无权修改或替换" in refused.text_zh
    assert "荔城" not in refused.text_zh and "350304" not in refused.text
    assert changed(before, quick_snapshot(typhoon_app)) == []
    replaced = via_api(city, best("9960", "市级更正", 21.0), "csv")
    assert replaced.ok and replaced.text_zh == "已导入：9960"
    with sessions() as session:
        storm, data = load(session, "9960")
    assert storm.name_zh == "市级更正" and data.fixes[0].lat == 21.0
    assert storm.owner_scope == "350304000000"  # the owner stays who imported it


def test_a_forecast_belongs_to_who_issued_it(typhoon_app, client_as, sessions, users):
    licheng, city = client_as("licheng.admin"), client_as("city.admin")
    assert via_api(licheng, best("9961", "预报归属"), "csv").ok
    issued = "2020-08-01T06:00:00Z"
    assert via_api(city, forecast("9961", issued, 23.0), "csv").ok
    before = quick_snapshot(typhoon_app)
    refused = via_api(licheng, forecast("9961", issued, 24.0), "csv")
    assert refused.status == 403
    assert "台风 9961 的 CMA 预报（2020-08-01 06:00 UTC 发布）是莆田市导入的数据" in refused.text_zh
    assert changed(before, quick_snapshot(typhoon_app)) == []
    later = via_api(licheng, forecast("9961", "2020-08-01T12:00:00Z", 24.0), "csv")
    assert later.ok  # a new forecast of its own storm
    with sessions() as session:
        _, data = load(session, "9961")
    assert sorted(f.points[0].lat for f in data.forecasts) == [23.0, 24.0]


# --- publishing exposure per scope -----------------------------------------------------------


# 1521 杜鹃 crossed the whole city; a drill from its first fix puts all its exposure ahead.
# (The same as the reported 1513; 1521's timelines are computed by other tests already.)
def publish(client, storm: str = "1521", replay_at: str = "2015-09-21T00:00:00Z"):
    response = client.post(
        f"/api/v1/typhoon/storms/{storm}/publish?replay_at={replay_at}",
        headers=csrf_header(client),
    )
    assert response.status_code == 200, response.data[:300]
    return response.json


def in_force(core, sessions, storm: str = "1521") -> list:
    with sessions() as session:
        return [s for s in core.signals(session, "exposure") if storm_of(s) == storm]


def raised(core, sessions, viewer_login: str) -> set[str]:
    """The key points of this viewer whose risk an exposure signal raises now."""
    with sessions() as session:
        mine = {site.id for site in core.sites(session, viewer_of(viewer_login))}
        by_site, _ = exposure_causes(core.signals(session, "exposure"), datetime.now(UTC))
    return mine & set(by_site)


def test_a_county_publish_replaces_only_that_countys_part(core, sessions, client_as, users):
    city, county = client_as("city.coordinator"), client_as("xiuyu.coordinator")
    publish(city)
    xitianwei = raised(core, sessions, "xitianwei.staff")
    xiuyu = raised(core, sessions, "xiuyu.staff")
    assert xitianwei and xiuyu
    answer = publish(county)
    assert answer["units"] and answer["sites"]
    # 西天尾镇 keeps the city's warning; 秀屿区 now has its own coordinator's.
    assert raised(core, sessions, "xitianwei.staff") == xitianwei
    assert raised(core, sessions, "xiuyu.staff") == xiuyu
    signals = {s.key: s for s in in_force(core, sessions)}
    assert set(signals) == {"storm:1521@350300000000", "storm:1521@350305000000"}
    city_part = signals["storm:1521@350300000000"].payload
    county_part = signals["storm:1521@350305000000"].payload
    assert not any(u["code"].startswith(XIUYU) for u in city_part["units"])
    assert not any(s["village_code"].startswith(XIUYU) for s in city_part["sites"])
    assert any(u["code"].startswith(XITIANWEI) for u in city_part["units"])
    assert county_part["units"] and all(u["code"].startswith(XIUYU) for u in county_part["units"])
    # The city publishing again covers the county: one signal, the whole city's.
    publish(city)
    (only,) = in_force(core, sessions)
    assert only.key == "storm:1521@350300000000"
    assert any(u["code"].startswith(XIUYU) for u in only.payload["units"])
    assert raised(core, sessions, "xitianwei.staff") == xitianwei


def test_a_storm_without_radii_has_nothing_to_publish(client_as):
    coordinator = client_as("city.coordinator")
    response = coordinator.post(
        "/api/v1/typhoon/storms/2403/publish", headers=csrf_header(coordinator)
    )
    assert response.status_code == 409 and "没有风圈资料" in response.json["error_zh"]


def test_a_publish_sent_twice_at_once_leaves_one_signal(core, sessions, typhoon_app, users):
    import threading

    from tests.app_fixtures import client_factory

    make = client_factory(typhoon_app)
    clients = [make("xiuyu.coordinator"), make("xiuyu.coordinator")]
    start = threading.Barrier(2)
    statuses: list = [None, None]

    def send(index: int) -> None:
        start.wait()
        statuses[index] = (
            clients[index]
            .post("/api/v1/typhoon/storms/1521/publish", headers=csrf_header(clients[index]))
            .status_code
        )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert statuses == [200, 200]
    assert [s.key for s in in_force(core, sessions, "1521")].count("storm:1521@350305000000") == 1


def test_the_models_and_the_migrations_agree(typhoon_app):
    from store.migrate import check, current_revision

    context = typhoon_app.server.extensions["onemap"]
    locations = [path for _, path in context.modules.call("register_migrations")]
    check(context.engine, locations)
    assert "typhoon_0004" in current_revision(context.engine).split()
