"""Publishing a storm's exposure as `exposure` signals, one per publisher's scope.

A publish holds only the units and sites inside the publisher's scope, and replaces only
that part of what is in force: a signal published from a scope the new one covers is
withdrawn; one published from a wider scope (the city's, when a county publishes) stays in
force with the county's part taken out, so the rest of the city keeps its warning.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from modules.sdk import EXPOSURE, Signal, Viewer, record_audit
from modules.typhoon import service
from modules.typhoon.exposure import Targets
from modules.typhoon.track import StormData

SOURCE = "typhoon"
VALID = timedelta(hours=24)


def key_of(storm_id: str, viewer: Viewer) -> str:
    """One key per storm and publisher's scope (hashed when many units make it long)."""
    scopes = "+".join(viewer.scopes)
    if len(scopes) > 150:
        scopes = hashlib.sha256(scopes.encode()).hexdigest()[:24]
    return f"storm:{storm_id}@{scopes}"


def storm_of(signal: Signal) -> str | None:
    """The storm a typhoon signal is about (its payload says; older ones only their key)."""
    if signal.source != SOURCE:
        return None
    named = (signal.payload or {}).get("storm")
    if isinstance(named, str):
        return named
    key = signal.key or ""
    return key.split(":", 1)[1].split("@", 1)[0] if key.startswith("storm:") else None


def _entries(storm, data: StormData, targets: Targets, shift: timedelta) -> tuple[list, list]:
    found = service.storm_timeline(storm, data, targets)
    sites, units = [], []
    for exposure in found.values():
        for level, intervals in exposure.intervals.items():
            for start, end in intervals:
                entry = {
                    "level": level,
                    "from": service.iso(start + shift),
                    "until": service.iso(end + shift),
                }
                if exposure.kind == "site":
                    sites.append({"site": exposure.key, "village_code": exposure.parent, **entry})
                else:
                    units.append({"code": exposure.key, **entry})
    return sites, units


def _trim(
    core, session: Session, viewer: Viewer, storm_id: str, key: str, targets: Targets
) -> None:
    """Take the publisher's part out of what else is in force for this storm."""
    site_ids = {t.key for t in targets.points}

    def mine(entry) -> bool:
        if not isinstance(entry, dict):
            return False
        if entry.get("site") in site_ids:
            return True
        code = entry.get("code") or entry.get("village_code")
        return isinstance(code, str) and viewer.covers(code)

    for signal in core.signals(session, EXPOSURE):
        if storm_of(signal) != storm_id or signal.key == key:
            continue
        payload = signal.payload or {}
        scope = tuple(s for s in payload.get("scope") or [] if isinstance(s, str))
        if scope and viewer.covers_all(scope):
            core.publish(session, Signal(name=EXPOSURE, source=SOURCE, payload={}, key=signal.key))
            continue

        units = [u for u in payload.get("units") or [] if not mine(u)]
        sites = [s for s in payload.get("sites") or [] if not mine(s)]
        if len(units) == len(payload.get("units") or []) and len(sites) == len(
            payload.get("sites") or []
        ):
            continue
        narrower = sorted({*payload.get("replaced_in", []), *viewer.scopes})
        core.publish(
            session,
            Signal(
                name=EXPOSURE,
                source=SOURCE,
                key=signal.key,
                payload={**payload, "units": units, "sites": sites, "replaced_in": narrower},
                at=signal.at,
                valid_from=signal.valid_from,
                valid_until=signal.valid_until,
            ),
        )


def publish_exposure(
    session: Session,
    core,
    viewer: Viewer,
    storm,
    data: StormData,
    targets: Targets,
    replay_at: datetime | None = None,
) -> dict:
    """The exposure signal of a storm for the publisher's scope (sites and units with level
    and from/until), valid for 24 hours; returns the payload.

    `replay_at` (a drill on a past storm): the storm's times are shifted so that this moment
    of the storm is now, so that readers act on it as on a live storm (payload `drill`)."""
    now = datetime.now(UTC)
    if replay_at is not None and data.fixes:  # a moment of the storm, whatever was asked
        replay_at = min(max(replay_at, data.fixes[0].time), data.fixes[-1].time)
    shift = (
        timedelta(seconds=round((now - replay_at).total_seconds())) if replay_at else timedelta(0)
    )
    sites, units = _entries(storm, data, targets, shift)
    drill = replay_at is not None or (
        bool(data.fixes) and data.fixes[-1].time < now - timedelta(days=1)
    )
    payload = {
        "hazard": "台风",
        "event": service.label(storm) + ("（演练）" if replay_at else ""),
        "storm": storm.id,
        "drill": drill,
        "replayed_from": service.iso(replay_at),
        "scope": list(viewer.scopes),
        "sites": sites,
        "units": units,
    }
    key = key_of(storm.id, viewer)
    _trim(core, session, viewer, storm.id, key, targets)
    core.publish(
        session,
        Signal(
            name=EXPOSURE,
            source=SOURCE,
            key=key,
            payload=payload,
            at=now,
            valid_from=now,
            valid_until=now + VALID,
        ),
    )
    record_audit(
        session,
        "data.change",
        viewer,
        target=f"typhoon.exposure.publish.{storm.id}",
        detail={"sites": len(sites), "units": len(units), "scope": list(viewer.scopes)},
    )
    return payload
