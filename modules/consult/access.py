"""Who may do what in a consultation, and which events a viewer sees.

Leaders read, coordinators run consultations, staff see the instructions sent to their own
units. An event belongs to the jurisdiction it was opened for: a viewer sees it, its board
and its snapshots only when their scope holds that jurisdiction whole (a snapshot is a
picture of the whole of it), and staff see only instructions naming their units."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.consult.models import ConsultEvent
from modules.sdk import DivisionCode, Forbidden, NotFound, Viewer

READ = "consult.read"
RUN = "consult.run"
INSTRUCTIONS = "consult.instructions"


def may_read(viewer: Viewer) -> bool:
    return viewer.can(READ)


def visible(viewer: Viewer, event: ConsultEvent) -> bool:
    return viewer.can(READ) and viewer.covers(event.scope_code)


MAX_ID = 2**31 - 1  # an INTEGER column: a larger number is no id, on either engine


def record_id(value: object) -> int | None:
    """A row id sent by a browser or a URL, or None when it cannot be one."""
    text = str(value).strip() if isinstance(value, int | str) else ""
    if not text.isdigit() or not 0 < int(text) <= MAX_ID:
        return None
    return int(text)


def event_for(session: Session, viewer: Viewer, event_id: object) -> ConsultEvent:
    """The event, if the viewer may read it; an unknown id and one outside the scope answer
    alike (404), so ids tell nothing."""
    number = record_id(event_id)
    event = session.get(ConsultEvent, number) if number is not None else None
    if event is None or not visible(viewer, event):
        raise NotFound("no such event")
    return event


def require_run(viewer: Viewer, event: ConsultEvent | None = None) -> None:
    if not viewer.can(RUN):
        raise Forbidden("running a consultation needs consult.run (coordinators)")
    if event is not None and not viewer.covers(event.scope_code):
        raise NotFound("no such event")


def events_for(session: Session, viewer: Viewer, within: str | None = None) -> list[ConsultEvent]:
    """The events the viewer may read (inside the unit `within`, already checked), newest
    first."""
    if not viewer.can(READ):
        return []
    statement = select(ConsultEvent).where(viewer.code_filter(ConsultEvent.scope_code))
    if within is not None:
        statement = statement.where(
            ConsultEvent.scope_code.startswith(DivisionCode.parse(within).prefix)
        )
    found = session.scalars(statement).all()
    return sorted(found, key=lambda e: (e.ended_at is None, e.created_at, e.id), reverse=True)
