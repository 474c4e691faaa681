"""Periods as the ledger stores them: a month as the integer YYYYMM (ordered, so "the
latest row at or before this month" is a plain comparison), written 2026-11 at the edges."""

from __future__ import annotations

import re
from datetime import date

_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*月?\s*$")


class BadPeriod(ValueError):
    def __init__(self, text: str) -> None:
        super().__init__(f"period {text!r} is not a month such as 2026-11")
        self.reason_zh = f"期间「{text}」不是月份，请写成 2026-11 这样的格式"


def parse(text: object) -> int:
    """`2026-11`, `2026/11`, `202611` or `2026年11月` → 202611; BadPeriod otherwise."""
    match = _MONTH.match(str(text)) if isinstance(text, str | int) else None
    if not match:
        raise BadPeriod(str(text))
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise BadPeriod(str(text))
    return year * 100 + month


def label(period: int) -> str:
    return f"{period // 100}-{period % 100:02d}"


def label_zh(period: int) -> str:
    return f"{period // 100}年{period % 100}月"


def of_date(day: date) -> int:
    return day.year * 100 + day.month


def current() -> int:
    """This month, the period a route reads when none is asked for."""
    return of_date(date.today())


def shift(period: int, months: int) -> int:
    index = (period // 100) * 12 + (period % 100 - 1) + months
    return (index // 12) * 100 + index % 12 + 1


def months(first: int, last: int) -> list[int]:
    found, current = [], first
    while current <= last:
        found.append(current)
        current = shift(current, 1)
    return found


def start_of(period: int, period_type: str) -> int:
    """The month a value of this period type is kept at: a quarterly figure at its
    quarter's first month, a yearly one at January; monthly and on-change at the month."""
    year, month = divmod(period, 100)
    if period_type == "quarterly":
        return year * 100 + (month - 1) // 3 * 3 + 1
    if period_type == "yearly":
        return year * 100 + 1
    return period
