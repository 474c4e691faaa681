"""Forged callback requests, for every server callback of the full app (every module on).

The walk goes through `app.callback_map`, so a new callback is covered without editing this
file. For each input and state of each callback it posts values of the wrong kind (nulls,
numbers, lists, dicts, huge strings, markup, unreadable uploads) and values naming units
outside the viewer's scope, as a city leader, 西天尾镇's staff and 秀屿区's admin. No answer
may be a 500, and none may carry a code or name of a unit outside that viewer's scope (or
above it: the names of the units holding the viewer's own are theirs to see).
Kinds of value are dealt out across the viewers, so each reaches every input once without
posting every kind as every viewer (the whole walk stays a few seconds per engine).
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from sqlalchemy import select

from access.viewer import Viewer
from app import accounts
from app.callback_guard import REFUSED_MESSAGE
from store.models import Division
from tests.accounts_fixture import PASSWORD, viewer_as, viewer_of
from tests.app_fixtures import app_on_engine, client_factory

OUTSIDE_ADMIN = ("xiuyu.admin", "admin", ["350305"])  # an admin of another county
VIEWERS = {
    "city.leader": "350102001000",  # outside the city: a code that names no unit here
    "xitianwei.staff": "350305101000",  # 秀屿区: another county
    "xiuyu.admin": "350304100000",  # 西天尾镇
}
CODE = re.compile(r"(?<!\d)35\d{10}(?!\d)")


def _prepare(app) -> None:
    """Every module's demo data (a leak needs data to leak), and 秀屿区's admin."""
    context = app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        context.modules.seed_demo(session)
        login, role, scopes = OUTSIDE_ADMIN
        accounts.add_user(session, login, role, scopes, name=login, password=PASSWORD)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def full_app(request):
    with app_on_engine(request, "forged", prepare=_prepare) as app:
        yield app


def viewer(login: str) -> Viewer:
    if login == OUTSIDE_ADMIN[0]:
        _login, role, scopes = OUTSIDE_ADMIN
        return viewer_as(1, login, login, role, scopes)
    return viewer_of(login)


class Names:
    """Unit names to look for in text: each run of Chinese text is read once, every
    substring of a name's length looked up in a set (a regex of a thousand alternatives
    costs a hundred times more on long answers)."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.lengths = sorted({len(name) for name in names})

    def findall(self, text: str) -> set[str]:
        found = set()
        for run in NON_ASCII.findall(text):
            for start in range(len(run)):
                for length in self.lengths:
                    if start + length > len(run):
                        break
                    if run[start : start + length] in self.names:
                        found.add(run[start : start + length])
        return found


NON_ASCII = re.compile(r"[^\x00-\x7f]{3,}")


def forbidden_names(app, who: Viewer) -> Names | None:
    """Names of the units a viewer may not see: neither inside the scope nor above it.
    A name that is part of a name the viewer may see (a village named after its town) is
    left out, or the check would trip on what the viewer is shown."""
    with app.server.extensions["onemap"].sessions() as session:
        rows = session.execute(select(Division.code, Division.name)).all()
    above = _codes_above(who)
    seen = {name for code, name in rows if who.covers(code) or code in above}
    hidden = {
        name
        for code, name in rows
        if name not in seen
        and len(name) >= 3
        and name.isascii() is False
        and not any(name in s for s in seen)
    }
    return Names(hidden) if hidden else None


def _codes_above(who: Viewer) -> set[str]:
    """The codes of the units holding the viewer's (their names are shown in the header)."""
    heads = {scope[:length].ljust(12, "0") for scope in who.scopes for length in (4, 6, 9)}
    return heads - set(who.scopes)


# --- what a forger sends -----------------------------------------------------------------

HUGE = "9" * 200_000


def type_kinds(outside: str) -> list:
    """Values of the wrong kind for any input (dealt out across the viewers)."""
    return [
        None,
        HUGE,
        10**30,
        True,
        -1.5,
        [outside, None, {"x": 1}],
        [[[[]]]],
        {"points": "not-a-list", "code": outside, "__proto__": {"admin": True}},
        "data:application/octet-stream;base64,!!!not-base64!!!",
    ]


def scope_kinds(outside: str) -> list:
    """A unit outside the viewer's scope, in the shapes callbacks read: a code, a click."""
    return [outside, {"points": [{"location": outside, "customdata": [outside, outside]}]}]


def _dep_value(dep: dict, value, forged: bool):
    """One input or state in the request body: forged, or what a fresh page would send."""
    id_ = dep["id"]
    if id_.startswith("{"):  # pattern-matching ALL: a list of concrete elements
        pattern = json.loads(id_)
        if not forged:
            return []
        if not isinstance(value, str | int) or isinstance(value, bool):
            return value  # a forger may send anything where the list belongs
        concrete = {k: (value if v == ["ALL"] else v) for k, v in pattern.items()}
        return [{"id": concrete, "property": dep["property"], "value": 1}]
    if not forged:
        value = 1 if dep["property"] in ("n_clicks", "n_intervals") else None
    return {"id": id_, "property": dep["property"], "value": value}


def _outputs(key: str):
    if key.startswith(".."):
        return [
            dict(zip(("id", "property"), part.split("@")[0].rsplit(".", 1), strict=True))
            for part in key.strip(".").split("...")
        ]
    return dict(zip(("id", "property"), key.split("@")[0].rsplit(".", 1), strict=True))


def forged_body(key: str, spec: dict, slot: int, value) -> dict:
    """A request for callback `key` with `value` in input/state number `slot`."""
    deps = spec["inputs"] + spec.get("state", [])
    values = [_dep_value(dep, value, index == slot) for index, dep in enumerate(deps)]
    changed = deps[slot] if slot < len(spec["inputs"]) else spec["inputs"][0]
    return {
        "output": key,
        "outputs": _outputs(key),
        "inputs": values[: len(spec["inputs"])],
        "state": values[len(spec["inputs"]) :],
        "changedPropIds": [f"{changed['id']}.{changed['property']}"],
    }


def leaks(text: str, who: Viewer, names: Names | None, sent: str) -> set[str]:
    """Codes and names in an answer of units outside the viewer's scope; the code the
    request itself named may be quoted back."""
    try:  # Dash writes names as \u escapes: read them as the page shows them
        text = json.dumps(json.loads(text), ensure_ascii=False)
    except ValueError:
        pass
    found = {c for c in CODE.findall(text) if not who.covers(c)} - {sent}
    if names is not None:
        found |= names.findall(text)
    return found


def server_callbacks(app) -> list[tuple[str, dict]]:
    app.server.test_client().get("/login")  # Dash completes its callback map on a request
    return [(key, spec) for key, spec in app.callback_map.items() if spec.get("callback")]


def post(client, body) -> object:
    cookie = client.get_cookie("_csrf_token")
    return client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": cookie.value})


# --- the walk ----------------------------------------------------------------------------


def test_forged_callback_values_never_answer_500_nor_leak(full_app):
    registry = full_app.server.extensions["onemap"].modules
    # A module that failed to load has no callbacks to walk: that must not pass unseen.
    assert not registry.failures, registry.failures
    assert {"flood", "typhoon", "alerts"} <= set(registry.names), registry.names
    callbacks = server_callbacks(full_app)
    make_client = client_factory(full_app)
    statuses: dict[int, int] = {}
    walked = set()
    for turn, (login, outside) in enumerate(VIEWERS.items()):
        client = make_client(login)
        who = viewer(login)
        names = forbidden_names(full_app, who)
        kinds, shapes = type_kinds(outside), scope_kinds(outside)
        share = len(kinds) // len(VIEWERS)
        for key, spec in callbacks:
            deps = spec["inputs"] + spec.get("state", [])
            for slot in range(len(deps)):
                # This viewer's share of the wrong kinds, rotating with the slot so that every
                # kind reaches every slot as one of the viewers, and one outside unit.
                start = (turn * share + slot) % len(kinds)
                mine = [kinds[(start + i) % len(kinds)] for i in range(share)]
                for value in [*mine, shapes[(turn + slot) % len(shapes)]]:
                    response = post(client, forged_body(key, spec, slot, value))
                    walked.add(key)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    where = (login, key, deps[slot]["id"], deps[slot]["property"], repr(value)[:60])
                    text = response.get_data(as_text=True)
                    assert response.status_code in (200, 204, 400), (where, text[:300])
                    assert not leaks(text, who, names, outside), where
    assert walked == {key for key, _ in callbacks}
    assert statuses.get(200, 0) > sum(statuses.values()) // 2, statuses  # not all refused


def test_a_refused_callback_request_is_a_sentence_and_one_log_line(full_app, caplog):
    client = client_factory(full_app)("xitianwei.staff")
    caplog.set_level(logging.WARNING, logger="app.callback_guard")
    bodies = [
        {"output": "no-such.children", "outputs": {"id": "no-such", "property": "children"}},
        {"output": "audit-table.children", "inputs": "not-a-list"},
        [1, 2, 3],
    ]
    for body in bodies:
        response = post(client, body)
        assert response.status_code == 400, response.get_data(as_text=True)
        assert response.json["message"] == REFUSED_MESSAGE
        assert "Traceback" not in response.get_data(as_text=True)
    refusals = [r for r in caplog.records if r.name == "app.callback_guard"]
    assert len(refusals) == len(bodies)
    assert all(r.exc_info is None and "\n" not in r.getMessage() for r in refusals)
    assert "xitianwei.staff" in refusals[0].getMessage()
    not_json = client.post(
        "/_dash-update-component",
        data="{not json",
        headers={
            "Content-Type": "application/json",
            "X-CSRFToken": client.get_cookie("_csrf_token").value,
        },
    )
    assert not_json.status_code == 400 and "message" in not_json.json


def test_the_leak_check_finds_what_another_viewer_may_see(full_app):
    """The city leader's map of 秀屿区 holds codes and names 西天尾镇's staff may not see: the
    check of the walk above finds them there, so its silence means something."""
    leader = client_factory(full_app)("city.leader")
    key, spec = next(
        (k, s) for k, s in server_callbacks(full_app) if k.startswith("..map-figure.data")
    )
    answer = post(leader, forged_body(key, spec, 0, "350305000000"))
    assert answer.status_code == 200
    staff = viewer("xitianwei.staff")
    found = leaks(answer.get_data(as_text=True), staff, forbidden_names(full_app, staff), "")
    assert any(CODE.fullmatch(f) for f in found) and any(not f.isdigit() for f in found)
