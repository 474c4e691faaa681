"""During the demo storm: a coordinator publishes 1521 杜鹃 replayed at its landfall (the
typhoon module's own publish, as the 台风会商 page does), and the file of a village inside a
wind circle, and of its town, shows the people exposed — 常住人口, 60岁以上老人 and 独居老人 as
the table holds them this month — picked on the map as the browser asks for it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from modules.ledger import periods
from modules.ledger.models import LedgerValue
from modules.ledger.values import carried
from tests.accounts_fixture import csrf_header
from tests.app_fixtures import app_on_engine, client_factory
from tests.dash_client import call_callback, response_json
from tests.modules.consult.conftest import seed

LANDFALL = "2015-09-29T00:50:00Z"  # 1521 杜鹃 at landfall in 秀屿区
BEIJING = timezone(timedelta(hours=8))
PROFILE = {"module": "ledger", "role": "profile"}
PROFILE_SHOWN = {"module": "ledger", "role": "profile-shown"}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def storm_app(request) -> Iterator:
    """Every module's demo data, and 1521 杜鹃 published as a drill at its landfall."""
    with app_on_engine(request, "profile-storm", prepare=seed) as app:
        coordinator = client_factory(app)("city.coordinator")
        answer = coordinator.post(
            f"/api/v1/typhoon/storms/1521/publish?replay_at={LANDFALL}",
            headers=csrf_header(coordinator),
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
        yield app


def file_of(client, unit: str) -> str:
    response = call_callback(
        client,
        [(PROFILE, "children")],
        inputs=[("map-selected", "data", unit)],
        state=[(PROFILE_SHOWN, "data", "")],
    )
    return json.dumps(response_json(response)["response"], ensure_ascii=False)


def exposed_now(app) -> dict[str, int]:
    """Village → its highest level among the published entries in force now."""
    context = app.server.extensions["onemap"]
    now = datetime.now(UTC)
    found: dict[str, int] = {}
    with context.sessions() as session:
        for signal in context.core.signals(session, "exposure"):
            for entry in signal.payload.get("units") or []:
                until = datetime.fromisoformat(entry["until"])
                if entry["code"][9:] != "000" and until >= now:
                    found[entry["code"]] = max(found.get(entry["code"], 0), entry["level"])
    return found


def test_the_files_show_the_people_exposed_to_the_demo_storm(storm_app):
    exposed = exposed_now(storm_app)
    assert exposed, "the drill lists villages inside a wind circle now"
    village = max(exposed, key=lambda code: (exposed[code], code))
    town = village[:9] + "000"
    in_town = sorted(code for code in exposed if code.startswith(village[:9]))
    month = periods.of_date(datetime.now(BEIJING).date())
    context = storm_app.server.extensions["onemap"]
    with context.sessions() as session:
        held = carried(
            session, ["RK002", "RK008", "MZ001"], month, LedgerValue.unit_code.in_(in_town)
        )

    def total(tag, codes):
        return f"{int(sum(held[(c, tag)].number for c in codes)):,} 人"

    coordinator = client_factory(storm_app)("city.coordinator")
    shown = file_of(coordinator, village)
    assert "1521 杜鹃（演练） 影响" in shown and f"{exposed[village]}级风圈" in shown
    assert "影响范围内 1 个村（社区）" in shown
    for tag, name in (("RK002", "常住人口"), ("RK008", "60岁以上老人"), ("MZ001", "独居老人")):
        assert f"{name} {total(tag, [village])}" in shown
    town_file = file_of(coordinator, town)
    assert f"影响范围内 {len(in_town)} 个村（社区）" in town_file
    assert f"常住人口 {total('RK002', in_town)}" in town_file and "演示" in town_file


def test_staff_of_another_county_see_none_of_it(storm_app):
    exposed = exposed_now(storm_app)
    village = max(exposed, key=lambda code: (exposed[code], code))
    outsider = "xiuyu.staff" if not village.startswith("350305") else "xitianwei.staff"
    response = call_callback(
        client_factory(storm_app)(outsider),
        [(PROFILE, "children")],
        inputs=[("map-selected", "data", village)],
        state=[(PROFILE_SHOWN, "data", "")],
    )
    assert response.status_code == 204
