"""The ledger's speed goals on PostgreSQL, each beside a naive baseline (one ORM query per
cell) in the same run. Not a test: nothing asserts a timing.

    .venv/bin/python -m bench.ledger                      # Putian's scale: 1,292 tags, 32 M rows
    .venv/bin/python -m bench.ledger --tags 200 --months 6   # a quick run

The issue's scale is 32 million values (1,036 towns and villages × 1,292 tags × 24 months).
Each tag is kept at one level here (9 in 10 by the 979 villages, the rest by the 57 towns),
so a month holds 1.15 million cells, not 1.34, and the default of 28 months stores the
issue's 32 million; every cell is stored as its own row (`--changed 1.0`: no carry-forward
saving at all, the worst case, and a longer history per cell than two years). Generating it
takes about a quarter of an hour. A scratch database is created on
ONEMAP_BENCH_POSTGRES_URL (default postgresql+psycopg2://postgres@localhost:5432/postgres)
and dropped afterwards (`--keep` keeps it, `--url` reuses one already filled)."""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

GOALS = {  # metric -> seconds (the goals, server time)
    "town sheet, 100 tags": 0.3,
    "city completeness by town": 1.0,
    "save one cell": 0.05,
    "XLSX export, one county × 200 tags": 3.0,
    "import a 1,000-row sheet": 5.0,
}
TOWN = "350304100000"  # 西天尾镇
COUNTY = "350304000000"  # 荔城区


def _scratch(admin_url: str) -> str:
    name = f"onemap_bench_ledger_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    engine.dispose()
    return url.render_as_string(hide_password=False)


def _drop(admin_url: str, url: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


def _app(url: str):
    from app.factory import create_app
    from app.settings import load_settings

    settings = load_settings(
        overrides={"database_url": url, "secret_key": "bench", "demo": False},
        environ={},
        config_path=None,
    )
    return create_app(settings)


def _viewer(app, login: str, role: str, scope: str):
    from access.viewer import make_viewer

    return make_viewer(
        1, login, login, role, [scope], app.server.extensions["onemap"].modules.grants
    )


def generate(app, tags: int, months: int, changed: float, seed: int = 15) -> dict:
    """A synthetic catalogue of `tags` (90 % kept by villages, a tenth required) and values
    for every town and village over `months`, a share `changed` of cells stored each month."""
    from modules.ledger.bulk import insert_values
    from modules.ledger.models import LedgerTag
    from modules.ledger.periods import months as month_range
    from modules.ledger.periods import shift
    from modules.sdk import units

    context = app.server.extensions["onemap"]
    system = _viewer(app, "system", "admin", "350300")
    chance = random.Random(seed)
    last = 202611
    span = month_range(shift(last, 1 - months), last)
    started = time.perf_counter()
    with context.sessions() as session, session.begin():
        session.add_all(
            LedgerTag(
                code=f"BX{i:04d}",
                name=f"指标{i:04d}",
                measure="个",
                value_type="integer",
                domain=f"领域{i % 12}",
                department="",
                level="town" if i % 10 == 0 else "village",
                period_type="monthly",
                required=i % 10 == 1,
                min_value=0,
                max_value=None,
                choices="",
                rule="",
                rollup="sum",
                weight_code="",
                sensitivity="public",
                position=i,
            )
            for i in range(1, tags + 1)
        )
        villages = [u.code for u in units(session, system, "village")]
        towns = [u.code for u in units(session, system, "town")]
    stamp = {
        "changed_by": "bench",
        "changed_at": datetime.now(UTC),
        "channel": "import",
        "demo": False,
    }
    rows_stored = 0
    for index, month in enumerate(span):
        rows = []
        for i in range(1, tags + 1):
            code = f"BX{i:04d}"
            for unit in towns if i % 10 == 0 else villages:
                if index == 0 or chance.random() < changed:
                    number = chance.randint(0, 5000)
                    rows.append(
                        {
                            "tag_code": code,
                            "unit_code": unit,
                            "period": month,
                            "value": str(number),
                            "number": float(number),
                            **stamp,
                        }
                    )
        with context.sessions() as session, session.begin():
            insert_values(session, rows)
        rows_stored += len(rows)
        print(f"  {month}: {len(rows):,} rows", file=sys.stderr, flush=True)
    with context.engine.begin() as connection:
        connection.execute(text("ANALYZE ledger_values"))
        connection.execute(text("ANALYZE ledger_fills"))
        fills = connection.scalar(text("SELECT count(*) FROM ledger_fills"))
    return {
        "rows": rows_stored,
        "fill_rows": fills,
        "units": len(villages) + len(towns),
        "tags": tags,
        "months": months,
        "seconds": round(time.perf_counter() - started, 1),
        "last": last,
    }


def described(app) -> dict:
    """What a database filled by an earlier run holds (`--url`)."""
    from modules.ledger.models import LedgerFill, LedgerTag, LedgerValue

    with app.server.extensions["onemap"].sessions() as session:
        return {
            "rows": session.scalar(select(func.count()).select_from(LedgerValue)),
            "fill_rows": session.scalar(select(func.count()).select_from(LedgerFill)),
            "units": session.scalar(select(func.count(func.distinct(LedgerValue.unit_code)))),
            "tags": session.scalar(select(func.count()).select_from(LedgerTag)),
            "months": session.scalar(select(func.count(func.distinct(LedgerValue.period)))),
            "last": session.scalar(select(func.max(LedgerValue.period))),
        }


def naive_cell(session, tag: str, unit: str, month: int):
    """The baseline's read: one ORM query per cell."""
    from modules.ledger.models import LedgerValue

    return session.scalars(
        select(LedgerValue)
        .where(
            LedgerValue.tag_code == tag, LedgerValue.unit_code == unit, LedgerValue.period <= month
        )
        .order_by(LedgerValue.period.desc())
        .limit(1)
    ).first()


def timed(function: Callable, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat + 1):  # the first run warms caches and is dropped
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return samples[1:]


def measure(app, month: int, repeat: int, naive_cells: int) -> list[dict]:
    from modules.ledger.completeness import by_town, of_units
    from modules.ledger.entry import Change, save
    from modules.ledger.models import LedgerValue
    from modules.ledger.sheet import build
    from modules.ledger.sheetfile import import_file, to_xlsx
    from modules.ledger.tags import all_tags
    from modules.ledger.values import carried
    from modules.sdk import units, xlsx_bytes

    context = app.server.extensions["onemap"]
    sessions = context.sessions
    staff = _viewer(app, "bench.staff", "staff", TOWN)
    county_staff = _viewer(app, "bench.county", "staff", "350304")
    city_staff = _viewer(app, "bench.city", "staff", "350300")
    leader = _viewer(app, "bench.leader", "leader", "350300")
    with sessions() as session:
        village_tags = [c for c, t in all_tags(session).items() if t.level == "village"]
        town_villages = [u.code for u in units(session, staff, "village", within=TOWN)]
        county_villages = [u.code for u in units(session, leader, "village", within=COUNTY)]
        all_villages = [u.code for u in units(session, leader, "village")]
        required = [c for c, t in all_tags(session).items() if t.required and t.level == "village"]
    results = []

    def row(metric: str, ours: list[float], naive: float, naive_note: str, **more) -> None:
        median = statistics.median(ours)
        results.append(
            {
                "metric": metric,
                "ours_s": round(median, 4),
                "ours_max_s": round(max(ours), 4),
                "baseline_s": round(naive, 3),
                "ratio": round(median / naive, 4) if naive else None,
                "goal_s": GOALS[metric],
                "met": median <= GOALS[metric],
                "baseline": naive_note,
                **more,
            }
        )
        print(
            f"{metric:38s} ours {median * 1000:9.1f} ms   naive {naive * 1000:10.1f} ms"
            f"   goal {GOALS[metric] * 1000:6.0f} ms  "
            + ("met" if median <= GOALS[metric] else "MISSED"),
            flush=True,
        )

    def naive_cells_time(cells: list[tuple[str, str]]) -> tuple[float, str]:
        sample = cells[:naive_cells]
        with sessions() as session:
            started = time.perf_counter()
            for unit, tag in sample:
                naive_cell(session, tag, unit, month)
            spent = time.perf_counter() - started
        scale = len(cells) / len(sample)
        note = (
            f"{len(sample):,} of {len(cells):,} cells timed, scaled ×{scale:.1f}"
            if scale > 1
            else (f"{len(cells):,} cells")
        )
        return spent * scale, note

    # 1. A town's sheet of 100 tags.
    tags100 = village_tags[:100]

    def sheet():
        with sessions() as session:
            build(session, staff, month, "village", TOWN, tag_codes=tags100)

    naive, note = naive_cells_time([(u, t) for u in town_villages for t in tags100])
    row("town sheet, 100 tags", timed(sheet, repeat), naive, note)

    # 2. The city's completeness by town.
    def completeness():
        with sessions() as session:
            by_town(session, leader, month)

    def read_every_value():
        """The same counts read from every month's value (before ledger_fills)."""
        with sessions() as session:
            held = carried(session, required, month, leader.code_filter(LedgerValue.unit_code))
            return sum(value.value is not None for value in held.values())

    naive, note = naive_cells_time([(u, t) for u in all_villages for t in required])
    ours = timed(completeness, repeat)
    with sessions() as session:
        filled = sum(unit.filled for unit in of_units(session, leader, month, "village"))
    assert filled == read_every_value(), "ledger_fills disagrees with the values"
    row(
        "city completeness by town",
        ours,
        naive,
        note,
        read_every_value_s=round(statistics.median(timed(read_every_value, 1)), 3),
    )

    # 3. Saving one cell (checked, with its history), committed.
    values = iter(range(10_000, 20_000))

    def save_one():
        with sessions() as session, session.begin():
            save(session, staff, [Change(town_villages[0], tags100[0], month, next(values))], "api")

    def naive_save():
        from modules.ledger.models import LedgerHistory, LedgerValue

        unit, tag = town_villages[1], tags100[0]
        with sessions() as session, session.begin():
            value = str(next(values))
            old = naive_cell(session, tag, unit, month)
            if old is not None and old.period == month:
                previous, old.value = old.value, value
            else:
                previous = old.value if old else None
                session.add(
                    LedgerValue(
                        tag_code=tag,
                        unit_code=unit,
                        period=month,
                        value=value,
                        number=float(value),
                        changed_by="naive",
                        channel="api",
                    )
                )
            session.add(
                LedgerHistory(
                    tag_code=tag,
                    unit_code=unit,
                    period=month,
                    old_value=previous,
                    new_value=value,
                    changed_by="naive",
                    channel="api",
                )
            )

    row(
        "save one cell",
        timed(save_one, repeat * 3),
        statistics.median(timed(naive_save, repeat * 3)),
        "ORM read, write and history",
    )

    # 4. XLSX export of one county × 200 tags.
    tags200 = village_tags[:200]

    def export():
        with sessions() as session:
            to_xlsx(build(session, county_staff, month, "village", COUNTY, tag_codes=tags200))

    cells = [(u, t) for u in county_villages for t in tags200]
    naive, note = naive_cells_time(cells)
    started = time.perf_counter()
    xlsx_bytes([("x", tags200, [[0] * len(tags200) for _ in county_villages])])
    naive += time.perf_counter() - started
    row(
        "XLSX export, one county × 200 tags",
        timed(export, max(1, repeat // 2)),
        naive,
        note + " + the same workbook written",
    )

    # 5. Importing a 1,000-row sheet (10 tags changed in every row).
    rows = all_villages[:1000]
    tags10 = village_tags[100:110]
    counter = iter(range(1, 100))

    def workbook() -> bytes:
        bump = next(counter)
        book = Workbook()
        sheet = book.active
        sheet.append(["单位代码", *tags10])
        for i, unit in enumerate(rows):
            sheet.append([unit, *(6000 + bump + i % 7 + j for j in range(len(tags10)))])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    files = [workbook() for _ in range(max(1, repeat // 2) + 1)]
    pending = iter(files)

    def importing():
        with sessions() as session, session.begin():
            report = import_file(session, city_staff, next(pending), "bench.xlsx", month)
            assert report.ok, report.errors[:3]

    naive, note = naive_cells_time([(u, t) for u in rows for t in tags10])
    row(
        "import a 1,000-row sheet",
        timed(importing, max(1, repeat // 2)),
        naive * 2,
        note + ", read and write per cell (×2)",
    )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ledger", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--tags", type=int, default=1292)
    parser.add_argument("--months", type=int, default=28)
    parser.add_argument(
        "--changed",
        type=float,
        default=1.0,
        help="share of cells stored again each month (1.0: every one)",
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--naive-cells",
        type=int,
        default=3000,
        help="cells the baseline reads before its time is scaled up",
    )
    parser.add_argument("--url", help="a database already filled by an earlier --keep run")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.json")))
    args = parser.parse_args(argv)
    admin_url = os.environ.get(
        "ONEMAP_BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@localhost:5432/postgres"
    )
    url = args.url or _scratch(admin_url)
    try:
        app = _app(url)
        if args.url:
            made = described(app)
        else:
            print(f"generating {args.tags} tags × {args.months} months ...", file=sys.stderr)
            made = generate(app, args.tags, args.months, args.changed)
        print(json.dumps(made, ensure_ascii=False), file=sys.stderr)
        load = os.getloadavg()
        results = measure(app, made["last"], args.repeat, args.naive_cells)
        Path(args.out).write_text(
            json.dumps(
                {
                    "data": made,
                    "load_average": load,
                    "measured_at": datetime.now(UTC).isoformat(),
                    "results": results,
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
        print(f"written {args.out}; load average {load}", file=sys.stderr)
    finally:
        if args.keep or args.url:
            print(f"database kept: {url}", file=sys.stderr)
        else:
            from store.engine import get_engine

            get_engine.cache_clear()
            _drop(admin_url, url)
    return 0
