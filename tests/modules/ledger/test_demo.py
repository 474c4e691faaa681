"""The demo values: every village and town, 12 months, consistent (population adds up,
every rule across tags holds, key-point counts are the flood module's), stored compactly
by carry-forward, marked 演示."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from modules.flood.models import FloodKeyPoint
from modules.ledger import periods
from modules.ledger.models import LedgerValue
from modules.ledger.rules import rules_of
from modules.ledger.tags import all_tags
from modules.ledger.values import carried
from store.engine import build_engine, make_session
from tests.app_fixtures import database_for

LAST = periods.shift(periods.of_date(datetime.now(UTC).date()), -1)
MONTHS = periods.months(periods.shift(LAST, -11), LAST)


def test_every_village_and_town_has_every_tag_from_the_first_month_on(demo_session):
    session = demo_session
    tags = all_tags(session)
    village = sum(1 for t in tags.values() if t.level == "village")
    town = len(tags) - village
    cells = (
        select(LedgerValue.tag_code, LedgerValue.unit_code)
        .where(LedgerValue.period <= MONTHS[0])
        .distinct()
        .subquery()
    )
    assert session.scalar(select(func.count()).select_from(cells)) == 979 * village + 57 * town
    assert session.scalar(select(func.count()).where(LedgerValue.demo.is_(False))) == 0
    # Carry-forward keeps the 12 months far below one row per cell and month.
    rows = session.scalar(select(func.count()).select_from(LedgerValue))
    assert rows < 0.25 * (979 * village + 57 * town) * 12


def test_the_demo_values_are_consistent(demo_session):
    session = demo_session
    tags = all_tags(session)
    rules = {r for found in rules_of(tags).values() for r in found}
    read = {c for r in rules for c in (r.left, r.right)} | {f"RK00{i}" for i in range(1, 9)}
    for month in (MONTHS[0], MONTHS[-1]):
        held = carried(session, read, month)
        number = {key: h.number for key, h in held.items()}
        villages = {unit for unit, tag in held if tag == "RK001"}
        for unit in villages:
            n = {code: number[(unit, code)] for code in read if (unit, code) in number}
            assert n["RK004"] + n["RK005"] == n["RK001"]
            assert n["RK006"] + n["RK007"] + n["RK008"] == n["RK002"]
            for rule in rules:
                left, right = n.get(rule.left), n.get(rule.right)
                if left is not None and right is not None:
                    assert not rule.broken(left, right), (unit, rule, left, right)


def test_key_point_counts_are_the_flood_modules_points_of_each_village(demo_session):
    session = demo_session
    points = Counter(session.scalars(select(FloodKeyPoint.village_code)))
    assert sum(points.values()) == 1019
    held = carried(session, ["YJ001"], LAST)
    assert {u: int(h.number) for (u, _), h in held.items() if h.number} == dict(points)
    assert sum(1 for h in held.values()) == 979


def seed_every_module(app) -> None:
    """What `make run` does on an empty database: every module's seed_demo, in the order
    pluggy calls them."""
    context = app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        context.modules.seed_demo(session)


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def test_seeded_with_every_module_the_key_points_come_through_the_sites_contract(request, kind):
    # The ledger seeds last (trylast) and asks core.sites for the flood module's points.
    with database_for(request, "ledger-all", seed_every_module, kind) as url:
        engine = build_engine(url)
        try:
            with make_session(engine)() as session:
                points = session.scalar(select(func.count()).select_from(FloodKeyPoint))
                counted = session.scalar(
                    select(func.sum(LedgerValue.number)).where(LedgerValue.tag_code == "YJ001")
                )
            assert points == 1019 and counted == points
        finally:
            engine.dispose()
