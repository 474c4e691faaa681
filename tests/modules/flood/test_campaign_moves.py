"""A campaign opened over points another open campaign holds: what moves is said first and
confirmed by its count, and inspections stay counted in the campaign they were made in.
Every form of the patrol pages says what to do when it refuses."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from modules.flood import patrol
from modules.flood.models import FloodCampaign
from tests.accounts_fixture import viewer_of
from tests.modules.flood.test_patrol import open_page, record, submit_campaign

COUNTY = "350304000000"  # 荔城区
TOWN = "350304100"  # 西天尾镇
CITY_CAMPAIGN = "2027年汛前巡查"
DUE = (date.today() + timedelta(days=30)).isoformat()


def campaigns(client, unit=None) -> dict:
    url = "/api/v1/flood/campaigns" + (f"?unit={unit}" if unit else "")
    return {c["name"]: c for c in client.get(url).json["campaigns"]}


def campaign_count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(FloodCampaign))


def text_of(body) -> str:
    return json.dumps(body, ensure_ascii=False)


def test_a_county_campaign_says_what_moves_and_the_city_keeps_its_done_count(client_as, sessions):
    coordinator = client_as("city.coordinator")
    city_before = campaigns(coordinator)[CITY_CAMPAIGN]
    town_before = campaigns(coordinator, TOWN)[CITY_CAMPAIGN]
    assert (town_before["done"], town_before["total"]) == (38, 46)

    preview = coordinator.get(f"/api/v1/flood/campaigns/moves?unit={COUNTY}").json
    [move] = preview["moves"]
    assert move["name"] == CITY_CAMPAIGN and move["points"] == preview["points"] > 46
    assert move["towns"] > 1 and 38 <= move["done"] < move["points"]

    before = campaign_count(sessions)
    asked = submit_campaign(coordinator, "荔城区汛期复查", COUNTY, DUE)["response"]
    assert asked["flood-campaign-confirm-box"]["hidden"] is False
    said = asked["flood-campaign-moves"]["children"]
    assert said == (
        f"{move['points']} 个重点部位（{move['towns']} 个镇街）将从「{CITY_CAMPAIGN}」转入"
        f"「荔城区汛期复查」，其中已巡查的 {move['done']} 个仍计入「{CITY_CAMPAIGN}」的进度。"
        "请确认后再发起。"
    )
    pending = asked["flood-campaign-pending"]["data"]
    assert pending["points"] == move["points"]
    assert campaign_count(sessions) == before  # nothing moved yet
    assert campaigns(coordinator)[CITY_CAMPAIGN] == city_before

    opened = submit_campaign(
        coordinator, "荔城区汛期复查", COUNTY, DUE, "flood-campaign-confirm", pending
    )
    assert "已发起巡查任务：荔城区汛期复查" in text_of(opened)
    assert opened["response"]["flood-campaign-confirm-box"]["hidden"] is True
    assert campaign_count(sessions) == before + 1

    city_after = campaigns(coordinator)[CITY_CAMPAIGN]
    assert city_after["done"] == city_before["done"]  # the inspections already made count
    # The county's unpatrolled points left the city campaign; its patrolled ones stay in it.
    assert city_after["total"] == city_before["total"] - (move["points"] - move["done"])
    assert city_after["moved_on"] == move["done"]
    town_after = campaigns(coordinator, TOWN)
    assert (town_after[CITY_CAMPAIGN]["done"], town_after[CITY_CAMPAIGN]["total"]) == (38, 38)
    assert (town_after["荔城区汛期复查"]["done"], town_after["荔城区汛期复查"]["total"]) == (0, 46)
    assert town_after["荔城区汛期复查"]["jurisdiction_code"] == COUNTY
    # The page lists both, the city campaign with the points it handed on.
    listed = text_of(opened["response"]["flood-campaign-list"])
    assert f"含已转入新任务的 {move['done']} 个" in listed and "荔城区汛期复查" in listed
    # Town staff see the county's campaign with the city's done count kept.
    staff = campaigns(client_as("xtw.staff"))
    assert (staff[CITY_CAMPAIGN]["done"], staff["荔城区汛期复查"]["total"]) == (38, 46)
    with sessions() as session:
        still = patrol.moves_into(session, viewer_of("city.coordinator"), COUNTY)
    assert [(m.campaign_name, m.done) for m in still] == [("荔城区汛期复查", 0)]


def test_a_changed_form_a_wrong_count_or_cancel_opens_nothing(client_as, sessions):
    coordinator = client_as("city.coordinator")
    before = campaign_count(sessions)
    asked = submit_campaign(coordinator, "西天尾镇复查", "350304100000", DUE)["response"]
    pending = asked["flood-campaign-pending"]["data"]
    assert pending["points"] == 46 and "46 个重点部位（1 个镇街）" in text_of(asked)
    # Confirmed for 西天尾镇, then the scope changed to the county: asked again.
    other = submit_campaign(
        coordinator, "西天尾镇复查", COUNTY, DUE, "flood-campaign-confirm", pending
    )["response"]
    assert other["flood-campaign-confirm-box"]["hidden"] is False
    assert other["flood-campaign-pending"]["data"]["points"] > 46
    forged = {**pending, "points": 3}
    wrong = submit_campaign(
        coordinator, "西天尾镇复查", "350304100000", DUE, "flood-campaign-confirm", forged
    )
    assert wrong["response"]["flood-campaign-confirm-box"]["hidden"] is False
    cancelled = submit_campaign(
        coordinator, "西天尾镇复查", "350304100000", DUE, "flood-campaign-cancel", pending
    )
    assert "已取消，未发起巡查任务" in text_of(cancelled)
    assert cancelled["response"]["flood-campaign-confirm-box"]["hidden"] is True
    assert campaign_count(sessions) == before
    with sessions() as session, pytest.raises(patrol.MoveUnconfirmed) as unconfirmed:
        patrol.open_campaign(
            session, viewer_of("city.coordinator"), name="x", unit=TOWN, due=DUE, confirm=45
        )
    assert unconfirmed.value.points == 46


def test_what_would_move_is_told_only_inside_the_scope(client_as, sessions):
    xiuyu = client_as("xiuyu.staff")
    assert xiuyu.get(f"/api/v1/flood/campaigns/moves?unit={TOWN}").status_code == 403
    assert xiuyu.get("/api/v1/flood/campaigns/moves?unit=350305199").status_code == 404
    whole = xiuyu.get("/api/v1/flood/campaigns/moves").json  # the whole scope: 秀屿区
    assert whole["points"] > 0 and whole["moves"][0]["name"] == CITY_CAMPAIGN
    with sessions() as session:
        assert whole["points"] == len(
            patrol.points_for(session, viewer_of("xiuyu.staff"), "350305")
        )
    # 西天尾镇's coordinator asks about the county above it: refused, no count told.
    town = client_as("xtw.coordinator")
    assert town.get(f"/api/v1/flood/campaigns/moves?unit={COUNTY}").status_code == 403
    before = campaign_count(sessions)
    forged = submit_campaign(town, "越权", COUNTY, DUE, "flood-campaign-confirm", {"points": 1})
    shown = text_of(forged)
    assert "所选单位不在您的辖区内" in shown and "个重点部位" not in shown
    assert forged["response"]["flood-campaign-confirm-box"]["hidden"] is True
    leader = submit_campaign(client_as("xtw.leader"), "x", TOWN, DUE)
    assert "没有发起巡查任务的权限" in text_of(leader)
    assert campaign_count(sessions) == before
    mine = client_as("xtw.coordinator").get(f"/api/v1/flood/campaigns/moves?unit={TOWN}").json
    assert mine["points"] == 46


def test_every_refusal_of_the_patrol_forms_says_what_to_do(client_as, sessions):
    coordinator = client_as("xtw.coordinator")
    before = campaign_count(sessions)
    assert "请选择截止日期" in text_of(submit_campaign(coordinator, "复查", TOWN, None))
    assert "请选择截止日期" in text_of(submit_campaign(coordinator, "复查", TOWN, ""))
    assert "请填写巡查任务名称" in text_of(submit_campaign(coordinator, "", TOWN, DUE))
    assert "请选择巡查范围" in text_of(submit_campaign(coordinator, "复查", None, DUE))
    assert campaign_count(sessions) == before
    staff = client_as("xtw.staff")
    assert "请选择重点部位" in record(staff, None)
    assert "请选择重点部位" in record(staff, "")
    assert "请从列表中选择" in record(staff, 99999999)
    assert "我的巡查" in open_page(staff, "/flood/patrol")
