"""Rules across tags (DHIS2's validation rules, the kind a clerk meets on entry): "60岁以上老人
<= 常住人口". A rule is written on its left tag as `<op> <code>`.

Between two tags kept at the same level, the rule compares one unit's figures of the same
month and refuses a value that breaks it, whichever side changes. Written on a town-level
tag and naming a village-level one (`= RK001`), it is a comparison instead: the town's own
figure against the sum (the roll-up) of its villages' figures, shown beside each other on
the towns' sheet and highlighted when the rule is broken, never refused (the town and its
villages keep their figures at different times)."""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass

from modules.ledger.checks import Refused, TagLike, shown


def _equal(left: float, right: float) -> bool:
    # Decimal figures are summed in floating point: 0.1 + 0.2 must equal 0.3.
    return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-6)


OPERATORS = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
    "=": _equal,
}
# What the clerk is told when the rule fails: "左 1,240 大于 右 1,180".
BROKEN_ZH = {"<=": "大于", ">=": "小于", "<": "不小于", ">": "不大于", "=": "不等于"}


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
        raise BadRule(f"rule {text!r}: write an operator (<=, >=, <, >, =) and a tag code")
    if parts[1] not in known or parts[1] == left:
        raise BadRule(f"rule {text!r}: no other tag has the code {parts[1]}")
    return Rule(left, parts[0], parts[1])


def across_levels(tags: Mapping[str, TagLike], rule: Rule) -> bool:
    """Whether the rule compares a town's figure with its villages' roll-up."""
    return getattr(tags[rule.left], "level", "") != getattr(tags[rule.right], "level", "")


def _all_rules(tags: Mapping[str, TagLike]) -> list[Rule]:
    """Every rule among `tags`; one naming a tag that is not there (retired) is not checked."""
    found = []
    for code, tag in tags.items():
        try:
            rule = parse(code, getattr(tag, "rule", ""), tags)
        except BadRule:
            continue
        if rule is not None:
            found.append(rule)
    return found


def rules_of(tags: Mapping[str, TagLike]) -> dict[str, list[Rule]]:
    """Tag code → the rules checked on entry that read it (its own and those naming it on
    their right); comparisons across levels are not among them."""
    found: dict[str, list[Rule]] = {}
    for rule in _all_rules(tags):
        if across_levels(tags, rule):
            continue
        found.setdefault(rule.left, []).append(rule)
        found.setdefault(rule.right, []).append(rule)
    return found


def comparisons(tags: Mapping[str, TagLike]) -> dict[str, Rule]:
    """Town-level tag code → its rule against a village-level tag's roll-up."""
    return {rule.left: rule for rule in _all_rules(tags) if across_levels(tags, rule)}
