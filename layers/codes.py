"""The 12-digit statistical division codes `PP CC DD TTT VVV` and the four levels.

"Inside jurisdiction J" is "code starts with J's significant prefix": portable across
SQL engines, index-friendly and exact.
"""

from __future__ import annotations

import re

LEVELS: tuple[str, ...] = ("city", "county", "town", "village")
LEVEL_LABELS: dict[str, str] = {"city": "市", "county": "区县", "town": "镇街", "village": "村居"}
# Significant digits of a code at each level.
PREFIX_LENGTH: dict[str, int] = {"city": 4, "county": 6, "town": 9, "village": 12}

_DIGITS = re.compile(r"^\d+$")


class InvalidCode(ValueError):
    """A string that is not a division code."""


def normalize(code: str | int) -> str:
    """Return the 12-digit form of a 4-, 6-, 9- or 12-digit code ("350304" -> "350304000000")."""
    text = str(code).strip()
    if not _DIGITS.match(text) or len(text) not in (4, 6, 9, 12):
        raise InvalidCode(f"not a division code: {code!r} (expected 4, 6, 9 or 12 digits)")
    return text.ljust(12, "0")


def level_of(code: str) -> str:
    """The level of a code: the shortest significant prefix after which only zeros follow."""
    full = normalize(code)
    if full[4:] == "00000000":
        return "city"
    if full[6:] == "000000":
        return "county"
    if full[9:] == "000":
        return "town"
    return "village"


def prefix(code: str) -> str:
    """The significant prefix: every code inside this unit starts with it."""
    full = normalize(code)
    return full[: PREFIX_LENGTH[level_of(full)]]


def parent_of(code: str) -> str | None:
    """The 12-digit code of the unit one level up, or None for a city."""
    full = normalize(code)
    level = level_of(full)
    if level == "city":
        return None
    up = LEVELS[LEVELS.index(level) - 1]
    return full[: PREFIX_LENGTH[up]].ljust(12, "0")


def child_level(level: str) -> str | None:
    """The level below, or None for villages."""
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None


def covers(jurisdiction: str, code: str) -> bool:
    """True when `code` lies inside (or is) the unit `jurisdiction`."""
    return normalize(code).startswith(prefix(jurisdiction))


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
