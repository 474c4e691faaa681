"""Roll-ups: a town's, a county's and the city's figures come from the villages' kept
values by each tag's rule (sum, weighted mean, max), never typed twice, and only for units
the viewer's scope holds whole."""

from __future__ import annotations

import pytest

from modules.ledger.rollup import rollup
from modules.ledger.tags import all_tags
from tests.modules.ledger.helpers import XIUYU_VILLAGE, XTW, XTW_VILLAGES, put

LICHENG, CITY, XIUYU = "350304000000", "350300000000", "350305000000"
V1, V2, V3 = XTW_VILLAGES


@pytest.fixture
def filled(session, viewer):
    staff = viewer("xitianwei.staff")
    saved = put(
        session,
        staff,
        [
            (V1, "RK001", "2026-03", "1000"),  # carried into November
            (V2, "RK001", "2026-11", "2000"),
            (V3, "RK001", "2026-11", "500"),
            (V1, "RK006", "2026-11", "100"),
            (V2, "RK006", "2026-11", "300"),
            (V1, "WJ009", "2026-11", "90"),
            (V2, "WJ009", "2026-11", "98"),
            (V1, "SL011", "2026-11", "35.5"),
            (V2, "SL011", "2026-11", "80"),
            (V1, "MZ009", "2026-11", "是"),
        ],
    )
    assert not saved.refused, saved.refused
    saved = put(session, viewer("xiuyu.staff"), [(XIUYU_VILLAGE, "RK001", "2026-11", "700")])
    assert not saved.refused
    return all_tags(session)


def test_a_sum_rolls_up_to_the_town_county_and_city(session, viewer, filled):
    city = viewer("city.leader")
    tag = filled["RK001"]
    assert rollup(session, city, tag, 202611, "town", within=LICHENG)[XTW] == 3500
    assert rollup(session, city, tag, 202611, "county") == {LICHENG: 3500, XIUYU: 700}
    assert rollup(session, city, tag, 202611, "city") == {CITY: 4200}
    assert rollup(session, city, tag, 202610, "town")[XTW] == 1000  # only V1 held in October


def test_a_mean_is_weighted_by_its_tag_and_max_takes_the_largest(session, viewer, filled):
    city = viewer("city.leader")
    # 0-6岁儿童健康管理率 weighted by 0-17岁人口: (90×100 + 98×300) / 400 = 96.
    assert rollup(session, city, filled["WJ009"], 202611, "town")[XTW] == pytest.approx(96)
    assert rollup(session, city, filled["SL011"], 202611, "town")[XTW] == 80
    assert rollup(session, city, filled["MZ009"], 202611, "town") == {}  # 不汇总
    # A tag kept by towns has no roll-up to towns.
    assert rollup(session, city, filled["WJ010"], 202611, "town") == {}


def test_a_viewer_gets_roll_ups_only_of_units_inside_their_scope(session, viewer, filled):
    tag = filled["RK001"]
    assert rollup(session, viewer("xiuyu.staff"), tag, 202611, "town").get(XTW) is None
    assert rollup(session, viewer("xitianwei.staff"), tag, 202611, "county") == {}
    assert rollup(session, viewer("licheng.leader"), tag, 202611, "county") == {LICHENG: 3500}
    assert rollup(session, viewer("licheng.leader"), tag, 202611, "city") == {}


def test_a_weighted_mean_over_the_demo_equals_its_definition(demo_session, viewer):
    """Σ(value × weight) / Σ(weight) over each town's villages, from the values as read."""
    from modules.ledger.values import carried
    from tests.modules.ledger.test_demo import LAST

    tag = all_tags(demo_session)["WJ009"]  # 0-6岁儿童健康管理率, weighted by 0-17岁人口
    held = carried(demo_session, [tag.code, tag.weight_code], LAST)
    sums: dict[str, list[float]] = {}
    for (unit, code), found in held.items():
        if code != tag.code or found.number is None:
            continue
        weight = held.get((unit, tag.weight_code))
        if weight is not None and weight.number and weight.number > 0:
            total = sums.setdefault(unit[:9] + "000", [0.0, 0.0])
            total[0] += found.number * weight.number
            total[1] += weight.number
    expected = {town: product / weight for town, (product, weight) in sums.items()}
    found = rollup(demo_session, viewer("city.leader"), tag, LAST, "town")
    assert len(found) == 57 and found == pytest.approx(expected)
