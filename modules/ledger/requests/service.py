"""A request's life: a department submits it (公开 tags granted at once), the owning unit's
admin approves it for a period of validity or refuses it with a reason, and until it
expires the department downloads inside the granted unit, months and tags. Every step is
kept in the request's history. `now` is passed in (tests set the clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.ledger import periods
from modules.ledger.checks import Refused
from modules.ledger.requests.departments import department_of
from modules.ledger.requests.models import LedgerRequest, LedgerRequestEvent
from modules.ledger.requests.rights import GRANT, REQUEST
from modules.ledger.tags import READ, all_tags
from modules.sdk import DivisionCode, Forbidden, NotFound, Viewer, prefix_range, require_unit

MAX_MONTHS = 24
MAX_TAGS = 300
OVERDUE_AFTER = timedelta(days=3)
PUBLIC_VALID_DAYS = 30  # how long 公开 tags stay granted without a decision
MAX_VALID_DAYS = 366
STATE_ZH = {"pending": "待审批", "approved": "已批准", "refused": "已拒绝", "expired": "已过期"}
ACTION_ZH = {
    "submit": "提交申请",
    "grant": "公开标签自动授予",
    "approve": "批准",
    "refuse": "拒绝",
    "download": "下载",
}


@dataclass(frozen=True)
class Ask:
    """What a department asks for, as sent (checked by `submit`)."""

    unit: str
    period_from: str
    period_to: str
    purpose: str
    template: str = ""
    tags: tuple[str, ...] = ()


def now_utc() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for UTCDateTime columns on some paths.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def state_of(request: LedgerRequest, now: datetime) -> str:
    """pending, approved, refused, or expired (approved, past its validity)."""
    until = _aware(request.valid_until)
    if request.state == "approved" and until is not None and now >= until:
        return "expired"
    return request.state


def overdue(request: LedgerRequest, now: datetime) -> bool:
    """Pending for more than three days: shown as 逾期 to the approver."""
    return request.state == "pending" and now - _aware(request.created_at) > OVERDUE_AFTER


def granted_now(request: LedgerRequest, now: datetime) -> list[str]:
    """The tags the department may read at `now`: none once the grant has lapsed."""
    until = _aware(request.valid_until)
    if until is None or now >= until:
        return []
    return request.granted_list


def downloadable(request: LedgerRequest, now: datetime) -> bool:
    """A template's report needs every tag it reads granted; a set of tags, any of them."""
    granted = granted_now(request, now)
    if request.template_key:
        return bool(granted) and set(granted) >= set(request.tag_list)
    return bool(granted)


def approver_unit(unit: DivisionCode) -> str:
    """Whose admin decides: a village's data is its town's; any other unit's is its own."""
    if unit.level == "village" and unit.parent is not None:
        return str(unit.parent)
    return str(unit)


def _months(ask: Ask, today: datetime) -> tuple[int, int]:
    first = periods.parse(ask.period_from)
    last = periods.parse(ask.period_to or ask.period_from)
    if last < first:
        raise Refused("the last month is before the first", "截止月份早于起始月份")
    if len(periods.months(first, last)) > MAX_MONTHS:
        raise Refused(f"at most {MAX_MONTHS} months", f"一次最多申请 {MAX_MONTHS} 个月")
    if last > periods.of_date(today.date()):
        raise Refused("months in the future hold no figures", "不能申请尚未到来的月份")
    return first, last


def _asked_tags(session: Session, ask: Ask) -> tuple[list[str], str, str]:
    """(tag codes, template key, title) for a template or a list of tags."""
    if ask.template:
        from modules.ledger.reports.catalog import get_template, template_tags

        template = get_template(session, ask.template)
        if template is None:
            raise Refused(f"no template {ask.template!r}", "没有这个报表模板")
        title = getattr(template, "title", ask.template)
        return sorted(template_tags(template)), ask.template, title
    codes = list(dict.fromkeys(c.strip().upper() for c in ask.tags if c and c.strip()))
    if not codes:
        raise Refused("name a template or at least one tag", "请选择报表模板或至少一个标签")
    if len(codes) > MAX_TAGS:
        raise Refused(f"at most {MAX_TAGS} tags", f"一次最多申请 {MAX_TAGS} 个标签")
    return codes, "", "标签调阅：" + "、".join(codes[:5]) + ("等" if len(codes) > 5 else "")


def _number(session: Session, year: int) -> str:
    prefix = f"SQ-{year}-"
    taken = session.scalar(select(func.count()).where(LedgerRequest.number.startswith(prefix)))
    return f"{prefix}{(taken or 0) + 1:04d}"


def _event(session, request, viewer, action, now, note="") -> None:
    session.add(
        LedgerRequestEvent(
            request_id=request.id,
            at=now,
            actor=viewer.login or "",
            actor_name=viewer.name,
            action=action,
            note=note,
        )
    )


def submit(session: Session, viewer: Viewer, ask: Ask, now: datetime) -> LedgerRequest:
    """A department's request, checked whole: Forbidden without the role's permission or
    outside its scope, NotFound for no such unit, Refused with the reason otherwise."""
    if not viewer.can(REQUEST):
        raise Forbidden("data requests are made by department accounts")
    department = department_of(session, viewer.login)
    if department is None:
        raise Refused("this account has no department yet", "本账号尚未登记部门，请联系管理员登记")
    unit = require_unit(session, viewer, ask.unit)
    first, last = _months(ask, now)
    purpose = (ask.purpose or "").strip()
    if len(purpose) < 4:
        raise Refused("say what the figures are for", "请写明用途（至少4个字）")
    codes, template_key, title = _asked_tags(session, ask)
    catalogue = all_tags(session)
    unknown = [c for c in codes if c not in catalogue]
    if unknown:
        raise Refused(f"no such tags: {', '.join(unknown)}", f"没有这些标签：{'、'.join(unknown)}")
    outside = [c for c in codes if catalogue[c].domain not in department.domain_list]
    if outside:
        names = "、".join(f"{catalogue[c].name}（{catalogue[c].domain}）" for c in outside[:10])
        raise Refused(
            f"tags outside the department's domains: {', '.join(outside)}",
            f"以下标签不在本部门可申请的领域内：{names}",
        )
    public = [c for c in codes if catalogue[c].sensitivity == "public"]
    request = LedgerRequest(
        number=_number(session, now.year),
        requester_login=viewer.login or "",
        requester_name=viewer.name,
        department=department.department,
        template_key=template_key,
        title=title,
        tags=",".join(codes),
        granted_tags=",".join(public),
        unit_code=str(unit),
        approver_unit=approver_unit(unit),
        period_from=first,
        period_to=last,
        purpose=purpose,
        state="approved" if len(public) == len(codes) else "pending",
        created_at=now,
        valid_until=now + timedelta(days=PUBLIC_VALID_DAYS) if public else None,
    )
    if request.state == "approved":
        request.decided_at, request.decided_by = now, "system"
    session.add(request)
    session.flush()
    _event(session, request, viewer, "submit", now, purpose)
    if public:
        waiting = len(codes) - len(public)
        note = f"公开标签 {len(public)} 个即时授予" + (f"，{waiting} 个待审批" if waiting else "")
        _event(session, request, viewer, "grant", now, note)
    session.flush()
    return request


def may_see(viewer: Viewer, request: LedgerRequest) -> bool:
    """A department sees its own requests; the people of the unit asked about (who read
    its table or decide on it) see those about it."""
    if viewer.can(REQUEST):
        return request.requester_login == viewer.login
    return (viewer.can(READ) or viewer.can(GRANT)) and viewer.covers(request.unit_code)


def may_decide(viewer: Viewer, request: LedgerRequest) -> bool:
    return viewer.can(GRANT) and viewer.covers(request.approver_unit)


def visible(
    session: Session, viewer: Viewer, within: str | None = None, limit: int = 500
) -> list[LedgerRequest]:
    """The requests the viewer may see, newest first; with `within` (a unit the viewer
    may see: Forbidden / NotFound otherwise), those about units inside it."""
    query = select(LedgerRequest).order_by(LedgerRequest.created_at.desc(), LedgerRequest.id.desc())
    if within:
        query = query.where(
            prefix_range(LedgerRequest.unit_code, require_unit(session, viewer, within))
        )
    if viewer.can(REQUEST):
        query = query.where(LedgerRequest.requester_login == (viewer.login or ""))
    elif viewer.can(READ) or viewer.can(GRANT):
        query = query.where(viewer.code_filter(LedgerRequest.unit_code))
    else:
        return []
    return list(session.scalars(query.limit(limit)))


def find(session: Session, viewer: Viewer, number: str) -> LedgerRequest:
    """The request of that number, if the viewer may see it (NotFound otherwise: a number
    outside the viewer's reach answers as one that does not exist)."""
    request = session.scalar(select(LedgerRequest).where(LedgerRequest.number == str(number)))
    if request is None or not may_see(viewer, request):
        raise NotFound(f"no request {number}")
    return request


def decide(
    session: Session,
    viewer: Viewer,
    number: str,
    approve: bool,
    now: datetime,
    days: int | None = None,
    reason: str = "",
) -> LedgerRequest:
    """The owning unit's admin approves (for `days`) or refuses (with a reason)."""
    if not viewer.can(GRANT):
        raise Forbidden("deciding on requests needs ledger.grant")
    request = find(session, viewer, number)
    if not may_decide(viewer, request):
        raise Forbidden("the request is decided by the admin of the unit asked about")
    if request.state != "pending":
        raise Refused(
            f"the request is already {request.state}",
            f"该申请已{STATE_ZH[state_of(request, now)].removeprefix('已')}，不能再审批",
        )
    reason = (reason or "").strip()
    if approve:
        if not isinstance(days, int) or not 1 <= days <= MAX_VALID_DAYS:
            raise Refused(
                f"give the validity in days (1-{MAX_VALID_DAYS})",
                f"请填写有效期天数（1-{MAX_VALID_DAYS}）",
            )
        request.state = "approved"
        request.granted_tags = request.tags
        request.valid_until = now + timedelta(days=days)
        note = f"有效期 {days} 天，至 {request.valid_until:%Y-%m-%d %H:%M} UTC"
    else:
        if not reason:
            raise Refused("give the reason for refusing", "拒绝时请写明理由")
        request.state = "refused"
        note = reason
    request.decided_at, request.decided_by, request.reason = now, viewer.login or "", reason
    _event(session, request, viewer, "approve" if approve else "refuse", now, note)
    session.flush()
    return request


def history(session: Session, request: LedgerRequest) -> list[LedgerRequestEvent]:
    query = select(LedgerRequestEvent).where(LedgerRequestEvent.request_id == request.id)
    return list(session.scalars(query.order_by(LedgerRequestEvent.at, LedgerRequestEvent.id)))


def note_download(session, viewer, request, now, what: str) -> None:
    _event(session, request, viewer, "download", now, what)
    session.flush()
