"""Patrols: campaigns (汛前巡查) over a jurisdiction, inspections of key points, their status
and the progress of a unit. Scope comes only from the viewer (code_filter / covers / scoped).

A key point's campaign is the newest open campaign whose jurisdiction holds its village. Its
status is that of its latest inspection in that campaign (未巡查 when none); it is overdue when
still not inspected after its patrol period from the campaign's opening, or after the due date.

Opening a campaign over points another open campaign holds moves them to the new one: the
opener is told what moves (`moves_into`) and confirms the count first, and an inspection stays
counted in the campaign it was made in (`campaign_figures`), so the older campaign's progress
does not drop for work already done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.flood.models import RESULTS, FloodCampaign, FloodInspection, FloodKeyPoint
from modules.flood.points import points_for, scope_condition
from modules.sdk import DivisionCode, Forbidden, InvalidCode, NotFound, Viewer, require_unit

LOGGER = logging.getLogger(__name__)

BEIJING = timezone(timedelta(hours=8))
NOT_PATROLLED = "未巡查"
NO_CAMPAIGN = "无巡查任务"
STATUS_OF_RESULT = {"ok": "已巡查正常", "hazard": "发现隐患", "fixed": "已整改"}
# What the form offers (result key, label).
RESULT_CHOICES = (("ok", "正常"), ("hazard", "发现隐患"), ("fixed", "已整改"))
# The order of 我的巡查 after the overdue points.
STATUS_ORDER = {"发现隐患": 0, NOT_PATROLLED: 1, "已整改": 2, "已巡查正常": 3, NO_CAMPAIGN: 4}
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
TEXT_MAX = 2000


class PatrolRefused(ValueError):
    """A campaign or inspection that cannot be saved; the message is zh-CN for the screen."""


@dataclass(frozen=True)
class CampaignMove:
    """Points a new campaign would take from an open one."""

    campaign_id: int
    campaign_name: str
    points: int
    towns: int
    done: int  # inspected in the old campaign: they stay counted there

    def as_dict(self) -> dict:
        return {
            "campaign": self.campaign_id,
            "name": self.campaign_name,
            "points": self.points,
            "towns": self.towns,
            "done": self.done,
        }


def describe_moves(moves: list[CampaignMove], new_name: str) -> str:
    """One sentence per campaign that loses points, in zh-CN."""
    new = f"「{new_name}」" if new_name else "新任务"
    parts = []
    for move in moves:
        text = (
            f"{move.points} 个重点部位（{move.towns} 个镇街）将从「{move.campaign_name}」转入{new}"
        )
        if move.done:
            text += f"，其中已巡查的 {move.done} 个仍计入「{move.campaign_name}」的进度"
        parts.append(text)
    return "；".join(parts) + "。"


class MoveUnconfirmed(PatrolRefused):
    """The new campaign would take points from open ones and the count was not confirmed."""

    def __init__(self, moves: list[CampaignMove], new_name: str) -> None:
        self.moves = moves
        self.points = sum(m.points for m in moves)
        super().__init__(describe_moves(moves, new_name) + "请确认后再发起。")


@dataclass(frozen=True)
class PatrolState:
    status: str
    campaign_id: int | None
    last_at: datetime | None
    overdue: bool
    deadline: datetime | None


def photo_type(data: bytes) -> str:
    """The photo's MIME type by its first bytes; refuses anything but JPEG/PNG ≤ 5 MB."""
    if len(data) > PHOTO_MAX_BYTES:
        raise PatrolRefused(
            f"照片过大（{len(data) / 1024 / 1024:.1f} MB），请上传不超过 5 MB 的照片。"
        )
    for magic, mime in PHOTO_TYPES:
        if data.startswith(magic):
            return mime
    raise PatrolRefused("照片格式不支持：只接受 JPEG 或 PNG 图片。")


def open_campaigns(session: Session) -> list[FloodCampaign]:
    """Every open campaign, newest first (a small table: campaigns are a few a year)."""
    statement = (
        select(FloodCampaign)
        .where(FloodCampaign.closed_at.is_(None))
        .order_by(FloodCampaign.opened_at.desc(), FloodCampaign.id.desc())
    )
    return list(session.scalars(statement))


def campaigns_for(session: Session, viewer: Viewer) -> list[FloodCampaign]:
    """Open campaigns the viewer works in: those over (part of) the viewer's scope."""
    return [
        c
        for c in open_campaigns(session)
        if viewer.covers(c.jurisdiction_code)
        or any(DivisionCode.parse(c.jurisdiction_code).covers(scope) for scope in viewer.scopes)
    ]


def campaign_for(campaigns: list[FloodCampaign], village_code: str) -> FloodCampaign | None:
    return next(
        (c for c in campaigns if DivisionCode.parse(c.jurisdiction_code).covers(village_code)), None
    )


def deadline_of(campaign: FloodCampaign, point: FloodKeyPoint) -> datetime:
    """When the point should have been patrolled: its patrol period after the opening,
    and at the latest the end of the due date (Beijing time)."""
    end_of_due = datetime.combine(campaign.due_date, time(23, 59, 59), BEIJING).astimezone(UTC)
    return min(campaign.opened_at + timedelta(days=point.patrol_every_days), end_of_due)


def statuses(
    session: Session, points: list[FloodKeyPoint], at: datetime | None = None
) -> dict[int, PatrolState]:
    """{point id: its patrol state at `at` (default now)} for points the caller may see."""
    at = at or datetime.now(UTC)
    campaigns = open_campaigns(session)
    of_point = {p.id: campaign_for(campaigns, p.village_code) for p in points}
    latest: dict[tuple[int, int], FloodInspection] = {}
    ids = [p.id for p in points if of_point[p.id] is not None]
    for start in range(0, len(ids), 5000):
        statement = (
            select(FloodInspection)
            .where(
                FloodInspection.point_id.in_(ids[start : start + 5000]),
                FloodInspection.campaign_id.in_([c.id for c in campaigns]),
            )
            .order_by(FloodInspection.inspected_at, FloodInspection.id)
        )
        for inspection in session.scalars(statement):
            latest[(inspection.point_id, inspection.campaign_id)] = inspection
    result = {}
    for point in points:
        campaign = of_point[point.id]
        if campaign is None:
            result[point.id] = PatrolState(NO_CAMPAIGN, None, None, False, None)
            continue
        last = latest.get((point.id, campaign.id))
        deadline = deadline_of(campaign, point)
        if last is None:
            result[point.id] = PatrolState(
                NOT_PATROLLED, campaign.id, None, at > deadline, deadline
            )
        else:
            status = STATUS_OF_RESULT[last.result]
            result[point.id] = PatrolState(status, campaign.id, last.inspected_at, False, deadline)
    return result


def sort_key(point: FloodKeyPoint, state: PatrolState) -> tuple:
    """Overdue first, then hazards, not yet patrolled, fixed, normal."""
    return (not state.overdue, STATUS_ORDER.get(state.status, 9), point.name, point.id)


def done(state: PatrolState) -> bool:
    return state.campaign_id is not None and state.status not in (NOT_PATROLLED, NO_CAMPAIGN)


def tally(states: list[PatrolState]) -> tuple[int, int]:
    """(patrolled, points with a campaign)."""
    with_campaign = [s for s in states if s.campaign_id is not None]
    return sum(done(s) for s in with_campaign), len(with_campaign)


def progress(session: Session, viewer: Viewer, unit: str | None = None) -> dict:
    """{"done", "total", "percent"} for the viewer's points inside `unit` (checked)."""
    points = points_for(session, viewer, unit)
    finished, total = tally(list(statuses(session, points).values()))
    # Floored: 45 of 46 is 97%, never a rounded-up 100% before the last point is done.
    percent = 100 * finished // total if total else None
    return {"done": finished, "total": total, "percent": percent}


def progress_in(session: Session, viewer: Viewer, units: list[str]) -> dict[str, float]:
    """{unit: percent patrolled} for units with points under a campaign, inside the scope."""
    points = points_for(session, viewer)
    states = statuses(session, points)
    result = {}
    for unit in units:
        try:
            full = DivisionCode.parse(unit)
        except InvalidCode:
            continue
        inside = [states[p.id] for p in points if DivisionCode.parse(full).covers(p.village_code)]
        finished, total = tally(inside)
        if total:
            result[unit] = round(100 * finished / total, 1)
    return result


def moves_into(session: Session, viewer: Viewer, unit: str | None) -> list[CampaignMove]:
    """What a campaign opened now over `unit` (checked; None: the viewer's whole scope)
    would take from the open campaigns: every point inside it that has a campaign, since the
    newest one holds a point."""
    full = require_unit(session, viewer, unit) if unit else None
    points = points_for(session, viewer, full)
    states = statuses(session, points)
    grouped: dict[int, list[tuple[FloodKeyPoint, PatrolState]]] = {}
    for point in points:
        state = states[point.id]
        if state.campaign_id is not None:
            grouped.setdefault(state.campaign_id, []).append((point, state))
    names = {c.id: c.name for c in open_campaigns(session)}
    return [
        CampaignMove(
            campaign_id=campaign_id,
            campaign_name=names[campaign_id],
            points=len(rows),
            towns=len({p.village_code[:9] for p, _ in rows}),
            done=sum(done(state) for _, state in rows),
        )
        for campaign_id, rows in sorted(grouped.items())
    ]


def _confirmed(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def open_campaign(
    session: Session,
    viewer: Viewer,
    *,
    name: str,
    unit: str,
    due: date | str,
    confirm: object = None,
) -> FloodCampaign:
    """Open a campaign over `unit` (inside the viewer's scope) due by `due`. When it would
    take points from open campaigns, `confirm` must be how many (MoveUnconfirmed says what
    moves, otherwise)."""
    if not viewer.can("campaign"):
        raise Forbidden("the viewer may not open campaigns")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise PatrolRefused("请填写巡查任务名称（不超过 100 字）。")
    if due in (None, ""):
        raise PatrolRefused("请选择截止日期。")
    try:
        due_date = due if isinstance(due, date) else date.fromisoformat(str(due))
    except ValueError as exc:
        raise PatrolRefused("截止日期格式应为 YYYY-MM-DD。") from exc
    full = require_unit(session, viewer, unit)
    if DivisionCode.parse(full).level == "village":
        raise PatrolRefused("巡查任务应面向镇街及以上单位。")
    today = datetime.now(BEIJING).date()
    if due_date < today:
        raise PatrolRefused("截止日期不能早于今天。")
    moves = moves_into(session, viewer, full)
    moving = sum(m.points for m in moves)
    if moving and _confirmed(confirm) != moving:
        raise MoveUnconfirmed(moves, name)
    campaign = FloodCampaign(
        name=name, jurisdiction_code=full, due_date=due_date, opened_by=viewer.login or ""
    )
    session.add(campaign)
    session.flush()
    LOGGER.info(
        "campaign %s opened over %s by %s, %d points moved", campaign.id, full, viewer.login, moving
    )
    return campaign


def point_in_scope(session: Session, viewer: Viewer, point_id) -> FloodKeyPoint:
    """A key point by id if the viewer's scope holds it; NotFound otherwise (a point outside
    the scope is not said to exist)."""
    try:
        pid = int(point_id)
    except (TypeError, ValueError) as exc:
        raise NotFound("no such key point") from exc
    point = session.get(FloodKeyPoint, pid) if -(2**31) <= pid < 2**31 else None
    if point is None or not viewer.covers(point.village_code):
        raise NotFound("no such key point in the viewer's scope")
    return point


def record_inspection(
    session: Session,
    viewer: Viewer,
    *,
    point_id,
    result: str,
    hazard: str = "",
    measures: str = "",
    photo: bytes | None = None,
    at: datetime | None = None,
) -> FloodInspection:
    """Record one inspection of a point in the viewer's scope, in the point's campaign."""
    if not viewer.can("record"):
        raise Forbidden("the viewer may not record inspections")
    if point_id in (None, ""):
        raise PatrolRefused("请选择重点部位。")
    point = point_in_scope(session, viewer, point_id)
    if result not in RESULTS:
        raise PatrolRefused("请选择巡查结果：正常、发现隐患或已整改。")
    hazard, measures = (hazard or "").strip(), (measures or "").strip()
    if result in ("hazard", "fixed") and not hazard:
        raise PatrolRefused("发现隐患或已整改时，请描述隐患情况。")
    if result == "fixed" and not measures:
        raise PatrolRefused("已整改时，请填写采取的措施。")
    if len(hazard) > TEXT_MAX or len(measures) > TEXT_MAX:
        raise PatrolRefused(f"文字过长：每项不超过 {TEXT_MAX} 字。")
    mime = photo_type(photo) if photo else None
    campaign = campaign_for(open_campaigns(session), point.village_code)
    if campaign is None:
        raise PatrolRefused("该重点部位目前没有进行中的巡查任务。")
    inspection = FloodInspection(
        point_id=point.id,
        campaign_id=campaign.id,
        inspector=viewer.login or "",
        inspected_at=at or datetime.now(UTC),
        result=result,
        hazard=hazard,
        measures=measures,
        photo=photo or None,
        photo_type=mime,
    )
    session.add(inspection)
    session.flush()
    LOGGER.info("inspection %s of point %s by %s", inspection.id, point.id, viewer.login)
    return inspection


def inspections_for(
    session: Session, viewer: Viewer, unit: str | None = None, limit: int = 500
) -> list[tuple[FloodInspection, FloodKeyPoint, FloodCampaign]]:
    """The latest inspections of the viewer's points (inside `unit`), newest first."""
    statement = (
        select(FloodInspection, FloodKeyPoint, FloodCampaign)
        .join(FloodKeyPoint, FloodInspection.point_id == FloodKeyPoint.id)
        .join(FloodCampaign, FloodInspection.campaign_id == FloodCampaign.id)
        .where(scope_condition(viewer, session, unit))
        .order_by(FloodInspection.inspected_at.desc(), FloodInspection.id.desc())
        .limit(limit)
    )
    return [tuple(row) for row in session.execute(statement)]


def inspected_in(session: Session, campaign_id: int, point_ids: list[int]) -> set[int]:
    """The points among `point_ids` with an inspection recorded in the campaign."""
    found: set[int] = set()
    for start in range(0, len(point_ids), 5000):
        statement = (
            select(FloodInspection.point_id)
            .where(
                FloodInspection.campaign_id == campaign_id,
                FloodInspection.point_id.in_(point_ids[start : start + 5000]),
            )
            .distinct()
        )
        found.update(session.scalars(statement))
    return found


def campaign_figures(
    session: Session, viewer: Viewer, campaign: FloodCampaign, unit: str | None = None
) -> dict:
    """A campaign's progress over the viewer's points (inside `unit`, checked): its points
    are those it holds now and those inspected in it before a newer campaign took them, so
    an inspection counts where it was made. {"done", "total", "percent", "overdue",
    "moved_on": done here, held by a newer campaign now}."""
    area = DivisionCode.parse(campaign.jurisdiction_code)
    points = [p for p in points_for(session, viewer, unit) if area.covers(p.village_code)]
    states = statuses(session, points)
    inspected = inspected_in(session, campaign.id, [p.id for p in points])
    held = [p for p in points if states[p.id].campaign_id == campaign.id]
    moved_on = [p for p in points if p.id in inspected and states[p.id].campaign_id != campaign.id]
    total = len(held) + len(moved_on)
    finished = sum(p.id in inspected for p in held) + len(moved_on)
    return {
        "done": finished,
        "total": total,
        # Floored: 45 of 46 is 97%, never a rounded-up 100% before the last point is done.
        "percent": 100 * finished // total if total else None,
        "overdue": sum(states[p.id].overdue for p in held),
        "moved_on": len(moved_on),
    }


def campaigns_in(session: Session, viewer: Viewer, unit: str | None = None) -> list[dict]:
    """Open campaigns over (part of) the viewer's scope, or of `unit` (checked), with the
    progress of the viewer's points inside the unit (`campaign_figures`). A campaign's own
    unit is named only when the viewer's scope holds it (a city-wide campaign seen by a
    town: "上级单位")."""
    full = require_unit(session, viewer, unit) if unit else None
    found = []
    for campaign in campaigns_for(session, viewer):
        if full and not (
            DivisionCode.parse(campaign.jurisdiction_code).covers(full)
            or DivisionCode.parse(full).covers(campaign.jurisdiction_code)
        ):
            continue
        own = viewer.covers(campaign.jurisdiction_code)
        found.append(
            {
                "id": campaign.id,
                "name": campaign.name,
                "jurisdiction_code": campaign.jurisdiction_code if own else None,
                "due_date": campaign.due_date.isoformat(),
                "opened_at": campaign.opened_at.isoformat(),
                **campaign_figures(session, viewer, campaign, full),
            }
        )
    return found
