"""A department's download of an approved request: a template's report through the reports'
`generate` with a ReportGrant, or the granted tags' figures as a file. Only inside the
granted unit, months and tags, only until the grant expires; every file carries the
requester, the time and the request number, and every download is audited and kept in
the request's history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from modules.ledger import periods
from modules.ledger.checks import Refused
from modules.ledger.reading import BadRequest, cells, parse_units
from modules.ledger.requests.models import LedgerRequest
from modules.ledger.requests.rights import REQUEST
from modules.ledger.requests.service import (
    downloadable,
    find,
    granted_now,
    note_download,
    state_of,
)
from modules.ledger.tags import READ, SENSITIVE, all_tags
from modules.sdk import (
    DivisionCode,
    Forbidden,
    InvalidCode,
    Viewer,
    child_level,
    csv_bytes,
    record_audit,
    xlsx_bytes,
)

FORMATS = ("xlsx", "csv")
HEADER = ("单位代码", "单位", "标签编码", "标签", "计量单位", "期间", "数值", "演示")


def grant_of(request: LedgerRequest, now: datetime):
    """The ReportGrant the request holds at `now` (Refused when it holds none)."""
    from modules.ledger.reports.grant import ReportGrant

    tags = granted_now(request, now)
    if not tags:
        state = state_of(request, now)
        reason_zh = {
            "pending": "该申请尚待审批，暂不能下载",
            "refused": "该申请已被拒绝",
            "expired": "该申请的有效期已过，请重新申请",
        }.get(state, "该申请没有可下载的内容")
        raise Refused(f"the request grants nothing now ({state})", reason_zh)
    return ReportGrant(
        units=(request.unit_code,),
        tags=frozenset(tags),
        periods=tuple(periods.months(request.period_from, request.period_to)),
        request_no=request.number,
        requester=f"{request.department} {request.requester_name}",
        expires_at=request.valid_until,
    )


def _unit_inside(request: LedgerRequest, unit: object) -> DivisionCode:
    if unit in (None, ""):
        return DivisionCode.parse(request.unit_code)
    try:
        code = DivisionCode.parse(str(unit))
    except InvalidCode:
        raise Refused(f"{unit!r} is not a division code", "单位不是区划代码") from None
    if not DivisionCode.parse(request.unit_code).covers(code):
        raise Forbidden("the unit lies outside the request's grant", str(code))
    return code


def _months_inside(request: LedgerRequest, asked: object) -> list[int]:
    granted = periods.months(request.period_from, request.period_to)
    if asked in (None, ""):
        return granted
    try:
        month = periods.parse(str(asked))
    except periods.BadPeriod as bad:
        raise Refused(str(bad), bad.reason_zh) from None
    if month not in granted:
        raise Forbidden("the month lies outside the request's grant")
    return [month]


def download(
    session: Session,
    viewer: Viewer,
    number: str,
    fmt: str,
    now: datetime,
    unit: object = None,
    period: object = None,
) -> tuple[bytes, str]:
    """(file, filename) for the requesting department; Forbidden for anyone else."""
    if not viewer.can(REQUEST):
        raise Forbidden("downloads of a request are the requesting department's")
    if fmt not in FORMATS:
        raise Refused("format must be xlsx or csv", "格式只能是 xlsx 或 csv")
    request = find(session, viewer, number)
    grant = grant_of(request, now)
    if not downloadable(request, now):
        raise Refused(
            "the template reads tags not granted yet",
            "该报表所需的部分标签尚待审批，批准后方可下载",
        )
    code = _unit_inside(request, unit)
    months = _months_inside(request, period)
    if request.template_key:
        from modules.ledger.reports.build import ReportRefused
        from modules.ledger.reports.generate import generate

        try:  # audited there, with the request's number and requester
            body, name = generate(
                session, viewer, request.template_key, str(code), months, fmt, grant=grant
            )
        except ReportRefused as refused:
            raise Refused(refused.reason, refused.reason_zh) from None
    else:
        body, name = _tags_file(session, viewer, request, grant, code, months, fmt, now)
        record_audit(
            session,
            "export",
            viewer,
            target=f"ledger.request.{request.number}",
            detail={"unit": str(code), "months": len(months), "format": fmt},
        )
    where = f"{code} {'~'.join(periods.label(m) for m in (months[0], months[-1]))} {fmt}"
    note_download(session, viewer, request, now, where)
    return body, name


def _tags_file(session, viewer, request, grant, code, months, fmt, now) -> tuple[bytes, str]:
    """The granted tags' figures, read as a viewer over the granted unit alone who holds
    exactly what the grant gives (so the ledger's own reads enforce it)."""
    catalogue = all_tags(session, retired=True)
    tags = [catalogue[c] for c in sorted(grant.tags) if c in catalogue]
    rights = {READ} | ({SENSITIVE} if any(t.sensitivity == "personal" for t in tags) else set())
    reader = Viewer(
        viewer.user_id, viewer.login, viewer.name, viewer.role, (code,), frozenset(rights)
    )
    try:
        unit_rows = parse_units(session, reader, str(code))
        if code.level != "village":
            unit_rows += parse_units(session, reader, str(code), child_level(code.level))
        found = cells(session, reader, tags, unit_rows, months)
    except BadRequest as bad:
        raise Refused(bad.reason, bad.reason_zh) from None
    stamp = [
        ("申请编号", request.number),
        ("申请人", grant.requester),
        ("下载时间", f"{now:%Y-%m-%d %H:%M} UTC"),
        ("有效期至", f"{grant.expires_at:%Y-%m-%d %H:%M} UTC"),
    ]
    rows = [
        (
            c.unit,
            c.name,
            c.tag.code,
            c.tag.name,
            c.tag.measure,
            periods.label(c.month),
            c.value,
            "演示" if c.demo else "",
        )
        for c in found
    ]
    name = f"{request.number}-{code}.{fmt}"
    if fmt == "csv":
        return csv_bytes(stamp[0], [*stamp[1:], (), HEADER, *rows]), name
    return xlsx_bytes([("调阅", stamp[0], [*stamp[1:], (), HEADER, *rows])]), name
