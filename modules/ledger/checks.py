"""One value checked against its tag: type, bounds, choices, required. Pure functions; the
cross-tag rules are in rules.py. Every refusal says in Chinese what is wrong and what to do."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Protocol

YES = {"是", "有", "yes", "y", "true", "1", "√", "✓"}
NO = {"否", "无", "no", "n", "false", "0", "×", "✗"}
TEXT_LIMIT = 500
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


class TagLike(Protocol):
    code: str
    name: str
    measure: str
    value_type: str
    required: bool
    min_value: float | None
    max_value: float | None
    choices: str


class Refused(ValueError):
    """A value the tag's rules refuse: `reason` in English, `reason_zh` for the clerk."""

    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_zh = reason_zh


@dataclass(frozen=True)
class Checked:
    value: str | None  # canonical text, None for blank
    number: float | None  # what roll-ups and rules compare


def shown(number: float | None) -> str:
    """A figure as a clerk writes it: 1,240 or 12.5."""
    if number is None:
        return "空"
    if float(number).is_integer():
        return f"{int(number):,}"
    return f"{number:,.4f}".rstrip("0").rstrip(".")


def figure(tag: TagLike, value: str | None, number: float | None) -> str | float | int | None:
    """A stored value as JSON and the grid show it: integers as integers, other numbers as
    numbers, the rest as text."""
    if value is None:
        return None
    if tag.value_type == "integer" and number is not None:
        return int(number)
    if tag.value_type in ("decimal", "percent"):
        return number
    return value


def check(tag: TagLike, raw: object) -> Checked:
    """The canonical value of `raw` for `tag`, or Refused with the reason."""
    text = _text(raw)
    if text == "":
        if tag.required:
            raise Refused(
                f"{tag.code} is required and may not be blank",
                f"「{tag.name}」是必填项，不能为空；没有请填 0",
            )
        return Checked(None, None)
    kind = tag.value_type
    if kind in ("integer", "decimal", "percent"):
        number = _number(tag, text)
        _bounds(tag, number)
        return Checked(_canonical(number), number)
    if kind == "yesno":
        lowered = text.lower()
        if lowered in YES:
            return Checked("是", 1.0)
        if lowered in NO:
            return Checked("否", 0.0)
        raise Refused(
            f"{tag.code}: {text!r} is not yes or no",
            f"「{tag.name}」只能填 是 或 否，收到「{text}」",
        )
    if kind == "choice":
        options = [c for c in tag.choices.split("/") if c]
        if text not in options:
            raise Refused(
                f"{tag.code}: {text!r} is not one of {options}",
                f"「{tag.name}」只能填 {'、'.join(options)} 之一，收到「{text}」",
            )
        return Checked(text, None)
    if kind == "date":
        return Checked(_date(tag, text), None)
    if len(text) > TEXT_LIMIT:
        raise Refused(
            f"{tag.code}: text longer than {TEXT_LIMIT} characters",
            f"「{tag.name}」最多 {TEXT_LIMIT} 个字，收到 {len(text)} 个",
        )
    return Checked(text, None)


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, date):
        return raw.isoformat()[:10]
    return str(raw).strip()


def _number(tag: TagLike, text: str) -> float:
    cleaned = text.replace(",", "").replace("，", "").replace(" ", "")
    if tag.value_type == "percent":
        cleaned = cleaned.removesuffix("%").removesuffix("％")
    try:
        number = float(cleaned)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        what = {"integer": "整数", "decimal": "数字", "percent": "百分数（0–100）"}
        raise Refused(
            f"{tag.code}: {text!r} is not a number",
            f"「{tag.name}」应填{what[tag.value_type]}，收到「{text}」",
        )
    if tag.value_type == "integer" and not number.is_integer():
        raise Refused(
            f"{tag.code}: {text!r} is not a whole number",
            f"「{tag.name}」应填整数，收到「{text}」",
        )
    return number


def _bounds(tag: TagLike, number: float) -> None:
    measure = tag.measure if tag.measure not in ("%", "‰") else ""
    if tag.min_value is not None and number < tag.min_value:
        raise Refused(
            f"{tag.code}: {number:g} is below the minimum {tag.min_value:g}",
            f"「{tag.name}」{shown(number)}{measure} 小于下限 {shown(tag.min_value)}，请核对",
        )
    if tag.max_value is not None and number > tag.max_value:
        raise Refused(
            f"{tag.code}: {number:g} is above the maximum {tag.max_value:g}",
            f"「{tag.name}」{shown(number)}{measure} 大于上限 {shown(tag.max_value)}，请核对",
        )


def _canonical(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def _date(tag: TagLike, text: str) -> str:
    match = _DATE.match(text.split(" ")[0].split("T")[0])
    try:
        if not match:
            raise ValueError(text)
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise Refused(
            f"{tag.code}: {text!r} is not a date",
            f"「{tag.name}」应填日期，如 2026-11-05，收到「{text}」",
        ) from None
    return day.isoformat()
