"""The shipped catalogue: at least 150 tags over at least 10 domains, every attribute the
issue asks for, rules and weights that name real tags; the schema is the models'."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import select

from app.registry import ModuleRegistry
from modules.ledger.catalogue import seed_catalogue, shipped
from modules.ledger.models import LedgerTag
from modules.ledger.rules import rules_of
from modules.ledger.tags import all_tags
from store.migrate import check, current_revision


def test_the_catalogue_has_150_tags_over_10_domains_with_every_attribute():
    tags = shipped()
    assert len(tags) >= 150 and len({t.code for t in tags}) == len(tags)
    domains = Counter(t.domain for t in tags)
    assert len(domains) >= 10 and min(domains.values()) >= 5
    assert {"人口", "民政", "卫健", "应急", "农业", "党建"} <= set(domains)
    assert {t.value_type for t in tags} == {
        "integer",
        "decimal",
        "percent",
        "yesno",
        "choice",
        "date",
        "text",
    }
    assert {t.level for t in tags} == {"village", "town"}
    assert {t.period_type for t in tags} == {"monthly", "quarterly", "yearly", "on_change"}
    assert {t.rollup for t in tags} == {"sum", "mean", "max", "none"}
    assert {t.sensitivity for t in tags} == {"public", "internal", "personal"}
    assert all(t.department for t in tags) and sum(t.required for t in tags) >= 10
    assert all(t.choices.count("/") >= 1 for t in tags if t.value_type == "choice")
    by_code = {t.code: t for t in tags}
    assert by_code["RK008"].name == "60岁以上老人" and by_code["RK008"].rule == "<= RK002"
    assert by_code["MZ001"].rule == "<= RK008"  # 独居老人 ≤ 60岁以上老人
    assert all(t.weight_code in by_code for t in tags if t.weight_code)
    assert len({r for rules in rules_of(by_code).values() for r in rules}) >= 30


def test_the_migration_matches_the_models(ledger_db):
    with ledger_db() as session:
        engine = session.get_bind()
    locations = [path for _, path in ModuleRegistry().call("register_migrations")]
    check(engine, locations)
    # One head of the ledger's branch: its latest migration (ledger_0002_periods.py → ledger_0002).
    ours = next(Path(p) for p in locations if Path(p).parent.name == "ledger")
    latest = max(path.name[: len("ledger_0000")] for path in ours.glob("ledger_*.py"))
    heads = (current_revision(engine) or "").split()
    assert [h for h in heads if h.startswith("ledger_")] == [latest]


def test_seeding_the_catalogue_twice_adds_it_once(ledger_db):
    with ledger_db() as session, session.begin():
        assert seed_catalogue(session) == 0  # the template has it already
        assert len(all_tags(session)) == len(shipped())
        codes = list(session.scalars(select(LedgerTag.code)))
        assert len(codes) == len(set(codes))
