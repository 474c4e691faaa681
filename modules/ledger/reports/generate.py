"""Generating a report for a unit and period, the one way in for the page, the API and a
department's download over a grant: checks, reads the table only, renders the file and
records the download in the core's audit log (the caller commits)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from modules.ledger import periods
from modules.ledger.reports.build import Report, ReportRefused, build_report
from modules.ledger.reports.catalog import get_template
from modules.ledger.reports.grant import ReportGrant
from modules.ledger.reports.render import to_csv, to_xlsx
from modules.ledger.tags import READ
from modules.sdk import Forbidden, NotFound, Viewer, record_audit

FORMATS = ("xlsx", "csv")

__all__ = ["FORMATS", "ReportRefused", "generate", "parse_periods", "report_for"]


def parse_periods(text: object) -> list[int]:
    """`2026-11` or a range `2026-01..2026-06` → the months; ReportRefused otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise ReportRefused("give period=2026-11 or 2026-01..2026-06", "请给出统计期间，如 2026-11")
    first, _, last = text.partition("..")
    try:
        start = periods.parse(first)
        end = periods.parse(last) if last else start
    except periods.BadPeriod as bad:
        raise ReportRefused(str(bad), bad.reason_zh) from None
    if end < start:
        raise ReportRefused("a range ends before it starts", "期间的结束月份早于开始月份")
    if len(periods.months(start, end)) > 24:
        raise ReportRefused("at most 24 months", "一次最多生成 24 个月，请缩短期间")
    return periods.months(start, end)


def report_for(
    session: Session,
    viewer: Viewer,
    key: str,
    unit: str,
    months: list[int],
    *,
    grant: ReportGrant | None = None,
) -> Report:
    """The report as rows and columns (what the file holds), checked as `generate` is."""
    if grant is None and not viewer.can(READ):
        raise Forbidden("reading the ledger needs ledger.read")
    template = get_template(session, key)
    if template is None:
        raise NotFound(f"no report template {key!r}", str(key))
    return build_report(session, viewer, template, unit, list(months), grant)


def generate(
    session: Session,
    viewer: Viewer,
    key: str,
    unit: str,
    periods_asked: list[int],
    fmt: str,
    *,
    grant: ReportGrant | None = None,
    address: str | None = None,
) -> tuple[bytes, str]:
    """(file, file name) of template `key` for `unit` over the months asked, as `fmt`
    ("xlsx" or "csv"). Without a grant the viewer needs ledger.read and the unit in scope;
    with one, the unit, months and tags must lie inside it. Raises Forbidden, NotFound
    (template or unit) or ReportRefused; records the download (audit action export)."""
    if fmt not in FORMATS:
        raise ReportRefused(f"format must be one of {FORMATS}", "格式只能是 xlsx 或 csv")
    report = report_for(session, viewer, key, unit, periods_asked, grant=grant)
    body = to_xlsx(report) if fmt == "xlsx" else to_csv(report)
    detail = {
        "template": report.template.key,
        "unit": report.unit,
        "periods": [periods.label(m) for m in report.months],
        "rows": len(report.rows),
    }
    if grant is not None:
        detail |= {"request_no": grant.request_no, "requester": grant.requester}
    record_audit(
        session,
        "export",
        viewer,
        target=f"ledger.report.{report.template.key}.{fmt}",
        address=address,
        detail=detail,
    )
    return body, f"{report.template.key}-{report.unit}-{report.period_label}.{fmt}"
