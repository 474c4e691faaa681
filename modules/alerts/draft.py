"""What a send would do, before it does it: the recipients, each one's message, the drill
(演练) marking, the fields that would be empty, and whether the count needs confirming.

The preview and the send both build a Draft, so the page shows exactly what the outbox will
store, and a send refuses what the preview flags: a field empty for someone (a broken
sentence), or more recipients than `confirm_over` without the count confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from modules.alerts.audience import (
    MAX_TEXT,
    Audience,
    AudienceRefused,
    Resolved,
    check_text,
    empty_fields,
    field_values,
    render_all,
    resolve,
)
from modules.alerts.settings import confirm_over
from modules.sdk import CoreServices, Viewer

DRILL_MARK = "【演练】"
MARK, FILE_ONLY = "mark", "file"
# How a drill's messages go out, as the sender chooses (page and API).
DRILL_MODES: dict[str, str] = {
    MARK: "标注【演练】后照常发送",
    FILE_ONLY: "仅写入文件，不发送短信",
}
# What to do about a field that is empty for some recipients.
EMPTY_HINTS: dict[str, str] = {
    "风圈等级": "他们的重点部位不在十级风圈内：请勾选风圈人员，或删去该字段",
    "重点部位": "请选择重点部位，或删去该字段",
}


class ConfirmNeeded(AudienceRefused):
    """More recipients than the threshold and no matching confirmation: ask, with the count."""

    def __init__(self, count: int, threshold: int) -> None:
        self.count = count
        self.threshold = threshold
        super().__init__(
            f"将发送给 {count} 人（超过 {threshold} 人需确认）：请核对人数后确认发送。"
        )


def drill_mode(value: object) -> str:
    """The sender's choice for a drill's messages (default: marked 【演练】)."""
    if value in (None, ""):
        return MARK
    if value not in DRILL_MODES:
        raise AudienceRefused(
            "演练短信的处理方式须为 mark（标注【演练】后发送）或 file（仅写入文件）"
        )
    return str(value)


def confirmed_count(value: object) -> int | None:
    """The count a sender confirmed (an integer, or its digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


@dataclass(frozen=True)
class Draft:
    resolved: Resolved
    text: str  # as it will be stored: with 【演练】 in front for a drill
    bodies: list[str]
    drill: str  # "" (not a drill), MARK or FILE_ONLY
    from_drill_exposure: bool  # the drill comes from the exposure, not the sender's mark
    empty: dict[str, int]  # field: recipients it is empty for
    threshold: int

    @property
    def count(self) -> int:
        return len(self.resolved.recipients)

    @property
    def needs_confirm(self) -> bool:
        return self.count > self.threshold

    def empty_notes(self) -> list[str]:
        """One sentence per empty field: which, for how many, what to do."""
        return [
            f"{{{name}}} 对 {n} 人为空：{EMPTY_HINTS.get(name, '请补全或删去该字段')}"
            for name, n in self.empty.items()
        ]

    def drill_note(self) -> str:
        if not self.drill:
            return ""
        why = "所选风圈为演练发布" if self.from_drill_exposure else "已标为演练"
        return f"演练（{why}）：{DRILL_MODES[self.drill]}"

    def check(self, confirm: object) -> None:
        """Refuse a message with an empty field; ask to confirm a large count."""
        if self.empty:
            raise AudienceRefused(
                "短信中有字段为空，补全后才能发送：" + "；".join(self.empty_notes())
            )
        if self.needs_confirm and confirmed_count(confirm) != self.count:
            raise ConfirmNeeded(self.count, self.threshold)


def prepare(
    session: Session,
    viewer: Viewer,
    core: CoreServices,
    audience: Audience,
    text: object,
    *,
    drill: bool = False,
    mode: object = None,
    threshold: int | None = None,
    moment: datetime | None = None,
) -> Draft:
    """The draft of a send; AudienceRefused for a text or audience that cannot go out."""
    body = check_text(text)
    chosen_mode = drill_mode(mode)
    resolved = resolve(session, viewer, core, audience)
    if not resolved.recipients:
        raise AudienceRefused("没有符合条件的收件人：请换一个单位或群组，或先导入联系人。")
    if resolved.drill_sites and resolved.live_sites:
        raise AudienceRefused(
            f"十级风圈内的重点部位既有演练发布的（{resolved.drill_sites} 个）也有实况的"
            f"（{resolved.live_sites} 个）：一条短信不能既是演练又是实况，请改选重点部位分开发送。"
        )
    from_exposure = resolved.drill_sites > 0
    is_drill = drill or from_exposure or body.startswith(DRILL_MARK)
    if is_drill and not body.startswith(DRILL_MARK):
        body = DRILL_MARK + body
        if len(body) > MAX_TEXT:
            raise AudienceRefused(f"加上{DRILL_MARK}后短信超过 {MAX_TEXT} 字，请删减")
    values = field_values(session, resolved, moment)
    return Draft(
        resolved=resolved,
        text=body,
        bodies=render_all(session, body, resolved, moment, values),
        drill=chosen_mode if is_drill else "",
        from_drill_exposure=from_exposure and not drill,
        empty=empty_fields(body, values),
        threshold=confirm_over() if threshold is None else threshold,
    )
