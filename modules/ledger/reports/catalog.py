"""Report templates as data: read from ledger_report_templates (seeded from templates.json),
each a named layout over tags. A column reads one tag, or computes a ratio of two
(占比 = a / b) with its number format."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from modules.ledger.reports.models import LedgerReportEntry, LedgerReportTemplate

HERE = Path(__file__).resolve().parent
TEMPLATES_FILE = HERE / "templates.json"
REGISTRY_FILE = HERE / "registry.txt"
# How many times a year a report of each frequency is filed (不定期: twice, as a town
# reckons its irregular returns).
TIMES_A_YEAR = {"月": 12, "季": 4, "半年": 2, "年": 1, "不定期": 2}
FOOTER = ("制表人", "审核人", "日期")


@dataclass(frozen=True)
class Column:
    title: str  # "" for a tag column: the tag's name
    tag: str = ""  # the tag it reads
    ratio: tuple[str, str] | None = None  # (numerator, denominator) tag codes
    number_format: str = ""  # for a ratio ("0.0%"); a tag column follows its value type
    group: str = ""  # a header merged over the neighbouring columns of the same group
    over: str = ""  # "sum" over a range of months ("本月…" tags) or "end" (its last month)

    @property
    def reads(self) -> tuple[str, ...]:
        return self.ratio if self.ratio else (self.tag,)


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    department: str
    frequency: str  # 月, 季, 半年, 年, 不定期
    minutes: int  # the hand filling it replaces, each time
    row_kind: str  # "units" (the units one level below) or "periods" (months)
    columns: tuple[Column, ...]
    depth: int = 1  # 2: the units two levels below, with a 小计 for each one between
    demo: bool = False

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "department": self.department,
            "frequency": self.frequency,
            "minutes": self.minutes,
            "rows": self.row_kind,
            "depth": self.depth,
            "tags": sorted(template_tags(self)),
            "columns": [
                {
                    "title": c.title,
                    "tag": c.tag or None,
                    "ratio": list(c.ratio) if c.ratio else None,
                    "format": c.number_format or None,
                    "group": c.group or None,
                }
                for c in self.columns
            ],
            "demo": self.demo,
        }


def template_tags(template: Template) -> frozenset[str]:
    """Every tag code the template's columns read, the ratios' included."""
    return frozenset(code for column in template.columns for code in column.reads)


def _column(spec: dict) -> Column:
    ratio = spec.get("ratio")
    return Column(
        title=spec.get("title", ""),
        tag=spec.get("tag", ""),
        ratio=(ratio[0], ratio[1]) if ratio else None,
        number_format=spec.get("format", ""),
        group=spec.get("group", ""),
        over=spec.get("over", ""),
    )


def _template(row: LedgerReportTemplate) -> Template:
    layout = json.loads(row.layout)
    return Template(
        key=row.key,
        title=row.title,
        department=row.department,
        frequency=row.frequency,
        minutes=row.minutes,
        row_kind=row.row_kind,
        columns=tuple(_column(c) for c in layout["columns"]),
        depth=int(layout.get("depth", 1)),
        demo=row.demo,
    )


def list_templates(session: Session) -> list[Template]:
    query = select(LedgerReportTemplate).order_by(
        LedgerReportTemplate.position, LedgerReportTemplate.key
    )
    return [_template(row) for row in session.scalars(query)]


def get_template(session: Session, key: object) -> Template | None:
    if not isinstance(key, str) or not key:
        return None
    row = session.get(LedgerReportTemplate, key)
    return _template(row) if row else None


def shipped_templates() -> list[dict]:
    return json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))


def shipped_registry() -> list[tuple[str, str, int, str, str | None]]:
    """(department, frequency, minutes, name, template key or None) of registry.txt."""
    found = []
    for line in REGISTRY_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        department, frequency, minutes, name, *key = line.split("|")
        found.append((department, frequency, int(minutes), name, key[0] if key else None))
    return found


def seed_reports(session: Session) -> int:
    """The demo templates and registry (演示), replacing what a previous seed stored;
    returns how many templates."""
    session.execute(delete(LedgerReportEntry).where(LedgerReportEntry.demo))
    session.execute(delete(LedgerReportTemplate).where(LedgerReportTemplate.demo))
    specs = shipped_templates()
    for position, spec in enumerate(specs):
        layout = {"columns": spec["columns"], "depth": spec.get("depth", 1)}
        session.add(
            LedgerReportTemplate(
                key=spec["key"],
                title=spec["title"],
                department=spec["department"],
                frequency=spec["frequency"],
                minutes=spec["minutes"],
                row_kind=spec["rows"],
                layout=json.dumps(layout, ensure_ascii=False),
                position=position,
                demo=True,
            )
        )
    for position, (department, frequency, minutes, name, key) in enumerate(shipped_registry()):
        session.add(
            LedgerReportEntry(
                name=name,
                department=department,
                frequency=frequency,
                minutes=minutes,
                template_key=key,
                position=position,
                demo=True,
            )
        )
    session.flush()
    return len(specs)
