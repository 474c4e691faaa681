"""The tables of report templates (报表模板) and of the registry of recurring reports a town
files (报表清单), templated or not. Templates are layouts, never values: a report is
generated from the ledger's values each time it is asked for."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from modules.sdk import Base

MODULE = {"info": {"module": "ledger"}}
FREQUENCIES: tuple[str, ...] = ("月", "季", "半年", "年", "不定期")
ROW_KINDS: tuple[str, ...] = ("units", "periods")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class LedgerReportTemplate(Base):
    """A named layout over tags: its rows, columns (JSON), header and footer."""

    __tablename__ = "ledger_report_templates"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(40))
    frequency: Mapped[str] = mapped_column(String(8))
    minutes: Mapped[int] = mapped_column(Integer)  # the hand filling it replaces, each time
    row_kind: Mapped[str] = mapped_column(String(10))
    # Columns, depth, header and footer lines as JSON (catalog.Template reads it).
    layout: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        CheckConstraint(_one_of("frequency", FREQUENCIES), name="frequency"),
        CheckConstraint(_one_of("row_kind", ROW_KINDS), name="row_kind"),
        MODULE,
    )


class LedgerReportEntry(Base):
    """One recurring report a town files by hand, with the template that now generates it
    (none: 未模板化)."""

    __tablename__ = "ledger_report_registry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(40))
    frequency: Mapped[str] = mapped_column(String(8))
    minutes: Mapped[int] = mapped_column(Integer)
    template_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        CheckConstraint(_one_of("frequency", FREQUENCIES), name="frequency"),
        MODULE,
    )


REPORT_TABLES = (LedgerReportTemplate, LedgerReportEntry)
