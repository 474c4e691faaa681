"""Rules across tags of one unit and period (DHIS2's validation rules, the kind a clerk
meets on entry): "60岁以上老人 <= 常住人口". A rule is written on its left tag as
`<op> <code>`; it is checked whenever either side changes."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass

from modules.ledger.checks import Refused, TagLike, shown

OPERATORS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}
# What the clerk is told when the rule fails: "左 1,240 大于 右 1,180".
BROKEN_ZH = {"<=": "大于", ">=": "小于", "<": "不小于", ">": "不大于"}


class BadRule(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    left: str
    op: str
    right: str

    def broken(self, left: float, right: float) -> bool:
        return not OPERATORS[self.op](left, right)

    def refusal(self, names: Mapping[str, TagLike], left: float, right: float) -> Refused:
        left_name, right_name = names[self.left].name, names[self.right].name
        return Refused(
            f"{self.left} {left:g} breaks the rule {self.left} {self.op} {self.right} "
            f"({self.right} is {right:g})",
            f"{left_name} {shown(left)} {BROKEN_ZH[self.op]} {right_name} {shown(right)}",
        )


def parse(left: str, text: str, known: Mapping[str, object]) -> Rule | None:
    """The rule written on tag `left`, or None for none; BadRule when it cannot be read."""
    text = text.strip()
    if not text:
        return None
    parts = text.split()
    if len(parts) != 2 or parts[0] not in OPERATORS:
        raise BadRule(f"rule {text!r}: write an operator (<=, >=, <, >) and a tag code")
    if parts[1] not in known or parts[1] == left:
        raise BadRule(f"rule {text!r}: no other tag has the code {parts[1]}")
    return Rule(left, parts[0], parts[1])


def rules_of(tags: Mapping[str, TagLike]) -> dict[str, list[Rule]]:
    """Tag code → the rules that read it (its own and those naming it on their right)."""
    found: dict[str, list[Rule]] = {}
    for code, tag in tags.items():
        rule = parse(code, getattr(tag, "rule", ""), tags)
        if rule is None:
            continue
        found.setdefault(rule.left, []).append(rule)
        found.setdefault(rule.right, []).append(rule)
    return found
