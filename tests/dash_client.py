"""Call Dash callbacks over HTTP exactly as the browser does (POST /_dash-update-component).

Anyone can send such a request with any inputs, so tests of what a callback returns go
through this door rather than calling the Python function.
"""

from __future__ import annotations

import json
from typing import Any


def _prop_id(id_: Any, prop: str) -> str:
    key = json.dumps(id_, separators=(",", ":"), sort_keys=True) if isinstance(id_, dict) else id_
    return f"{key}.{prop}"


def call_callback(
    client,
    outputs: list[tuple[Any, str]],
    inputs: list[tuple[Any, str, Any]],
    state: list[tuple[Any, str, Any]] = (),
    changed: list[str] | None = None,
    headers: dict | None = None,
    output_key: str | None = None,
):
    """POST one callback; returns the Flask test response.

    `output_key` names a callback whose output allows duplicates (Dash suffixes its key with
    a hash: find it with `duplicate_output_key`).
    """
    out = [{"id": i, "property": p} for i, p in outputs]
    output_key = output_key or (
        _prop_id(*outputs[0])
        if len(outputs) == 1
        else ".." + "...".join(_prop_id(i, p) for i, p in outputs) + ".."
    )
    payload = {
        "output": output_key,
        "outputs": out[0] if len(out) == 1 else out,
        "inputs": [_input(i, p, v) for i, p, v in inputs],
        "state": [_input(i, p, v) for i, p, v in state],
        "changedPropIds": changed if changed is not None else [_prop_id(*inputs[0][:2])],
    }
    # Like dash-renderer: echo the _csrf_token cookie as the X-CSRFToken header.
    cookie = client.get_cookie("_csrf_token")
    sent = {"X-CSRFToken": cookie.value} if cookie else {}
    sent.update(headers or {})
    return client.post("/_dash-update-component", json=payload, headers=sent)


def _input(id_, prop, value):
    if isinstance(value, list) and isinstance(id_, dict) and any(v == "ALL" for v in id_.values()):
        return value  # a pattern-matching ALL input is a list of concrete {id, property, value}
    return {"id": id_, "property": prop, "value": value}


def response_json(response) -> dict:
    assert response.status_code == 200, (response.status_code, response.data[:300])
    return json.loads(response.get_data(as_text=True))


def duplicate_output_key(app, prop_id: str, fired_by: str | None = None) -> str:
    """The callback key Dash gave an `allow_duplicate=True` output, e.g. 'map-figure.data@…';
    `fired_by` (an input's id) picks one among several callbacks writing that output."""
    matches = [
        key
        for key, spec in app.callback_map.items()
        if key.startswith(prop_id + "@")
        and (fired_by is None or any(i["id"] == fired_by for i in spec["inputs"]))
    ]
    assert len(matches) == 1, matches
    return matches[0]
