"""The map's 着色 by any numeric tag or a named ratio of two: each unit's figure is what the
ledger holds (a village's kept value, a town's or county's roll-up), a ratio divides two
such figures, nothing comes back outside the viewer's scope, the choices stay grouped by
domain, and the legend names the unit of measure, the month and 演示."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from modules.ledger import periods
from modules.ledger.measures import RATIOS, measures_for, ratio_figures, tag_figures
from modules.ledger.models import LedgerValue
from modules.ledger.rollup import rollup
from modules.ledger.tags import all_tags
from modules.ledger.values import carried
from tests.dash_client import call_callback, response_json
from tests.modules.ledger.helpers import XIUYU_VILLAGE, XTW, XTW_VILLAGES, put

V1, V2, V3 = XTW_VILLAGES
LICHENG = "350304000000"
MONTH = periods.of_date(datetime.now(UTC).date())
THIS = periods.label(MONTH)


def by_id(session, viewer):
    return {m.id: m for m in measures_for(session, viewer, MONTH)}


def test_a_tag_shades_villages_by_what_was_saved_and_towns_by_their_roll_up(ledger_db, viewer):
    staff = viewer("xitianwei.staff")
    with ledger_db() as session:
        saved = put(session, staff, [(V1, "RK002", THIS, 1200), (V2, "RK002", THIS, 800)])
        assert {o.status for o in saved.outcomes} == {"accepted"}
        session.commit()
        tag = all_tags(session)["RK002"]
        assert tag_figures(session, staff, tag, MONTH, [V1, V2, V3]) == {V1: 1200, V2: 800}
        leader = viewer("licheng.leader")
        towns = tag_figures(session, leader, tag, MONTH, [XTW, "350304101000"])
        assert towns == {XTW: 2000}
        assert tag_figures(session, leader, tag, MONTH, [LICHENG]) == {LICHENG: 2000}
        # The measure the map calls gives the same figures.
        measure = by_id(session, leader)["ledger-tag-RK002"]
        assert measure.values(session, leader, [XTW]) == {XTW: 2000}


def test_a_ratio_divides_the_two_figures(ledger_db, viewer):
    staff = viewer("xitianwei.staff")
    items = [(V1, "RK002", THIS, 1000), (V1, "RK008", THIS, 200), (V1, "MZ001", THIS, 15)]
    items += [(V2, "RK002", THIS, 500), (V2, "RK008", THIS, 100), (V2, "MZ001", THIS, 5)]
    with ledger_db() as session:
        assert {o.status for o in put(session, staff, items).outcomes} == {"accepted"}
        session.commit()
        per_resident = next(r for r in RATIOS if (r.numerator, r.denominator) == ("MZ001", "RK002"))
        assert per_resident.measure == "‰"
        assert ratio_figures(session, staff, per_resident, MONTH, [V1, V2, V3]) == {
            V1: 15.0,
            V2: 10.0,
        }
        # The town: (15 + 5) / (1000 + 500) × 1000.
        assert ratio_figures(session, staff, per_resident, MONTH, [XTW]) == {XTW: 13.33}
        share = by_id(session, staff)["ledger-ratio-MZ001-RK008"]
        assert share.values(session, staff, [V1, V2]) == {V1: 7.5, V2: 5.0}


def test_nothing_comes_back_outside_the_scope(ledger_db, viewer):
    staff = viewer("xitianwei.staff")
    with ledger_db() as session:
        put(session, staff, [(V1, "RK002", THIS, 1200), (V1, "MZ001", THIS, 12)])
        session.commit()
        outsider = viewer("xiuyu.staff")
        measures = by_id(session, outsider)
        for measure_id in ("ledger-tag-RK002", "ledger-ratio-MZ001-RK002"):
            measure = measures[measure_id]
            assert measure.values(session, outsider, [V1, XTW, LICHENG]) == {}
        # A department reads nothing of the table by default: no shading by it either.
        assert measures_for(session, viewer("city.minzheng"), MONTH) == []


def test_the_choices_are_every_numeric_tag_grouped_by_domain_and_sensitive_ones_withheld(
    ledger_db, viewer
):
    with ledger_db() as session:
        tags = all_tags(session)
        numeric = [t for t in tags.values() if t.value_type in ("integer", "decimal", "percent")]
        leader = measures_for(session, viewer("licheng.leader"), MONTH)
        staff = {m.id for m in measures_for(session, viewer("xitianwei.staff"), MONTH)}
    titles = [m.title for m in leader]
    # The ratios first, then the tags in catalogue order: each domain's run is unbroken.
    assert titles[: len(RATIOS)] == [f"比率 · {r.title}" for r in RATIOS]
    domains = [t.split(" · ")[0] for t in titles[len(RATIOS) :]]
    runs = [d for i, d in enumerate(domains) if i == 0 or domains[i - 1] != d]
    assert len(runs) == len(set(runs)) > 10
    personal = {f"ledger-tag-{t.code}" for t in numeric if t.sensitivity == "personal"}
    assert personal and not personal & {m.id for m in leader} and personal <= staff
    assert len(staff) == len(RATIOS) + len(numeric)
    unit_of = {m.id: m.unit for m in leader}
    assert unit_of["ledger-tag-RK002"] == "人" and unit_of["ledger-tag-NY001"] == "亩"


def shade(client, focus: str, measure: str) -> dict:
    response = call_callback(
        client,
        [
            ("map-figure", "data"),
            ("breadcrumb", "children"),
            ("unit-profile", "children"),
            ("unit-children", "children"),
        ],
        inputs=[
            ("map-focus", "data", focus),
            ("map-selected", "data", focus),
            ("layer-toggles", "value", ["village"]),
        ],
        state=[("map-shade", "value", f"measure:{measure}")],
    )
    return response_json(response)["response"]["map-figure"]["data"]


def test_the_map_shades_by_a_tag_with_its_unit_month_and_演示_in_the_legend(ledger_app, client_as):
    figure = shade(client_as("licheng.leader"), XTW, "ledger-tag-RK002")
    label = periods.label_zh(MONTH)
    title = figure["data"][0]["colorbar"]["title"]["text"]
    assert title == f"人口 · 常住人口（人） · {label} · 演示"
    legend = figure["layout"]["meta"]["legend"][0]
    assert legend["title"].endswith(title) and legend["entries"][0]["label"] == title
    # The villages' colours are their 常住人口 as the ledger holds it.
    with ledger_app.server.extensions["onemap"].sessions() as session:
        held = carried(session, ["RK002"], MONTH, LedgerValue.unit_code.startswith("350304100"))
    shown = dict(zip(figure["data"][0]["locations"], figure["data"][0]["z"], strict=True))
    assert shown and all(shown[code] == held[(code, "RK002")].number for code in shown)


def test_the_map_shades_towns_by_a_ratio_of_their_roll_ups(ledger_app, client_as, viewer):
    figure = shade(client_as("licheng.leader"), LICHENG, "ledger-ratio-MZ001-RK002")
    title = figure["data"][0]["colorbar"]["title"]["text"]
    assert title.startswith("比率 · 独居老人 / 常住人口（‰） · ")
    shown = dict(zip(figure["data"][0]["locations"], figure["data"][0]["z"], strict=True))
    with ledger_app.server.extensions["onemap"].sessions() as session:
        tags = all_tags(session)
        leader = viewer("licheng.leader")
        alone = rollup(session, leader, tags["MZ001"], MONTH, "town", LICHENG)
        residents = rollup(session, leader, tags["RK002"], MONTH, "town", LICHENG)
    assert len(shown) > 5
    for code, value in shown.items():
        assert value == pytest.approx(alone[code] / residents[code] * 1000, abs=0.01)


def test_an_outsider_forging_the_shade_sees_no_figure_of_another_town(client_as):
    figure = shade(client_as("xiuyu.staff"), XTW, "ledger-tag-RK002")
    # The focus falls back to the viewer's own county; nothing of 西天尾镇 is drawn.
    assert not [c for c in figure["data"][0]["locations"] if c.startswith("350304")]
    assert XIUYU_VILLAGE[:6] == figure["data"][0]["locations"][0][:6]
