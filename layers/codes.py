"""The 12-digit statistical division codes `PP CC DD TTT VVV` and the four levels.

"Inside jurisdiction J" is "code starts with J's significant prefix": portable across
SQL engines, index-friendly and exact.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

LEVELS: tuple[str, ...] = ("city", "county", "town", "village")
LEVEL_LABELS: dict[str, str] = {"city": "市", "county": "区县", "town": "镇街", "village": "村居"}
# Significant digits of a code at each level.
PREFIX_LENGTH: dict[str, int] = {"city": 4, "county": 6, "town": 9, "village": 12}

_DIGITS = re.compile(r"^\d+$")


class InvalidCode(ValueError):
    """A string that is not a division code."""


class DivisionCode(str):
    """A checked 12-digit division code, made once where a code enters (a URL, a form, a
    file) with `DivisionCode.parse`. It is a `str`, so it goes wherever a code goes; the
    functions below take it as it is, without checking or padding it again."""

    __slots__ = ("level", "prefix")
    level: str
    prefix: str  # the significant prefix: every code inside this unit starts with it

    @classmethod
    def parse(cls, code: str | int) -> DivisionCode:
        """The code of a 4-, 6-, 9- or 12-digit string; InvalidCode for anything else."""
        if type(code) is cls:
            return code
        text = str(code).strip()
        if not _DIGITS.match(text) or len(text) not in (4, 6, 9, 12):
            raise InvalidCode(f"not a division code: {code!r} (expected 4, 6, 9 or 12 digits)")
        made = super().__new__(cls, text.ljust(12, "0"))
        made.level = _level_of_full(made)
        made.prefix = made[: PREFIX_LENGTH[made.level]]
        return made

    @property
    def parent(self) -> DivisionCode | None:
        """The unit one level up, or None for a city."""
        if self.level == "city":
            return None
        up = LEVELS[LEVELS.index(self.level) - 1]
        return DivisionCode.parse(self[: PREFIX_LENGTH[up]])

    def covers(self, code: str) -> bool:
        """True when `code` lies inside (or is) this unit."""
        return DivisionCode.parse(code).startswith(self.prefix)


def _level_of_full(full: str) -> str:
    if full[4:] == "00000000":
        return "city"
    if full[6:] == "000000":
        return "county"
    if full[9:] == "000":
        return "town"
    return "village"


def normalize(code: str | int) -> DivisionCode:
    """Return the 12-digit form of a 4-, 6-, 9- or 12-digit code ("350304" -> "350304000000")."""
    return DivisionCode.parse(code)


def level_of(code: str) -> str:
    """The level of a code: the shortest significant prefix after which only zeros follow."""
    return DivisionCode.parse(code).level


def prefix(code: str) -> str:
    """The significant prefix: every code inside this unit starts with it."""
    return DivisionCode.parse(code).prefix


def parent_of(code: str) -> str | None:
    """The 12-digit code of the unit one level up, or None for a city."""
    return DivisionCode.parse(code).parent


def child_level(level: str) -> str | None:
    """The level below, or None for villages."""
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None


def covers(jurisdiction: str, code: str) -> bool:
    """True when `code` lies inside (or is) the unit `jurisdiction`."""
    return DivisionCode.parse(jurisdiction).covers(code)


def town_kind(code: str) -> str:
    """街道 (sub-district, TTT 0xx), 镇 (1xx), 乡 (2xx) or 特殊 (farms, zones: 4xx, 5xx)."""
    ttt = int(normalize(code)[6:9])
    if ttt < 100:
        return "街道"
    if ttt < 200:
        return "镇"
    if ttt < 400:
        return "乡"
    return "特殊"


def prefix_range(column: Any, jurisdiction: str) -> ColumnElement[bool]:
    """SQL: `column` (a 12-digit code) starts with the jurisdiction's significant prefix,
    as an index-friendly range: codes are fixed-width digit strings, so "starts with 350303"
    is exactly "350303" <= code < "350304"."""
    low = prefix(jurisdiction)
    if set(low) == {"9"}:
        return column >= low
    high = str(int(low) + 1).zfill(len(low))
    return and_(column >= low, column < high)


def within_any(column: Any, scopes: tuple[str, ...]) -> ColumnElement[bool]:
    """SQL: `column` lies inside one of `scopes`; false for none."""
    if not scopes:
        return false()
    return or_(*(prefix_range(column, scope) for scope in scopes))
