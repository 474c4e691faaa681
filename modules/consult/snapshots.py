"""Snapshots (第N期会商): one click freezes the board, the map view, decisions and alerts as a
numbered JSON document with its diff to the previous round. Stored once, never updated
(the table's triggers refuse it), so its stable link shows that picture later too."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from modules.consult.access import event_for, require_run
from modules.consult.diff import diff
from modules.consult.documents import board, iso
from modules.consult.events import moment_of, now
from modules.consult.models import ConsultEvent, ConsultSnapshot
from modules.consult.refusals import Refused
from modules.sdk import CoreServices, NotFound, Viewer, record_audit


def _view(view: object) -> dict | None:
    """The map view the round was looked at in: {center: {lon, lat}, zoom}, checked."""
    if not isinstance(view, dict):
        return None
    try:
        center = view.get("center") or {}
        lon, lat, zoom = float(center["lon"]), float(center["lat"]), float(view["zoom"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90 and 0 <= zoom <= 22):
        return None
    return {"center": {"lon": round(lon, 5), "lat": round(lat, 5)}, "zoom": round(zoom, 2)}


def latest(session: Session, event: ConsultEvent) -> ConsultSnapshot | None:
    return session.scalars(
        select(ConsultSnapshot)
        .where(ConsultSnapshot.event_id == event.id)
        .order_by(ConsultSnapshot.number.desc())
        .limit(1)
    ).first()


def take(
    session: Session, viewer: Viewer, core: CoreServices, event: ConsultEvent, view: object = None
) -> ConsultSnapshot:
    """Freeze the round now. Two clicks at once make two numbers or one refusal, never a 500."""
    require_run(viewer, event)
    previous = latest(session, event)
    number = (previous.number if previous else 0) + 1
    # Self-contained: the outlines themselves, not the URL of today's.
    document = board(session, viewer, core, event, with_outlines=True)
    document.update(
        {
            "number": number,
            "title": f"第{number}期防汛防台会商简报",
            "taken_at": iso(now()),
            "taken_by": viewer.name or viewer.login,
            "view": _view(view),
        }
    )
    document["diff"] = diff(document_of(previous) if previous else None, document)
    snapshot = ConsultSnapshot(
        event_id=event.id,
        number=number,
        moment=moment_of(event),
        taken_by=viewer.login,
        document=json.dumps(document, ensure_ascii=False, separators=(",", ":")),
    )
    try:
        with session.begin_nested():
            session.add(snapshot)
            session.flush()
    except IntegrityError:
        raise Refused(
            "another snapshot was just taken: look at it first",
            f"第{number}期刚刚已由他人冻结，请查看后再冻结下一期",
        ) from None
    record_audit(
        session,
        "consult.snapshot",
        viewer,
        target=f"consult:snapshot:{snapshot.id}",
        detail={"event": event.id, "number": number},
    )
    return snapshot


def document_of(snapshot: ConsultSnapshot) -> dict:
    """The frozen document, with its own id (known only once the row was written)."""
    document = json.loads(snapshot.document)
    document["id"] = snapshot.id
    return document


def read(session: Session, viewer: Viewer, snapshot_id: object) -> dict:
    """A snapshot's document, if the viewer may read its event (404 alike otherwise)."""
    snapshot = (
        session.get(ConsultSnapshot, int(snapshot_id)) if str(snapshot_id).isdigit() else None
    )
    if snapshot is None:
        raise NotFound("no such snapshot")
    event_for(session, viewer, snapshot.event_id)
    return document_of(snapshot)


def listed(session: Session, event: ConsultEvent) -> list[dict]:
    rows = session.execute(
        select(
            ConsultSnapshot.id,
            ConsultSnapshot.number,
            ConsultSnapshot.moment,
            ConsultSnapshot.taken_at,
            ConsultSnapshot.taken_by,
        )
        .where(ConsultSnapshot.event_id == event.id)
        .order_by(ConsultSnapshot.number)
    ).all()
    return [
        {
            "id": r.id,
            "number": r.number,
            "moment": iso(r.moment),
            "taken_at": iso(r.taken_at),
            "taken_by": r.taken_by,
        }
        for r in rows
    ]


def count(session: Session, event: ConsultEvent) -> int:
    return session.scalar(select(func.count()).where(ConsultSnapshot.event_id == event.id)) or 0
