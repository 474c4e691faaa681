"""Completeness counts filled cells from ledger_fills, which triggers on ledger_values keep
(migration ledger_0003). After saves, corrections, blanks, imports, bulk loads, deletes and
retired tags, on both engines, the fills are exactly what reading every month's value gives,
and so are the completeness figures; a viewer counts only the units of their scope."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, true, update

from app.registry import ModuleRegistry
from modules.ledger.bulk import insert_values
from modules.ledger.catalogue_admin import retire
from modules.ledger.completeness import by_town, filled_counts, of_units
from modules.ledger.models import LedgerFill, LedgerValue
from modules.ledger.periods import label, months, shift
from modules.ledger.sheetfile import import_file
from modules.ledger.tags import all_tags
from modules.ledger.values import carried
from store import migrate
from tests.modules.ledger.helpers import XIUYU_VILLAGE, XTW, XTW_VILLAGES, put, statuses

V1, V2, V3 = XTW_VILLAGES
REQUIRED, OPTIONAL, QUARTERLY = "RK001", "RK010", "WJ009"  # 户籍人口, 流动人口 (may be blank)
SPAN = months(202601, 202612)


def fills_kept(session) -> set[tuple]:
    rows = session.execute(
        select(LedgerFill.tag_code, LedgerFill.unit_code, LedgerFill.period, LedgerFill.filled)
    )
    return {(tag, unit, period, bool(filled)) for tag, unit, period, filled in rows}


def fills_of_values(session) -> set[tuple]:
    """The fills as their definition gives them, from every value row in Python."""
    rows = session.execute(
        select(
            LedgerValue.tag_code, LedgerValue.unit_code, LedgerValue.period, LedgerValue.value
        ).order_by(LedgerValue.tag_code, LedgerValue.unit_code, LedgerValue.period)
    )
    found, before = set(), {}
    for tag, unit, period, value in rows:
        filled = value is not None
        if filled != before.get((tag, unit), False):
            found.add((tag, unit, period, filled))
        before[(tag, unit)] = filled
    return found


def counts_read_from_values(session, tags, month, unit_filter=None) -> dict[str, int]:
    """Unit → filled cells among `tags`, reading every month's value (the full computation)."""
    counted: dict[str, int] = {}
    for (unit, _), held in carried(session, tags, month, unit_filter).items():
        if held.value is not None:
            counted[unit] = counted.get(unit, 0) + 1
    return counted


def assert_exact(session) -> None:
    session.flush()
    assert fills_kept(session) == fills_of_values(session)
    tags = list(all_tags(session, retired=True))
    for month in SPAN:
        assert filled_counts(session, tags, month, true()) == counts_read_from_values(
            session, tags, month
        ), month


def test_fills_follow_every_kind_of_write(session, viewer):
    staff = viewer("xitianwei.staff")
    saved = put(
        session,
        staff,
        [
            (V1, REQUIRED, "2026-03", "1000"),
            (V1, OPTIONAL, "2026-03", "50"),
            (V2, OPTIONAL, "2026-08", "7"),
            (V1, QUARTERLY, "2026-05", "80"),  # kept from April
        ],
    )
    assert statuses(saved) == ["accepted"] * 4
    assert_exact(session)
    put(session, staff, [(V1, REQUIRED, "2026-06", "1010")])  # a new month: a row, no fill
    put(session, staff, [(V1, REQUIRED, "2026-06", "1020")])  # a correction: the row updated
    put(session, staff, [(V1, REQUIRED, "2026-06", "1000")])  # back to May's: the row dropped
    assert_exact(session)
    # Blanked, filled again, then blanked before it in a month between: each fill moves.
    assert statuses(put(session, staff, [(V1, OPTIONAL, "2026-08", "")])) == ["accepted"]
    put(session, staff, [(V1, OPTIONAL, "2026-10", "60")])
    assert_exact(session)
    put(session, staff, [(V1, OPTIONAL, "2026-06", "")])
    put(session, staff, [(V1, OPTIONAL, "2026-08", "50")])
    assert_exact(session)
    assert filled_counts(session, [OPTIONAL], 202607, true()) == {}
    assert filled_counts(session, [OPTIONAL], 202608, true()) == {V1: 1, V2: 1}
    # Blank between two filled months: the later one turns filled again.
    put(session, staff, [(V2, OPTIONAL, "2026-05", "3")])
    put(session, staff, [(V2, OPTIONAL, "2026-06", "")])
    assert filled_counts(session, [OPTIONAL], 202607, true()) == {}
    assert_exact(session)
    # An import of the month for three villages at once.
    csv = f"单位代码,{OPTIONAL},{REQUIRED}\n{V1},61,1000\n{V2},,1100\n{V3},9,900\n".encode()
    report = import_file(session, staff, csv, "sheet.csv", 202611)
    assert report.ok, report.errors
    assert_exact(session)


def test_fills_follow_bulk_loads_and_statements_over_many_rows(session):
    stamp = {"changed_by": "t", "changed_at": datetime.now(UTC), "channel": "import"}
    by_month = {  # January to May: filled, blank, filled again, in one load
        V1: [None, "3", "3", None, "4"],
        V2: ["4", "4", None, "5", "5"],
        V3: ["5", "5", "5", "5", "5"],
    }
    rows = [
        {"tag_code": OPTIONAL, "unit_code": unit, "period": 202601 + index, "value": value}
        | {"number": float(value) if value else None, "demo": False, **stamp}
        for unit, values in by_month.items()
        for index, value in reversed(list(enumerate(values)))
    ]
    # One statement (COPY on PostgreSQL) holding neighbouring months of the same cells, each
    # before the month after it is in.
    insert_values(session, rows)
    assert_exact(session)
    blanks = (LedgerValue.unit_code == V2) & LedgerValue.period.in_([202602, 202603])
    session.execute(update(LedgerValue).where(blanks).values(value=None, number=None))
    assert_exact(session)
    session.execute(delete(LedgerValue).where(LedgerValue.period.in_([202601, 202604])))
    assert_exact(session)
    moved = (LedgerValue.unit_code == V3) & (LedgerValue.period == 202605)
    session.execute(update(LedgerValue).where(moved).values(period=202612))
    assert_exact(session)
    session.execute(delete(LedgerValue))
    assert fills_kept(session) == set()


def test_completeness_equals_reading_every_value_after_saves_and_a_retired_tag(
    demo_session, viewer
):
    leader, staff, admin = viewer("city.leader"), viewer("xitianwei.staff"), viewer("city.admin")
    last = max(demo_session.scalars(select(LedgerValue.period).distinct()))

    def exact(month: int) -> None:
        required = [t.code for t in all_tags(demo_session).values() if t.required]
        counted = counts_read_from_values(demo_session, required, month)
        found = of_units(demo_session, leader, month, "village")
        assert found and {u.code: u.filled for u in found} == {
            u.code: counted.get(u.code, 0) for u in found
        }
        towns = {t.code: t for t in by_town(demo_session, leader, month)}
        inside = [u for u in found if u.code.startswith(XTW[:9])]
        assert towns[XTW].rate == round(
            100.0 * sum(u.filled for u in inside) / sum(u.required for u in inside), 1
        )

    assert fills_kept(demo_session) == fills_of_values(demo_session)
    for month in (shift(last, -6), last):
        exact(month)
    saved = put(demo_session, staff, [(V1, "RK012", label(last), "3")])
    assert statuses(saved) in (["accepted"], ["unchanged"])
    exact(last)
    before = {u.code: u.required for u in of_units(demo_session, leader, last, "village")}
    assert retire(demo_session, admin, REQUIRED) == "retired"
    after = {u.code: u.required for u in of_units(demo_session, leader, last, "village")}
    assert after == {code: required - 1 for code, required in before.items()}
    exact(last)
    assert fills_kept(demo_session) == fills_of_values(demo_session)


def test_a_viewer_counts_only_units_of_their_own_scope(session, viewer):
    staff = viewer("xitianwei.staff")
    put(session, staff, [(V1, REQUIRED, "2026-11", "1000")])
    put(session, viewer("xiuyu.staff"), [(XIUYU_VILLAGE, REQUIRED, "2026-11", "800")])
    elsewhere = viewer("xiuyu.staff")
    scope = elsewhere.code_filter(LedgerFill.unit_code)
    assert filled_counts(session, [REQUIRED], 202611, scope) == {XIUYU_VILLAGE: 1}
    mine = filled_counts(session, [REQUIRED], 202611, staff.code_filter(LedgerFill.unit_code))
    assert mine == {V1: 1}
    seen = {u.code for u in of_units(session, elsewhere, 202611, "village")}
    assert XIUYU_VILLAGE in seen and not any(code.startswith(XTW[:9]) for code in seen)
    assert all(t.code.startswith("350305") for t in by_town(session, elsewhere, 202611))


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def test_the_migration_fills_an_existing_database_and_goes_back(request, kind, viewer):
    from store.engine import build_engine, make_session
    from tests.app_fixtures import database_for
    from tests.modules.ledger.conftest import with_catalogue

    extra = [path for _, path in ModuleRegistry(frozenset()).call("register_migrations")]
    with database_for(request, "ledger-fills", with_catalogue, kind) as url:
        engine = build_engine(url)
        sessions = make_session(engine)
        try:
            staff = viewer("xitianwei.staff")
            with sessions() as session, session.begin():
                put(
                    session, staff, [(V1, OPTIONAL, "2026-03", "5"), (V2, OPTIONAL, "2026-03", "6")]
                )
                put(session, staff, [(V1, OPTIONAL, "2026-05", ""), (V1, REQUIRED, "2026-04", "9")])
                kept = fills_kept(session)
            assert len(kept) == 4
            migrate.downgrade(engine, "ledger_0002", extra_locations=extra)
            with sessions() as session, session.begin():  # written with no trigger to follow
                session.execute(delete(LedgerValue).where(LedgerValue.unit_code == V2))
            migrate.upgrade(engine, extra_locations=extra)
            with sessions() as session, session.begin():
                assert (
                    fills_kept(session)
                    == fills_of_values(session)
                    == {f for f in kept if f[1] != V2}
                )
                put(session, staff, [(V3, OPTIONAL, "2026-06", "1")])
                assert_exact(session)
        finally:
            engine.dispose()
