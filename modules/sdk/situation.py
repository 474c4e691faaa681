"""Helpers for modules answering the `situation` hook: the viewer narrowed to an event's
jurisdiction, and a drill's exposure signal read in the replayed storm's own time."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from access.viewer import Viewer
from layers.codes import DivisionCode, InvalidCode
from modules.sdk.types import Signal


def narrowed_viewer(viewer: Viewer, scope: str) -> Viewer | None:
    """The viewer over the part of their scope inside the event's `scope` (None: no
    overlap, or no such code)."""
    try:
        event_scope = DivisionCode.parse(scope)
    except (InvalidCode, TypeError):
        return None
    overlap = set()
    for own in viewer.scopes:
        own = DivisionCode.parse(own)
        if event_scope.covers(own):
            overlap.add(own)
        elif own.covers(event_scope):
            overlap.add(event_scope)
    if not overlap:
        return None
    return dataclasses.replace(viewer, scopes=tuple(sorted(overlap)))


def iso_moment(text: object) -> datetime | None:
    """An ISO 8601 time from a signal's payload (UTC when it names no zone), or None."""
    try:
        moment = datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None
    return moment.replace(tzinfo=moment.tzinfo or UTC) if moment else None


def in_storm_time(signal: Signal) -> Signal:
    """A drill's exposure signal with its entries' times in the replayed storm's own time.

    The typhoon module publishes a replayed storm shifted so that its replayed moment
    (`replayed_from`) is the publish time; shifting the entries back lets a drill's clock
    read them as the live map reads the shifted ones. Other signals come back unchanged."""
    payload = signal.payload or {}
    start = iso_moment(payload.get("replayed_from"))
    if start is None or signal.at is None:
        return signal
    shift = timedelta(seconds=round((signal.at - start).total_seconds()))

    def back(entry):
        if not isinstance(entry, dict):
            return entry
        moved = dict(entry)
        for name in ("from", "until"):
            when = iso_moment(entry.get(name))
            if when is not None:
                moved[name] = (when - shift).isoformat()
        return moved

    moved = {
        **payload,
        "sites": [back(e) for e in payload.get("sites") or []],
        "units": [back(e) for e in payload.get("units") or []],
    }
    return dataclasses.replace(signal, payload=moved)
