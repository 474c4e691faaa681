"""The board as a JSON document: what every module answered for an event at its moment, the
decisions, the response level and where the outlines of the event's jurisdiction are. The
live board names the outlines' layer URL and the jurisdiction's bbox (the browser fetches
and keeps the lines, so a refresh does not send them again); a frozen snapshot is the same
document with the outlines embedded (self-contained), its number, view and diff."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from modules.consult.entries import KIND_ZH as ENTRY_ZH
from modules.consult.entries import entries_of, ref_of
from modules.consult.events import KIND_ZH, LEVEL_ZH, level_history, moment_of, situation_event
from modules.consult.models import ConsultEntry, ConsultEvent
from modules.sdk import (
    CoreServices,
    DivisionCode,
    SituationItem,
    Viewer,
    boundary_layer,
    unit_names,
    unit_profile,
)

ACKS_ITEM = "alerts.instructions"  # the alerts module's rows per delivery, by `ref`


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def json_safe(value: Any) -> Any:
    """Round-trip through JSON: what a module answered becomes plain data, once."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def item_json(item: SituationItem) -> dict:
    return json_safe(
        {
            "id": item.id,
            "module": item.module,
            "title": item.title,
            "value": item.value,
            "unit": item.unit,
            "source": item.source,
            "as_of": iso(item.as_of),
            "severity": item.severity,
            "columns": [list(c) for c in item.columns],
            "rows": list(item.rows),
            "key": item.key,
            "entered": item.entered,
            "left": item.left,
            "features": list(item.features),
            "order": item.order,
        }
    )


def event_json(session: Session, viewer: Viewer, event: ConsultEvent) -> dict:
    names = unit_names(session, viewer, [event.scope_code], above=True)
    return {
        "id": event.id,
        "kind": event.kind,
        "kind_label": KIND_ZH[event.kind],
        "ref": event.ref,
        "title": event.title,
        "scope": event.scope_code,
        "scope_name": names.get(event.scope_code, event.scope_code),
        "drill": event.drill,
        "level": event.level,
        "level_label": LEVEL_ZH[event.level],
        "started_at": iso(event.started_at),
        "ended_at": iso(event.ended_at),
        "moment": iso(moment_of(event)),
    }


def acks_by_ref(items: list[dict]) -> dict[str, dict]:
    """Deliveries of each instruction, counted from the alerts module's rows."""
    counts: dict[str, dict] = {}
    for item in items:
        if item["id"] != ACKS_ITEM:
            continue
        for row in item["rows"]:
            ref = row.get("ref")
            if not ref:
                continue
            tally = counts.setdefault(ref, {"total": 0, "delivered": 0, "acknowledged": 0})
            tally["total"] += 1
            if row.get("acked_at"):
                tally["acknowledged"] += 1
                tally["delivered"] += 1
            elif row.get("state") in ("已送达", "delivered"):
                tally["delivered"] += 1
    return counts


def entry_json(entry: ConsultEntry, names: dict[str, str], acks: dict[str, dict]) -> dict:
    return {
        "id": entry.id,
        "number": entry.number,
        "kind": entry.kind,
        "kind_label": ENTRY_ZH[entry.kind],
        "author": entry.author,
        "author_id": entry.author_id,
        "at": iso(entry.at),
        "edited_at": iso(entry.edited_at),
        "text": entry.text,
        "units": [{"code": c, "name": names.get(c, c)} for c in entry.unit_codes],
        "corrects": entry.corrects_id,
        "attachment": entry.attachment_name or None,
        "sent_at": iso(entry.sent_at),
        "acks": acks.get(ref_of(entry)) if entry.kind == "instruction" else None,
    }


def decisions(
    session: Session, viewer: Viewer, event: ConsultEvent, items: list[dict]
) -> list[dict]:
    entries = entries_of(session, event)
    codes = {c for e in entries for c in e.unit_codes}
    names = unit_names(session, viewer, codes) if codes else {}
    acks = acks_by_ref(items)
    return [entry_json(e, names, acks) for e in entries]


def _outline_layer(event: ConsultEvent) -> tuple[str, DivisionCode]:
    """The level drawn: the towns of the event's jurisdiction (its villages for a town)."""
    scope = DivisionCode.parse(event.scope_code)
    return ("village" if scope.level in ("town", "village") else "town"), scope


def outlines_url(event: ConsultEvent) -> str:
    """The same layer the map page draws, as lines at overview detail; the API scopes it by
    whoever asks (403 for a parent outside their jurisdiction)."""
    level, scope = _outline_layer(event)
    return f"/api/v1/layers/{level}.geojson?parent={scope.prefix}&detail=overview&as=lines"


def outlines(session: Session, viewer: Viewer, event: ConsultEvent) -> dict:
    """The outlines themselves, simplified, for a snapshot to hold."""
    level, scope = _outline_layer(event)
    body = boundary_layer(session, viewer, level, str(scope), "wgs84", detail="overview")
    collection = json.loads(body.raw)
    for feature in collection["features"]:
        properties = feature.get("properties") or {}
        feature["properties"] = {"unit": properties.get("code"), "name": properties.get("name")}
    return collection


def board(
    session: Session,
    viewer: Viewer,
    core: CoreServices,
    event: ConsultEvent,
    with_outlines: bool = False,
) -> dict:
    """The live board: every module's items at the event's moment, as the viewer may see;
    the outlines by URL (a snapshot embeds them: `with_outlines`)."""
    moment = moment_of(event)
    answered = core.situation(session, viewer, situation_event(event), moment)
    items = [item_json(item) for item in answered]
    document = {
        "event": event_json(session, viewer, event),
        "moment": iso(moment),
        "items": items,
        "decisions": decisions(session, viewer, event, items),
        "bbox": unit_profile(session, viewer, event.scope_code)["bbox"],
        "levels": [
            {
                "level": c.level,
                "label": LEVEL_ZH[c.level],
                "reason": c.reason,
                "by": c.by,
                "at": iso(c.at),
            }
            for c in level_history(session, event)
        ],
    }
    if with_outlines:
        document["outlines"] = outlines(session, viewer, event)
    else:
        document["outlines_url"] = outlines_url(event)
    return document
