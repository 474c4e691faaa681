"""Events (事件): opening one, its response level and history, a drill's replay clock, the
end; and the SituationEvent the modules are asked about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.consult.access import require_run
from modules.consult.models import KINDS, ConsultEvent, ConsultLevel
from modules.consult.refusals import Refused
from modules.sdk import (
    CoreServices,
    Forbidden,
    NotFound,
    SituationEvent,
    Viewer,
    record_audit,
    require_unit,
)

KIND_ZH = {"typhoon": "台风", "rainstorm": "暴雨", "flood": "洪水"}
LEVEL_ZH = {
    0: "未启动应急响应",
    4: "Ⅳ级（四级）应急响应",
    3: "Ⅲ级（三级）应急响应",
    2: "Ⅱ级（二级）应急响应",
    1: "Ⅰ级（一级）应急响应",
}
BEIJING = timedelta(hours=8)
MAX_CLOCK_STEP = timedelta(days=10)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def beijing(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return (moment + BEIJING).strftime(fmt) if moment else ""


def parse_beijing(text: object) -> datetime:
    """'2015-09-28 14:00' (or ISO 8601 with a zone) in Beijing time → UTC."""
    value = str(text or "").strip().replace("T", " ")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Refused(
            f"not a time: {value!r}", f"时间「{value}」无法识别，请写成 2015-09-28 14:00"
        ) from None
    if moment.tzinfo is None:
        return (moment - BEIJING).replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def moment_of(event: ConsultEvent) -> datetime:
    """The situation clock: a drill's replay moment, else now (an ended event: its end)."""
    if event.drill and event.clock is not None:
        return event.clock
    return event.ended_at or now()


def situation_event(event: ConsultEvent) -> SituationEvent:
    return SituationEvent(
        id=event.id,
        kind=event.kind,
        ref=event.ref,
        scope=event.scope_code,
        title=event.title,
        started_at=event.started_at,
        drill=event.drill,
        level=event.level,
        opened_at=event.created_at,
    )


def title_of(event: ConsultEvent) -> str:
    return event.title + ("（演练）" if event.drill else "")


def _check_level(level: object) -> int:
    try:
        number = int(str(level))
    except ValueError:
        number = -1
    if number not in LEVEL_ZH:
        raise Refused("level must be 0..4", "响应级别应为 Ⅳ级、Ⅲ级、Ⅱ级、Ⅰ级 或 未启动")
    return number


def open_event(
    session: Session,
    viewer: Viewer,
    core: CoreServices,
    *,
    kind: object,
    title: object,
    scope: object = None,
    ref: object = "",
    drill: object = False,
    start: object = None,
    level: object = 0,
) -> ConsultEvent:
    """Open an event in the viewer's jurisdiction (or a unit inside it). A typhoon names a
    storm the typhoon module knows (asked through the situation contract); a drill replays
    a past storm from `start` (Beijing time)."""
    require_run(viewer)
    if kind not in KINDS:
        raise Refused("kind must be typhoon, rainstorm or flood", "事件类型应为 台风、暴雨 或 洪水")
    name = str(title or "").strip()
    if not name or len(name) > 100:
        raise Refused("a title of 1 to 100 characters", "请填写事件名称（不超过 100 字）")
    code = str(scope or viewer.home or "")
    try:
        unit = require_unit(session, viewer, code)
    except (NotFound, Forbidden, ValueError):
        raise Refused("the jurisdiction is not yours", "事件的辖区须在您的辖区之内") from None
    storm = str(ref or "").strip()
    if len(storm) > 40:
        raise Refused("ref too long", "台风编号过长")
    is_drill = drill is True or str(drill).lower() in ("1", "true", "on", "yes")
    started = parse_beijing(start) if (start not in (None, "")) else now()
    if not is_drill and started > now() + timedelta(minutes=5):
        raise Refused("a live event cannot start in the future", "事件开始时间不能晚于现在")
    event = ConsultEvent(
        kind=kind,
        ref=storm,
        title=name,
        scope_code=str(unit),
        drill=is_drill,
        level=_check_level(level),
        started_at=started,
        clock=started if is_drill else None,
        created_by=viewer.login,
    )
    if kind == "typhoon":
        _check_storm(session, viewer, core, event)
    session.add(event)
    session.flush()
    session.add(
        ConsultLevel(event_id=event.id, level=event.level, reason="开启事件", by=viewer.login)
    )
    record_audit(
        session,
        "consult.event.open",
        viewer,
        target=f"consult:event:{event.id}",
        detail={"kind": kind, "ref": storm, "drill": is_drill, "scope": str(unit)},
    )
    return event


def _check_storm(session: Session, viewer: Viewer, core: CoreServices, event: ConsultEvent) -> None:
    if not event.ref:
        raise Refused("a typhoon event names its storm", "台风事件须填写台风编号，如 1521")
    moment = moment_of(event) if event.drill else now()
    answered = core.situation(session, viewer, situation_event(event), moment)
    if not any(item.id == "typhoon.position" for item in answered):
        raise Refused(
            f"no track of storm {event.ref} at that moment",
            f"台风模块没有台风 {event.ref} 在该时刻的路径，请核对编号"
            + ("和演练时间" if event.drill else ""),
        )


def set_level(
    session: Session, viewer: Viewer, event: ConsultEvent, level: object, reason: object
) -> ConsultLevel:
    require_run(viewer, event)
    _refuse_ended(event)
    number = _check_level(level)
    why = str(reason or "").strip()
    if not why:
        raise Refused("say why the level changes", "请填写调整响应级别的理由")
    if number == event.level:
        raise Refused("the level is already in force", f"当前已是{LEVEL_ZH[number]}")
    change = ConsultLevel(event_id=event.id, level=number, reason=why[:500], by=viewer.login)
    event.level = number
    session.add(change)
    record_audit(
        session,
        "consult.level",
        viewer,
        target=f"consult:event:{event.id}",
        detail={"level": number, "reason": why[:500]},
    )
    return change


def move_clock(session: Session, viewer: Viewer, event: ConsultEvent, to: object) -> datetime:
    """A drill's replay clock: to a Beijing time, or by '+6h' / '-1h'."""
    require_run(viewer, event)
    _refuse_ended(event)
    if not event.drill:
        raise Refused("only a drill has a replay clock", "只有演练可以调整推演时间")
    text = str(to or "").strip()
    current = moment_of(event)
    if text[:1] in "+-" and text.endswith("h"):
        try:
            moment = current + timedelta(hours=float(text[:-1]))
        except ValueError:
            raise Refused("say +6h or -1h", "请写成 +6h 或 -1h") from None
    else:
        moment = parse_beijing(text)
    if abs(moment - current) > MAX_CLOCK_STEP:
        raise Refused("at most 10 days at once", "一次最多调整 10 天")
    event.clock = moment
    record_audit(
        session,
        "consult.clock",
        viewer,
        target=f"consult:event:{event.id}",
        detail={"to": moment.isoformat()},
    )
    return moment


def end_event(session: Session, viewer: Viewer, event: ConsultEvent) -> None:
    require_run(viewer, event)
    _refuse_ended(event)
    event.ended_at = now()
    record_audit(session, "consult.event.end", viewer, target=f"consult:event:{event.id}")


def _refuse_ended(event: ConsultEvent) -> None:
    if event.ended_at is not None:
        raise Refused("the event has ended", "事件已结束，不能再修改")


def level_history(session: Session, event: ConsultEvent) -> list[ConsultLevel]:
    return list(
        session.scalars(
            select(ConsultLevel)
            .where(ConsultLevel.event_id == event.id)
            .order_by(ConsultLevel.at, ConsultLevel.id)
        )
    )
