"""A town's own figure beside its villages' sum: a town-level tag whose rule names a
village-level tag (镇街户籍人口 `= RK001`) is compared with the villages' roll-up on the towns'
sheet, in a read-only column beside it, both highlighted where they disagree; never refused
on entry. The catalogue accepts such a rule only from a town number to a village number
that rolls up."""

from __future__ import annotations

import pytest

from modules.ledger.catalogue import shipped
from modules.ledger.catalogue_admin import retire, save_tag
from modules.ledger.checks import Refused
from modules.ledger.grid import mismatch_field, villages_field
from modules.ledger.rollup import rollup
from modules.ledger.rules import comparisons, rules_of
from modules.ledger.sheet import build
from modules.ledger.tags import all_tags
from tests.modules.ledger.helpers import XTW, XTW_VILLAGES, put, statuses
from tests.modules.ledger.test_page import THIS, edit, leaves, render

V1, V2, V3 = XTW_VILLAGES
TOWN_TAG = "RK015"


def test_the_shipped_town_population_is_compared_with_its_villages_not_checked_on_entry():
    tags = {t.code: t for t in shipped()}
    assert {code: str(rule.right) for code, rule in comparisons(tags).items()} == {
        TOWN_TAG: "RK001"
    }
    checked = {r for found in rules_of(tags).values() for r in found}
    assert TOWN_TAG not in {r.left for r in checked} and len(checked) >= 30


def test_entry_never_refuses_a_town_figure_for_its_villages(session, viewer):
    staff = viewer("xitianwei.staff")
    assert statuses(put(session, staff, [(V1, "RK001", "2026-11", "1000")])) == ["accepted"]
    saved = put(session, staff, [(XTW, TOWN_TAG, "2026-11", "999")])
    assert statuses(saved) == ["accepted"]
    sheet = build(session, staff, 202611, "town")
    tag = all_tags(session)[TOWN_TAG]
    assert sheet.villages_figure(XTW, tag) == 1000 and sheet.mismatch(XTW, tag)
    put(session, staff, [(XTW, TOWN_TAG, "2026-11", "1000")])
    assert not build(session, staff, 202611, "town").mismatch(XTW, tag)


def test_a_rule_naming_a_retired_tag_is_no_longer_checked(session, viewer):
    assert retire(session, viewer("city.admin"), "RK002") == "retired"
    # 60岁以上老人's rule names 常住人口, now retired: the save answers instead of failing.
    saved = put(session, viewer("xitianwei.staff"), [(V1, "RK008", "2026-11", "300")])
    assert statuses(saved) == ["accepted"]


@pytest.mark.parametrize(
    ("code", "fields", "reason"),
    [
        ("RK016", {"level": "村", "rule": "= RK015"}, "跨层级的规则只能写在镇街标签上"),
        ("RK016", {"value_type": "文本", "rollup": "不汇总", "rule": "= RK001"}, "只能比较数字"),
        ("RK016", {"rule": "= RK099"}, "「不汇总的村数」不汇总，不能与镇街的数比较"),
        ("RK016", {"rule": "== RK001"}, "应写成 <=、>=、<、> 或 = 加另一个标签的编码"),
    ],
)
def test_a_comparison_is_only_from_a_town_number_to_a_village_number_that_rolls_up(
    session, viewer, code, fields, reason
):
    base = {
        "name": "镇街某数",
        "value_type": "整数",
        "domain": "人口",
        "level": "镇街",
        "period_type": "月报",
    }
    admin = viewer("city.admin")
    village = {**base, "name": "不汇总的村数", "level": "村", "rollup": "不汇总"}
    save_tag(session, admin, "RK099", village, create=True)
    with pytest.raises(Refused) as refused:
        save_tag(session, admin, code, {**base, **fields}, create=True)
    assert reason in refused.value.reason_zh


def test_the_towns_sheet_shows_the_villages_sum_beside_the_towns_own(ledger_app, client_as):
    client = client_as("xitianwei.staff")
    columns, rows, _ = render(client, level="town")
    population = next(c for c in columns if c.get("headerName") == "人口")["children"]
    fields = [c["field"] for c in population]
    at = fields.index(TOWN_TAG)
    assert fields[at + 1] == villages_field(TOWN_TAG)
    beside = population[at + 1]
    assert beside["headerName"] == "户籍人口·村汇总" and not beside["editable"]
    assert population[at]["editable"] and "= RK001" in beside["headerTooltip"]
    own_style = population[at]["cellStyle"]["styleConditions"][0]
    assert mismatch_field(TOWN_TAG) in own_style["condition"]
    assert beside["cellStyle"]["styleConditions"][0]["style"] == own_style["style"]
    _, villages, _ = render(client)
    town = rows[0]
    total = town[villages_field(TOWN_TAG)]
    assert total == {"figure": sum(r["RK001"] for r in villages), "mismatch": False}
    # The demo keeps the town's figure equal to its villages' sum.
    assert town[TOWN_TAG] == total["figure"] and town[mismatch_field(TOWN_TAG)] is False

    answer = edit(ledger_app, client, XTW, TOWN_TAG, town[TOWN_TAG] + 3, old=town[TOWN_TAG])
    assert "已保存" in str(answer)
    updated = answer["ledger-grid"]["rowTransaction"]["update"][0]
    assert updated[mismatch_field(TOWN_TAG)] is True
    assert updated[villages_field(TOWN_TAG)] == {"figure": total["figure"], "mismatch": True}
    _, again, _ = render(client, level="town")
    assert again[0][mismatch_field(TOWN_TAG)] is True
    edit(ledger_app, client, XTW, TOWN_TAG, town[TOWN_TAG], old=town[TOWN_TAG] + 3)
    _, back, _ = render(client, level="town")
    assert back[0][mismatch_field(TOWN_TAG)] is False


def test_the_villages_sheet_has_no_comparison_column(client_as):
    columns, rows, _ = render(client_as("xitianwei.staff"), month=THIS)
    assert villages_field(TOWN_TAG) not in {c.get("field") for c in leaves(columns)}
    assert all(villages_field(TOWN_TAG) not in row for row in rows)


def test_the_demo_town_population_is_its_villages_sum_every_month(demo_session, viewer):
    from tests.modules.ledger.test_demo import MONTHS

    city = viewer("city.leader")
    tags = all_tags(demo_session)
    for month in (MONTHS[0], MONTHS[5], MONTHS[-1]):
        sums = rollup(demo_session, city, tags["RK001"], month, "town")
        own = build(demo_session, city, month, "town", tag_codes=[TOWN_TAG]).values
        assert len(sums) == 57
        assert {unit: held.number for (unit, _), held in own.items()} == sums
