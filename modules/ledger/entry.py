"""Entering values, from any channel (grid, import, API): every item is checked on the
server (the viewer's right to write, the unit's scope and level, the period, the tag's
rules, rules across tags) and answered accepted, unchanged or refused with the reason.
Nothing the browser or a file says about who may write is believed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from modules.ledger import periods
from modules.ledger.approval import lock_refusal, locked_until
from modules.ledger.checks import Checked, Refused, check
from modules.ledger.models import LedgerTag, LedgerValue
from modules.ledger.rules import rules_of
from modules.ledger.tags import LEVEL_ZH, WRITE, all_tags
from modules.ledger.values import Held, Write, apply, carried
from modules.sdk import ROLE_LABELS, DivisionCode, InvalidCode, Viewer, units

ACCEPTED, UNCHANGED, REFUSED = "accepted", "unchanged", "refused"


@dataclass(frozen=True)
class Change:
    """One cell as sent: every field may be anything a client chose to send."""

    unit: object
    tag: object
    period: object
    value: object


@dataclass(frozen=True)
class Outcome:
    unit: str
    tag: str
    period: str
    status: str
    value: str | None = None
    reason: str = ""
    reason_zh: str = ""

    def as_json(self) -> dict:
        body = {"unit": self.unit, "tag": self.tag, "period": self.period, "status": self.status}
        if self.status == REFUSED:
            body |= {"error": self.reason, "error_zh": self.reason_zh}
        else:
            body["value"] = self.value
        return body


@dataclass
class Saved:
    outcomes: list[Outcome] = field(default_factory=list)
    written: bool = False

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == REFUSED]


@dataclass(frozen=True)
class _Ready:
    tag: LedgerTag
    unit: str
    month: int  # the month asked for
    start: int  # the month the value is kept from
    checked: Checked


def save(
    session: Session,
    viewer: Viewer,
    changes: list[Change],
    channel: str,
    all_or_nothing: bool = False,
    today: datetime | None = None,
    write: bool = True,
) -> Saved:
    """Check every change and store those accepted (all of them or none when
    `all_or_nothing`, as an import is; none when not `write`), in the caller's
    transaction."""
    saved = Saved()
    tags = all_tags(session, retired=True)
    active = {code: tag for code, tag in tags.items() if tag.retired_at is None}
    rules = rules_of(active)
    this_month = periods.of_date((today or datetime.now(UTC)).date())
    writable = _Writable(session, viewer)
    ready: dict[tuple[str, str, int], _Ready] = {}
    slots: list[tuple[int, _Ready | None]] = []
    for change in changes:
        unit, code, period = _text(change.unit), _text(change.tag), _text(change.period)
        try:
            item = _prepare(change, tags, writable, this_month)
        except Refused as refused:
            saved.outcomes.append(
                Outcome(unit, code, period, REFUSED, None, refused.reason, refused.reason_zh)
            )
            slots.append((len(saved.outcomes) - 1, None))
            continue
        key = (item.unit, item.tag.code, item.start)
        if key in ready:
            saved.outcomes.append(
                Outcome(
                    unit,
                    code,
                    period,
                    REFUSED,
                    None,
                    "the same cell twice in one request",
                    "同一单元格在本次提交中出现了两次，请只保留一个值",
                )
            )
            slots.append((len(saved.outcomes) - 1, None))
            continue
        ready[key] = item
        saved.outcomes.append(Outcome(item.unit, item.tag.code, periods.label(item.month), ""))
        slots.append((len(saved.outcomes) - 1, item))

    held = _held(session, ready.values(), rules)
    locks = locked_until(session, {item.unit for item in ready.values()})
    writes: list[Write] = []
    for index, item in slots:
        if item is None:
            continue
        outcome = saved.outcomes[index]
        current = held.get((item.unit, item.tag.code, item.month))
        old = current.value if current else None
        # A value as it is stored already is confirmed, never refused: nothing is written.
        if (current is not None and old == item.checked.value) or (
            current is None and item.checked.value is None
        ):
            saved.outcomes[index] = _with(outcome, UNCHANGED, old)
            continue
        if item.start <= locks.get(item.unit, 0):
            refused = lock_refusal(item.tag.name, item.start, locks[item.unit])
            saved.outcomes[index] = _with(outcome, REFUSED, None, refused)
            continue
        try:
            _check_rules(item, ready, held, rules, tags)
        except Refused as refused:
            saved.outcomes[index] = _with(outcome, REFUSED, None, refused)
            continue
        saved.outcomes[index] = _with(outcome, ACCEPTED, item.checked.value)
        writes.append(
            Write(
                item.tag.code, item.unit, item.start, item.checked.value, item.checked.number, old
            )
        )
    if (all_or_nothing and saved.refused) or not write:
        return saved
    apply(session, writes, viewer.login or "system", viewer.name, channel)
    saved.written = bool(writes)
    return saved


def _with(outcome: Outcome, status: str, value: str | None, refused: Refused | None = None):
    reason, reason_zh = (refused.reason, refused.reason_zh) if refused else ("", "")
    return Outcome(outcome.unit, outcome.tag, outcome.period, status, value, reason, reason_zh)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else "" if value is None else str(value)


class _Writable:
    """The units the viewer may write at each level, looked up once per save."""

    def __init__(self, session: Session, viewer: Viewer) -> None:
        self.session, self.viewer = session, viewer
        self._codes: dict[str, dict[str, str]] = {}

    def names(self, level: str) -> dict[str, str]:
        if level not in self._codes:
            self._codes[level] = {u.code: u.name for u in units(self.session, self.viewer, level)}
        return self._codes[level]


def _prepare(change: Change, tags: dict, writable: _Writable, this_month: int) -> _Ready:
    viewer = writable.viewer
    if not viewer.can(WRITE):
        role = ROLE_LABELS.get(viewer.role or "", "访客")
        raise Refused(
            f"the role {viewer.role} may read the ledger but not change it",
            f"{role}账号只能查看一张表，不能修改；请由本辖区的工作人员填报",
        )
    code = _text(change.tag)
    tag = tags.get(code)
    if tag is None:
        raise Refused(
            f"no tag has the code {code!r}", f"没有编码为「{code}」的标签，请核对标签编码"
        )
    if tag.retired_at is not None:
        raise Refused(f"the tag {code} is retired", f"标签「{tag.name}」已停用，不再填报")
    try:
        month = periods.parse(change.period)
    except periods.BadPeriod as bad:
        raise Refused(str(bad), bad.reason_zh) from None
    if month > this_month:
        raise Refused(
            f"{periods.label(month)} has not begun",
            f"{periods.label_zh(month)}还没到，不能提前填报",
        )
    unit = _unit(change.unit, tag, writable)
    return _Ready(
        tag, unit, month, periods.start_of(month, tag.period_type), check(tag, change.value)
    )


def _unit(raw: object, tag: LedgerTag, writable: _Writable) -> str:
    text = _text(raw)
    try:
        code = DivisionCode.parse(text)
    except InvalidCode:
        raise Refused(
            f"{text!r} is not a unit code", f"「{text}」不是单位编码（12 位行政区划代码）"
        ) from None
    if code in writable.names(tag.level):
        return str(code)
    if code.level in ("village", "town") and code in writable.names(code.level):
        raise Refused(
            f"{tag.code} is kept by each {tag.level}, {code} is a {code.level}",
            f"「{tag.name}」按{LEVEL_ZH[tag.level]}填报，{writable.names(code.level)[code]}"
            f"是{LEVEL_ZH[code.level]}",
        )
    # Outside the scope and no such unit answer alike: nobody learns what lies outside.
    raise Refused(
        f"the unit {code} is not in your jurisdiction",
        f"单位 {code} 不在您的辖区内，不能填报",
    )


def _held(session: Session, items, rules) -> dict[tuple[str, str, int], Held]:
    """What each cell the items touch (and the other sides of their rules) reads now."""
    wanted: dict[int, tuple[set[str], set[str]]] = {}
    for item in items:
        tag_codes, unit_codes = wanted.setdefault(item.month, (set(), set()))
        tag_codes.add(item.tag.code)
        tag_codes.update(c for r in rules.get(item.tag.code, ()) for c in (r.left, r.right))
        unit_codes.add(item.unit)
    found = {}
    for month, (tag_codes, unit_codes) in wanted.items():
        for (unit, tag), held in carried(
            session, tag_codes, month, LedgerValue.unit_code.in_(sorted(unit_codes))
        ).items():
            found[(unit, tag, month)] = held
    return found


def _check_rules(item: _Ready, ready, held, rules, tags) -> None:
    if item.checked.number is None:
        return
    for rule in rules.get(item.tag.code, ()):
        sides = {}
        for code in (rule.left, rule.right):
            if code == item.tag.code:
                sides[code] = item.checked.number
                continue
            other = tags[code]
            pending = ready.get((item.unit, code, periods.start_of(item.month, other.period_type)))
            if pending is not None:
                sides[code] = pending.checked.number
            else:
                current = held.get((item.unit, code, item.month))
                sides[code] = current.number if current else None
        left, right = sides[rule.left], sides[rule.right]
        if left is not None and right is not None and rule.broken(left, right):
            raise rule.refusal(tags, left, right)
