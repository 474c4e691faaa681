"""Admins keep the catalogue: add, edit and retire tags (a retired tag keeps its values and
history, and takes no new value), one at a time or as an XLSX/CSV file, all or nothing;
every change audited. A tag that already holds values keeps its type, level and period."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from modules.ledger.checks import Refused
from modules.ledger.models import (
    LEVELS,
    PERIOD_TYPES,
    ROLLUPS,
    SENSITIVITIES,
    VALUE_TYPES,
    LedgerTag,
    LedgerValue,
)
from modules.ledger.rules import BadRule, parse
from modules.ledger.tags import CATALOGUE, PERIOD_ZH, ROLLUP_ZH, SENSITIVITY_ZH, TYPE_ZH
from modules.sdk import Columns, FileRefused, Viewer, csv_bytes, read_rows, record_audit, xlsx_bytes

CODE = re.compile(r"^[A-Z]{2}\d{3}$")
# The file's columns: field → (zh-CN header, other accepted headers).
FIELDS: dict[str, tuple[str, ...]] = {
    "code": ("编码", "code"),
    "name": ("名称", "name"),
    "measure": ("计量单位", "measure"),
    "value_type": ("类型", "value_type"),
    "domain": ("领域", "domain"),
    "department": ("部门", "department"),
    "level": ("填报层级", "level"),
    "period_type": ("报送周期", "period_type"),
    "required": ("必填", "required"),
    "min_value": ("下限", "min"),
    "max_value": ("上限", "max"),
    "choices": ("选项", "choices"),
    "rule": ("规则", "rule"),
    "rollup": ("汇总方式", "rollup"),
    "weight_code": ("加权标签", "weight"),
    "sensitivity": ("密级", "sensitivity"),
    "retired": ("已停用", "retired"),
}
LABELS = {
    "value_type": TYPE_ZH,
    "level": {"village": "村", "town": "镇街"},
    "period_type": PERIOD_ZH,
    "rollup": ROLLUP_ZH,
    "sensitivity": SENSITIVITY_ZH,
}
ALLOWED = {
    "value_type": VALUE_TYPES,
    "level": LEVELS,
    "period_type": PERIOD_TYPES,
    "rollup": ROLLUPS,
    "sensitivity": SENSITIVITIES,
}
YES = {"是", "yes", "y", "true", "1", "√"}
NO = {"否", "no", "n", "false", "0", "", "none"}


@dataclass
class CatalogueReport:
    ok: bool
    errors: list[str] = field(default_factory=list)
    added: int = 0
    changed: int = 0
    retired: int = 0


def _choice(name: str, text: str) -> str:
    """A stored key from its key or its zh-CN label (整数 → integer)."""
    text = text.strip()
    if text in ALLOWED[name]:
        return text
    for key, label in LABELS[name].items():
        if text == label:
            return key
    if name == "level" and text in ("村（社区）", "村居", "村"):
        return "village"
    options = "、".join(LABELS[name].values())
    raise Refused(f"{name}: {text!r} is not allowed", f"只能填 {options}，收到「{text}」")


def _flag(text: object) -> bool:
    value = "" if text is None else str(text).strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise Refused(f"{text!r} is not yes or no", f"只能填 是 或 否，收到「{text}」")


def _number(text: object) -> float | None:
    if text is None or str(text).strip() == "":
        return None
    try:
        return float(str(text).replace(",", ""))
    except ValueError:
        raise Refused(f"{text!r} is not a number", f"应填数字，收到「{text}」") from None


def _text(value: object, limit: int) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        raise Refused(f"longer than {limit}", f"最多 {limit} 个字，收到 {len(text)} 个")
    return text


def parse_fields(raw: dict) -> dict:
    """The tag's attributes from a JSON body or a file row; FieldRefused names the first
    bad field."""
    found: dict = {}
    parsers = {
        "name": lambda v: _text(v, 100),
        "measure": lambda v: _text(v, 20),
        "domain": lambda v: _text(v, 20),
        "department": lambda v: _text(v, 40),
        "choices": lambda v: "/".join(
            p.strip() for p in _text(v, 500).replace("、", "/").split("/") if p.strip()
        ),
        "rule": lambda v: _text(v, 100),
        "weight_code": lambda v: _text(v, 16).upper(),
        "required": _flag,
        "min_value": _number,
        "max_value": _number,
        "value_type": lambda v: _choice("value_type", _text(v, 20)),
        "level": lambda v: _choice("level", _text(v, 20)),
        "period_type": lambda v: _choice("period_type", _text(v, 20)),
        "rollup": lambda v: _choice("rollup", _text(v, 20)),
        "sensitivity": lambda v: _choice("sensitivity", _text(v, 20)),
    }
    for name, parser in parsers.items():
        # A blank choice keeps what the tag has (or its default): a file may leave it out.
        if name in ALLOWED and (raw.get(name) is None or str(raw.get(name)).strip() == ""):
            continue
        if name in raw:
            try:
                found[name] = parser(raw[name])
            except Refused as refused:
                raise FieldRefused(name, refused) from None
    return found


class FieldRefused(Refused):
    """A bad field: `reason_zh` names it (类型只能填 ...), `detail_zh` does not."""

    def __init__(self, name: str, refused: Refused) -> None:
        label = FIELDS[name][0]
        super().__init__(f"{name}: {refused.reason}", f"{label}{refused.reason_zh}")
        self.field, self.detail_zh = name, refused.reason_zh


def save_tag(
    session: Session, viewer: Viewer, code: str, raw: dict, create: bool
) -> tuple[LedgerTag, str]:
    """Add (create) or edit one tag; returns it and "added", "changed" or "unchanged".
    Refused (with the field's name in zh-CN) for anything wrong; nothing is written then."""
    if not viewer.can(CATALOGUE):
        raise Refused("managing the catalogue needs ledger.catalogue", "只有管理员可以修改共享标签")
    code = (code or "").strip().upper()
    if not CODE.match(code):
        raise Refused(f"tag code {code!r}", f"编码「{code}」应为两个大写字母加三位数字，如 RK015")
    tag = session.scalar(select(LedgerTag).where(LedgerTag.code == code))
    if create and tag is not None:
        raise Refused(f"{code} exists", f"编码 {code} 已被「{tag.name}」使用")
    if not create and tag is None:
        raise Refused(f"no tag {code}", f"没有编码为 {code} 的标签")
    values = parse_fields(raw)
    if tag is None:
        missing = [
            n for n in ("name", "value_type", "domain", "level", "period_type") if not values.get(n)
        ]
        if missing:
            raise Refused(
                f"missing: {', '.join(missing)}",
                f"新标签必须填写：{'、'.join(FIELDS[n][0] for n in missing)}",
            )
        tag = LedgerTag(
            code=code,
            measure="",
            department="",
            required=False,
            choices="",
            rule="",
            rollup="sum" if values["value_type"] in ("integer", "decimal") else "none",
            weight_code="",
            sensitivity="public",
            position=_next_position(session),
        )
        state = "added"
    else:
        state = "changed"
        fixed = [
            n
            for n in ("value_type", "level", "period_type")
            if n in values and values[n] != getattr(tag, n)
        ]
        if fixed and session.scalar(select(exists().where(LedgerValue.tag_code == code))):
            names = "、".join(FIELDS[n][0] for n in fixed)
            raise Refused(
                f"{code} holds values: {', '.join(fixed)} cannot change",
                f"「{tag.name}」已有数据，不能修改{names}；请停用后新建标签",
            )
    before = {n: getattr(tag, n) for n in values} if state == "changed" else {}
    for name, value in values.items():
        setattr(tag, name, value)
    _consistent(session, tag)
    if state == "changed" and all(before[n] == getattr(tag, n) for n in values):
        return tag, "unchanged"
    session.add(tag)
    session.flush()
    record_audit(
        session,
        "data.change",
        viewer,
        target=f"ledger.tag:{code}",
        detail={"action": state, "fields": sorted(values)},
    )
    return tag, state


def _consistent(session: Session, tag: LedgerTag) -> None:
    numeric = tag.value_type in ("integer", "decimal", "percent")
    if tag.value_type == "choice" and tag.choices.count("/") < 1:
        raise Refused("a choice needs two options", "选项类标签至少要有两个选项，用 / 分隔")
    if tag.min_value is not None and tag.max_value is not None and tag.min_value > tag.max_value:
        raise Refused("min above max", "下限不能大于上限")
    if tag.rollup in ("sum", "mean", "max") and not numeric:
        raise Refused("only numbers roll up", "只有数字类标签可以汇总，请把汇总方式改为 不汇总")
    known = {c: c for c in session.scalars(select(LedgerTag.code))} | {tag.code: tag.code}
    if tag.weight_code and tag.weight_code not in known:
        raise Refused("unknown weight", f"加权标签 {tag.weight_code} 不存在")
    try:
        rule = parse(tag.code, tag.rule, known)
    except BadRule:
        raise Refused(
            f"rule {tag.rule!r}",
            f"规则「{tag.rule}」应写成 <=、>=、<、> 或 = 加另一个标签的编码，如 <= RK002",
        ) from None
    if rule is not None:
        _across_levels(session, tag, rule.right)


def _across_levels(session: Session, tag: LedgerTag, right: str) -> None:
    """A rule naming a tag of the other level compares a town's own figure with its
    villages' roll-up of that tag: only from a town-level number to a village-level number
    that rolls up."""
    other = session.scalar(select(LedgerTag).where(LedgerTag.code == right))
    if other is None or other.level == tag.level:
        return
    numbers = ("integer", "decimal", "percent")
    if tag.level != "town":
        raise Refused(
            f"a rule across levels belongs on the town-level tag {right}",
            f"跨层级的规则只能写在镇街标签上（比较本镇数与各村汇总），「{other.name}」是镇街标签",
        )
    if tag.value_type not in numbers or other.value_type not in numbers:
        raise Refused("only numbers compare across levels", "跨层级的规则只能比较数字类标签")
    if other.rollup == "none":
        raise Refused(f"{right} does not roll up", f"「{other.name}」不汇总，不能与镇街的数比较")


def _next_position(session: Session) -> int:
    positions = list(session.scalars(select(LedgerTag.position)))
    return max(positions, default=0) + 1


def retire(session: Session, viewer: Viewer, code: str, retired: bool = True) -> str:
    """Retire (or restore) a tag; its values and history stay."""
    if not viewer.can(CATALOGUE):
        raise Refused("managing the catalogue needs ledger.catalogue", "只有管理员可以修改共享标签")
    tag = session.scalar(select(LedgerTag).where(LedgerTag.code == (code or "").upper()))
    if tag is None:
        raise Refused(f"no tag {code}", f"没有编码为 {code} 的标签")
    if (tag.retired_at is not None) == retired:
        return "unchanged"
    tag.retired_at = datetime.now(UTC) if retired else None
    record_audit(
        session,
        "data.change",
        viewer,
        target=f"ledger.tag:{tag.code}",
        detail={"action": "retire" if retired else "restore"},
    )
    session.flush()
    return "retired" if retired else "restored"


def catalogue_rows(session: Session) -> tuple[list[str], list[list]]:
    header = [names[0] for names in FIELDS.values()]
    rows = []
    for tag in session.scalars(select(LedgerTag).order_by(LedgerTag.position, LedgerTag.code)):
        rows.append(
            [
                tag.code,
                tag.name,
                tag.measure,
                TYPE_ZH[tag.value_type],
                tag.domain,
                tag.department,
                LABELS["level"][tag.level],
                PERIOD_ZH[tag.period_type],
                "是" if tag.required else "否",
                tag.min_value,
                tag.max_value,
                tag.choices,
                tag.rule,
                ROLLUP_ZH[tag.rollup],
                tag.weight_code,
                SENSITIVITY_ZH[tag.sensitivity],
                "是" if tag.retired_at else "否",
            ]
        )
    return header, rows


def catalogue_xlsx(session: Session) -> bytes:
    header, rows = catalogue_rows(session)
    return xlsx_bytes([("共享标签", header, rows)])


def catalogue_csv(session: Session) -> bytes:
    header, rows = catalogue_rows(session)
    return csv_bytes(header, rows)


def import_catalogue(
    session: Session, viewer: Viewer, data: bytes, filename: str
) -> CatalogueReport:
    """Add, edit and retire tags from a file (the export's columns), all or nothing."""
    if not viewer.can(CATALOGUE):
        return CatalogueReport(False, ["只有管理员可以导入共享标签"])
    columns = Columns(fields=FIELDS, required=("code",))
    try:
        table = read_rows(data, filename, columns, max_rows=5_000, max_bytes=5 * 1024 * 1024)
    except FileRefused as refused:
        return CatalogueReport(False, [e.text_zh() for e in refused.errors])
    report = CatalogueReport(True)
    seen: dict[str, int] = {}
    with session.begin_nested() as nested:
        for number, row in table.rows:
            code = str(row.get("code") or "").strip().upper()
            if code in seen:
                report.errors.append(f"第 {number} 行（编码）：与第 {seen[code]} 行重复")
                continue
            seen[code] = number
            exists_now = session.scalar(select(LedgerTag.id).where(LedgerTag.code == code))
            fields = {k: v for k, v in row.items() if k not in ("code", "retired")}
            try:
                _, state = save_tag(session, viewer, code, fields, create=exists_now is None)
                if "retired" in row and row["retired"] not in (None, ""):
                    flag = _flag(row["retired"])
                    if retire(session, viewer, code, flag) == "retired":
                        report.retired += 1
            except FieldRefused as refused:
                label = FIELDS[refused.field][0]
                report.errors.append(f"第 {number} 行（{label}）：{refused.detail_zh}")
                continue
            except Refused as refused:
                report.errors.append(f"第 {number} 行：{refused.reason_zh}")
                continue
            report.added += state == "added"
            report.changed += state == "changed"
        if report.errors:
            nested.rollback()
            report.ok = False
    return report
