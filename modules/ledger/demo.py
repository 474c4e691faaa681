"""Demo values (演示) for every village and town over the last 12 months, consistent with
each other: population tags add up (男 + 女 = 户籍人口; 0-17 + 18-59 + 60以上 = 常住人口),
every rule across tags holds (独居老人 ≤ 60岁以上老人 ...), and each village's 防汛重点部位数
is the number of the flood module's key points there, read through the sites contract. A
town's figure compared with its villages' (镇街户籍人口 = Σ 户籍人口) is their roll-up.

Values are generated month by month and stored only when they change (carry-forward), in
bulk inserts; they are marked `demo` and shown as 演示."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from modules.ledger import periods
from modules.ledger.bulk import insert_values
from modules.ledger.catalogue import seed_catalogue
from modules.ledger.duties.demo import seed_duties
from modules.ledger.models import LedgerTag
from modules.ledger.reports.catalog import seed_reports
from modules.ledger.requests.demo import seed_departments
from modules.ledger.rules import comparisons
from modules.ledger.tags import all_tags
from modules.sdk import CoreServices, Viewer, units

KEY_POINTS = "YJ001"
MONTHS = 12
# How a figure follows another of the same unit: a share of it, stable per unit, so the
# rules across tags hold by construction ("<=": a share ≤ 1; ">=": a multiple ≥ 1).
SHARES: dict[str, tuple[str, float, float]] = {
    "RK002": ("RK001", 0.78, 1.12),
    "RK003": ("RK001", 0.28, 0.34),
    "RK004": ("RK001", 0.49, 0.53),
    "RK006": ("RK002", 0.17, 0.24),
    "RK008": ("RK002", 0.14, 0.26),
    "RK009": ("RK008", 0.12, 0.2),
    "RK010": ("RK002", 0.02, 0.2),
    "RK011": ("RK001", 0.08, 0.3),
    "MZ001": ("RK008", 0.03, 0.12),
    "MZ002": ("RK003", 0.01, 0.04),
    "MZ003": ("MZ002", 1.5, 2.6),
    "MZ004": ("RK001", 0.001, 0.006),
    "MZ005": ("RK001", 0.02, 0.05),
    "MZ006": ("MZ005", 0.2, 0.4),
    "MZ007": ("RK006", 0.01, 0.06),
    "MZ008": ("RK006", 0.0, 0.02),
    "MZ012": ("RK009", 0.85, 1.0),
    "WJ003": ("RK002", 0.3, 0.6),
    "WJ004": ("RK008", 0.5, 0.8),
    "WJ005": ("RK008", 0.15, 0.3),
    "WJ006": ("RK008", 0.05, 0.12),
    "WJ007": ("RK002", 0.001, 0.004),
    "WJ008": ("RK002", 0.002, 0.008),
    "YJ004": ("RK002", 0.1, 0.3),
    "YJ006": ("RK002", 0.01, 0.03),
    "YJ012": ("YJ011", 0.6, 1.0),
    "NY002": ("NY001", 0.4, 0.8),
    "NY011": ("NY001", 0.2, 0.6),
    "NY013": ("NY001", 0.0, 0.04),
    "NY003": ("NY002", 0.35, 0.45),
    "DJ001": ("RK001", 0.03, 0.06),
    "DJ002": ("DJ001", 0.18, 0.3),
    "DJ003": ("DJ001", 0.1, 0.25),
    "DJ004": ("DJ001", 0.02, 0.1),
    "JY004": ("RK006", 0.15, 0.25),
    "JY008": ("RK006", 0.0, 0.004),
    "ZJ005": ("ZJ004", 0.05, 0.2),
    "ZJ009": ("RK003", 0.2, 0.7),
    "ZZ003": ("ZZ002", 0.7, 1.0),
    "ZZ004": ("RK001", 0.0, 0.002),
    "ZZ005": ("RK001", 0.0, 0.002),
    "ZZ010": ("RK002", 0.005, 0.015),
    "JJ002": ("JJ001", 1.2, 3.0),
    "RS001": ("RK001", 0.5, 0.7),
    "RS002": ("RK001", 0.85, 0.97),
    "RS003": ("RK008", 0.8, 0.98),
    "RS007": ("RK001", 0.001, 0.004),
    "RS008": ("RK001", 0.01, 0.04),
    "TY001": ("RK001", 0.01, 0.03),
    "TY002": ("TY001", 0.2, 0.5),
}
# Independent figures: (low, high) of a village's (or a town's) value.
RANGES: dict[str, tuple[float, float]] = {
    "RK012": (0, 4),
    "RK013": (0, 4),
    "RK014": (-2, 8),
    "MZ010": (40, 400),
    "MZ011": (0, 5),
    "WJ001": (1, 2),
    "WJ002": (1, 4),
    "WJ009": (88, 99),
    "WJ010": (30, 120),
    "WJ011": (0, 12),
    "WJ012": (92, 99.5),
    "YJ002": (0, 3),
    "YJ003": (1, 3),
    "YJ005": (1, 2),
    "YJ007": (2, 8),
    "YJ008": (30, 120),
    "YJ010": (0, 2),
    "YJ011": (0, 8),
    "YJ013": (2, 8),
    "NY001": (300, 3000),
    "NY004": (0, 600),
    "NY005": (0, 900),
    "NY006": (0, 800),
    "NY007": (0, 6000),
    "NY008": (0, 300),
    "NY009": (0, 6),
    "NY010": (0, 5),
    "NY012": (22000, 31000),
    "DJ005": (0, 1),
    "DJ008": (1, 2),
    "DJ011": (5, 9),
    "JY001": (0, 2),
    "JY002": (3, 12),
    "JY003": (1, 4),
    "JY005": (1500, 8000),
    "JY006": (800, 4000),
    "JY007": (150, 700),
    "JY009": (0, 300),
    "JY010": (90, 99),
    "ZJ001": (0, 6),
    "ZJ002": (0, 3),
    "ZJ003": (0, 3),
    "ZJ004": (100, 900),
    "ZJ006": (300, 1500),
    "ZJ007": (1, 4),
    "ZJ010": (2, 20),
    "HB001": (1, 4),
    "HB002": (4, 12),
    "HB003": (0, 3),
    "HB004": (92, 100),
    "HB005": (0, 6),
    "HB007": (45, 65),
    "HB008": (100, 2000),
    "HB010": (0, 4),
    "ZZ001": (3, 12),
    "ZZ002": (0, 8),
    "ZZ006": (2, 30),
    "ZZ007": (1, 15),
    "ZZ009": (10, 80),
    "JJ001": (10, 300),
    "JJ003": (3, 40),
    "JJ004": (20, 300),
    "JJ005": (0, 4),
    "JJ006": (2000, 30000),
    "JJ007": (800, 9000),
    "JJ008": (0, 40),
    "JJ009": (0, 3000),
    "RS004": (20, 200),
    "RS005": (10, 150),
    "RS006": (50, 600),
    "RS009": (94, 99.5),
    "RS010": (0, 6),
    "SL001": (0, 3),
    "SL002": (50, 2000),
    "SL003": (0, 12),
    "SL004": (1, 3),
    "SL005": (85, 100),
    "SL006": (1, 6),
    "SL007": (1, 6),
    "SL008": (1, 4),
    "SL010": (0, 3),
    "SL011": (5, 160),
    "WL001": (0, 3),
    "WL003": (1500, 4000),
    "WL004": (1, 6),
    "WL005": (1, 3),
    "WL006": (1, 6),
    "WL007": (0, 2),
    "WL008": (2000, 60000),
    "WL009": (0, 6),
    "WL010": (5, 40),
    "TY004": (0, 10),
    "TY005": (0, 3),
}
SURNAMES = "陈林黄郑吴李王张刘蔡许方杨朱"
GIVEN = "志明建华秀英丽芳国强淑珍金水玉兰文彬海燕"

_CORES: dict[str, CoreServices] = {}


def remember_core(core: CoreServices) -> None:
    """The core of the app whose database this is, kept for seed_demo (whose hook gives
    no core) to ask for the flood module's sites through the contract."""
    with core.sessions() as session:
        _CORES[str(session.get_bind().url)] = core


def seed(session: Session, viewer: Viewer, sites: Callable | None = None) -> int:
    """The catalogue and the demo values; returns how many value rows were stored."""
    seed_catalogue(session)
    seed_reports(session)
    seed_duties(session)  # the duties list's 25 示例 items
    seed_departments(session)
    if sites is None:
        core = _CORES.get(str(session.get_bind().url))
        sites = core.sites if core else (lambda session, viewer, unit=None: [])
    key_points = Counter(s.village_code for s in sites(session, viewer) if s.module == "flood")
    last = periods.shift(periods.of_date(datetime.now(UTC).date()), -1)
    months = periods.months(periods.shift(last, 1 - MONTHS), last)
    now = datetime.now(UTC)
    stamp = {"changed_by": "演示", "changed_at": now, "channel": "demo", "demo": True}
    stored = 0
    tags = all_tags(session)
    village_rows: list[dict] = []
    for level in ("village", "town"):
        plan = _plan([_Tag.of(t) for t in tags.values() if t.level == level], months)
        rows: list[dict] = []
        for unit in units(session, viewer, level):
            rows.extend(_unit_rows(unit.code, unit.name, plan, key_points))
        if level == "village":
            village_rows = rows
        else:
            towns = [u.code for u in units(session, viewer, "town")]
            rows.extend(_compared_rows(tags, village_rows, towns, months))
        for row in rows:
            row.update(stamp)
        insert_values(session, rows)
        stored += len(rows)
    return stored


def _compared_rows(
    tags: dict[str, LedgerTag], village_rows: list[dict], towns: list[str], months: list[int]
) -> list[dict]:
    """Each town's figure of a tag compared with its villages' (rule `= RK001`): the sum (or
    max) of what its villages read each month, stored when it changes."""
    found: list[dict] = []
    for town_code, rule in comparisons(tags).items():
        how = {"sum": sum, "max": max}.get(tags[rule.right].rollup)
        if how is None:
            continue
        kept = sorted(
            (row["period"], row["unit_code"], row["number"])
            for row in village_rows
            if row["tag_code"] == rule.right and row["number"] is not None
        )
        reading: dict[str, dict[str, float]] = {}  # town prefix → village → this month's
        last: dict[str, float] = {}  # town → the figure stored last
        position = 0
        for month in months:
            while position < len(kept) and kept[position][0] <= month:
                _, village, number = kept[position]
                reading.setdefault(village[:9], {})[village] = number
                position += 1
            for town in towns:
                inside = list(reading.get(town[:9], {}).values())
                if not inside or last.get(town) == (figure := how(inside)):
                    continue
                last[town] = figure
                integer = tags[town_code].value_type == "integer"
                value = str(int(figure)) if integer else f"{figure:g}"
                found.append(
                    {
                        "tag_code": town_code,
                        "unit_code": town,
                        "period": month,
                        "value": value,
                        "number": float(figure),
                    }
                )
    return found


@dataclass(frozen=True, slots=True)
class _Tag:
    """What generating a value reads of a tag (ORM attribute reads are slow in bulk)."""

    code: str
    value_type: str
    period_type: str
    choices: str
    sensitivity: str

    @classmethod
    def of(cls, tag: LedgerTag) -> _Tag:
        return cls(tag.code, tag.value_type, tag.period_type, tag.choices, tag.sensitivity)


def _plan(tags: list[_Tag], months: list[int]) -> list[tuple[list[tuple[_Tag, int]], set]]:
    """Per month, the tags to draw and the month each is kept from: every tag in the first
    month, then a quarterly or yearly tag only in its quarter's or year's first month, and
    a tag kept "on change" never again (the demo has no change to tell)."""
    plan = []
    for index, month in enumerate(months):
        drawn = [
            (tag, periods.start_of(month, tag.period_type))
            for tag in tags
            if index == 0
            or tag.period_type == "monthly"
            or (
                tag.period_type != "on_change" and periods.start_of(month, tag.period_type) == month
            )
        ]
        plan.append((drawn, {tag.code for tag, _ in drawn}))
    return plan


def _unit_rows(code: str, name: str, plan, key_points: Counter) -> list[dict]:
    chance = random.Random(int(code))
    shares = {c: chance.uniform(lo, hi) for c, (_, lo, hi) in SHARES.items()}
    population = chance.randint(1500, 6000)
    found: list[dict] = []
    last: dict[str, str] = {}
    figures: dict[str, float] = {}
    for drawn, codes in plan:
        if chance.random() < 0.15:  # the registry is brought up to date now and then
            population += chance.randint(-12, 15)
        # Figures not drawn this month (a yearly one in May) stay as they were.
        figures = {c: v for c, v in figures.items() if c not in codes}
        figures["RK001"] = float(population)
        for tag, start in drawn:
            value = _value(tag, code, name, figures, shares, chance, key_points, last)
            if value is not None and last.get(tag.code) != value:
                found.append(
                    {
                        "tag_code": tag.code,
                        "unit_code": code,
                        "period": start,
                        "value": value,
                        "number": _number(tag, value),
                    }
                )
                last[tag.code] = value
    return found


def _value(tag, code, name, figures, shares, chance, key_points, last) -> str | None:
    kind = tag.value_type
    if tag.code == KEY_POINTS:
        figure = float(key_points.get(code, 0))
    elif tag.code == "RK001":
        figure = figures["RK001"]
    elif tag.code == "RK005":
        figure = figures["RK001"] - _figure(figures, "RK004", shares)
    elif tag.code == "RK007":
        figure = _figure(figures, "RK002", shares) - sum(
            _figure(figures, c, shares) for c in ("RK006", "RK008")
        )
    elif tag.code in SHARES:
        figure = _figure(figures, tag.code, shares)
    elif tag.code in RANGES:
        low, high = RANGES[tag.code]
        if tag.code in last and tag.period_type == "monthly" and chance.random() < 0.85:
            figure = float(last[tag.code])  # most monthly flows of a village stay as they were
        else:
            figure = chance.uniform(low, high)
        if kind == "integer":
            figure = float(round(figure))
    elif kind == "yesno":
        return "是" if int(code) % 3 else "否"
    elif kind == "choice":
        options = tag.choices.split("/")
        return options[int(code) % len(options)]
    elif kind == "date":
        return f"{2024 + int(code) % 2}-{1 + int(code) % 12:02d}-15"
    elif kind == "text":
        if tag.sensitivity != "public":
            rng = random.Random(f"{code}{tag.code}")
            return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
        return name
    else:
        return None
    figures[tag.code] = figure
    if kind == "integer":
        return str(int(round(figure)))
    return f"{figure:.1f}".removesuffix(".0")


def _figure(figures: dict[str, float], code: str, shares: dict[str, float]) -> float:
    """This month's figure of `code`, drawn as a share of its base."""
    if code not in figures:
        base, _, _ = SHARES[code]
        figures[code] = float(int(_figure(figures, base, shares) * shares[code]))
    return figures[code]


def _number(tag: _Tag, value: str) -> float | None:
    if tag.value_type == "yesno":
        return 1.0 if value == "是" else 0.0
    if tag.value_type in ("integer", "decimal", "percent"):
        return float(value)
    return None
