"""What changed between two rounds: computed from the two frozen documents only, item by
item, by each item's stable member key (unit code, point id, station code, message id).

For every item: the headline before and after; the members that entered and left (villages
newly inside a wind circle, stations newly over a threshold, new alerts); and the members
still there whose figures changed (a town's ETA brought forward, a reading risen), each
with the columns that changed. Plus the response-level change and the new decisions."""

from __future__ import annotations

from modules.consult.events import LEVEL_ZH


def _members(item: dict | None) -> dict[str, dict]:
    if not item or not item.get("key"):
        return {}
    key = item["key"]
    return {str(row.get(key)): row for row in item.get("rows", []) if row.get(key) is not None}


def _changed_fields(before: dict, after: dict, columns: list, key: str) -> dict[str, list]:
    keys = [c[0] for c in columns] or sorted(set(before) | set(after))
    return {
        column: [before.get(column), after.get(column)]
        for column in keys
        if column != key and before.get(column) != after.get(column)
    }


def item_diff(before: dict | None, after: dict | None) -> dict | None:
    """One item's change, or None when nothing about it changed."""
    shown = after or before
    old, new = _members(before), _members(after)
    columns = shown.get("columns", [])
    key = shown.get("key", "")
    entered = [new[k] for k in new if k not in old]
    left = [old[k] for k in old if k not in new]
    changed = []
    for k in new:
        if k in old:
            fields = _changed_fields(old[k], new[k], columns, key)
            if fields:
                changed.append({"key": k, "row": new[k], "fields": fields})
    value_before = before.get("value") if before else None
    value_after = after.get("value") if after else None
    if not entered and not left and not changed and value_before == value_after:
        return None
    return {
        "id": shown["id"],
        "module": shown.get("module", ""),
        "title": shown.get("title", ""),
        "unit": shown.get("unit", ""),
        "before": value_before,
        "after": value_after,
        "key": key,
        "columns": columns,
        "entered_label": shown.get("entered", "新进入"),
        "left_label": shown.get("left", "已离开"),
        "entered": entered,
        "left": left,
        "changed": changed,
        "appeared": before is None,
        "vanished": after is None,
    }


def diff(previous: dict | None, current: dict) -> dict:
    """The change from `previous` (None for the first round) to `current`."""
    if previous is None:
        return {"previous": None, "level": None, "items": [], "decisions": []}
    old_items = {i["id"]: i for i in previous.get("items", [])}
    new_items = {i["id"]: i for i in current.get("items", [])}
    order = [i["id"] for i in current.get("items", [])] + [
        k for k in old_items if k not in new_items
    ]
    items = [d for k in order if (d := item_diff(old_items.get(k), new_items.get(k))) is not None]
    before, after = previous["event"]["level"], current["event"]["level"]
    level = None
    if before != after:
        level = {
            "before": before,
            "after": after,
            "before_label": LEVEL_ZH.get(before, ""),
            "after_label": LEVEL_ZH.get(after, ""),
            "raised": after != 0 and (before == 0 or after < before),
        }
    known = {d["id"] for d in previous.get("decisions", [])}
    return {
        "previous": {
            "id": previous.get("id"),
            "number": previous.get("number"),
            "moment": previous.get("moment"),
        },
        "level": level,
        "items": items,
        "decisions": [d["id"] for d in current.get("decisions", []) if d["id"] not in known],
    }
