"""The jurisdiction matrix: every role × units inside and outside its scope × every data route
and every data callback, found by walking the app (a new route or callback is covered without
editing this file).

A forged callback naming an outside unit must return nothing from outside the scope; an
API route answers 200 inside, 403 outside, 404 for a code that does not exist, 401 for nobody.
"""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from app import accounts
from tests.accounts_fixture import csrf_header, log_in, viewer_of
from tests.app_fixtures import app_on_engine
from tests.dash_client import response_json


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
)
def onemap_app(request, tmp_path_factory):
    """The app with every module's demo data: a leak needs data to leak."""

    def seed_modules(app):
        context = app.server.extensions["onemap"]
        with context.sessions() as session, session.begin():
            context.modules.seed_demo(session)

    with app_on_engine(request, "matrix", prepare=seed_modules) as app:
        yield app


CODE = re.compile(r"(?<!\d)35\d{10}(?!\d)")
VIEWERS = [
    "xtw.leader",
    "xtw.staff",
    "xtw.coordinator",
    "xtw.admin",
    "licheng.leader",
    "xiuyu.staff",
    "two.towns",
    "licheng.admin",
]
OUTSIDE_CANDIDATES = ["350305101000", "350304101000", "350303100000", "350322100000"]
UNKNOWN = "350304199000"
CASES: list[str] = []  # every case run, for the closing note's count


def units_for(login) -> dict[str, str]:
    viewer = viewer_of(login)
    inside = viewer.scopes[0]
    outside = next(c for c in OUTSIDE_CANDIDATES if not viewer.covers(c))
    return {
        "inside": inside,
        "inside-village": inside[:9] + "001" if inside[6:9] != "000" else inside[:6] + "100001",
        "outside": outside,
    }


def body_text(response) -> str:
    """The response as text a leak could hide in: spreadsheets are unzipped first."""
    if response.mimetype.endswith("spreadsheetml.sheet") and response.status_code == 200:
        with zipfile.ZipFile(io.BytesIO(response.data)) as book:
            return " ".join(book.read(name).decode("utf-8") for name in book.namelist())
    return response.data.decode("utf-8", "replace")


def leaked_codes(text: str, login: str, sent: tuple[str, ...] = ()) -> set[str]:
    """Division codes in a response that lie outside the viewer's scope, other than the
    ones the request itself named (an error may quote back what was asked)."""
    viewer = viewer_of(login)
    return {c for c in CODE.findall(text) if not viewer.covers(c)} - set(sent)


# --- routes ------------------------------------------------------------------------------


# Sample values for path parameters other than a unit: the unit goes in `?unit=` then.
STORM = "1521"  # 杜鹃, shipped with the typhoon module's demo data
PATH_SAMPLES = {"<storm_id>": STORM, "<key>": "dibao_monthly"}  # a ledger report template
# Routes the matrix reaches another way: tiles (test_tiles_hold_only_units_in_scope) and
# per-object routes (test_messages_are_readable_only_inside_their_scope; a consultation's
# events and snapshots: tests/modules/consult/test_scope.py).
SEPARATE = (
    "/api/v1/tiles/",
    "/api/v1/alerts/messages/<message_id>",
    "/api/v1/consult/events/<event_id>",
    "/api/v1/consult/snapshots/<snapshot_id>",
    "/api/v1/ledger/requests/<number>/",  # tests/modules/ledger/requests/test_scope.py
)


def is_public(app, rule) -> bool:
    """A route a device calls with its own token (modules.sdk.public), not a person."""
    return getattr(app.server.view_functions[rule.endpoint], "onemap_public", False)


def api_rules(app, method: str = "GET") -> list:
    return [
        rule
        for rule in app.server.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and method in rule.methods
        and not is_public(app, rule)
        and not rule.rule.startswith(SEPARATE)
    ]


def api_urls(app, code: str) -> list[str]:
    """Every GET route under /api/v1 that names a unit, filled in for one unit."""
    urls = []
    for rule in api_rules(app):
        path = rule.rule
        for param, sample in PATH_SAMPLES.items():
            path = path.replace(param, sample)
        if "<level>" in path:
            for level in ("city", "county", "town", "village"):
                urls.append(path.replace("<level>", level) + f"?parent={code}")
        elif "<code>" in path:
            urls.append(path.replace("<code>", code))
        elif "<" not in path:
            urls.append(f"{path}?unit={code}")  # a unit-less route, filtered by ?unit
        else:
            raise AssertionError(f"new API route {rule.rule}: teach the matrix its parameters")
    assert urls
    return urls


# Routes that make one document for one unit: without `?unit=` they take the viewer's single
# unit, and a viewer of several units is asked which (400), so they have no whole-scope answer.
ONE_UNIT = ("/api/v1/ledger/reports/",)


def whole_scope_urls(app) -> list[str]:
    """Every GET route under /api/v1 without a unit parameter: it answers for the whole scope."""
    urls = []
    for rule in api_rules(app):
        path = rule.rule
        if path.startswith(ONE_UNIT):
            continue
        for param, sample in PATH_SAMPLES.items():
            path = path.replace(param, sample)
        if "<" not in path:
            urls.append(path)
    return urls


@pytest.mark.parametrize("login", VIEWERS)
def test_routes_inside_outside_unknown(onemap_app, client_as, login):
    client = client_as(login)
    units = units_for(login)
    for which, code in [*units.items(), ("unknown", UNKNOWN)]:
        for url in api_urls(onemap_app, code):
            response = client.get(url)
            CASES.append(f"route {login} {which} {url}")
            expected = {"inside": 200, "inside-village": 200, "outside": 403, "unknown": 404}
            if which == "inside-village" and ".geojson" in url:
                expected["inside-village"] = 200  # a village has no children: empty layer
            assert response.status_code == expected[which], (url, response.status_code)
            assert not leaked_codes(body_text(response), login, (code,)), url


def test_whole_scope_routes_hold_only_data_in_scope(onemap_app, client_as):
    for login in VIEWERS:
        client = client_as(login)
        for url in whole_scope_urls(onemap_app):
            response = client.get(url)
            CASES.append(f"route {login} whole {url}")
            assert response.status_code == 200, url
            assert not leaked_codes(body_text(response), login), (login, url)


def test_whole_layers_hold_only_units_in_scope(client_as):
    for login in VIEWERS:
        client = client_as(login)
        for level in ("city", "county", "town", "village"):
            response = client.get(f"/api/v1/layers/{level}.geojson")
            CASES.append(f"route {login} whole {level}")
            assert response.status_code == 200
            codes = [f["properties"]["code"] for f in response.json["features"]]
            assert not leaked_codes(" ".join(codes), login), (login, level)


def test_anonymous_gets_401_everywhere(onemap_app, anonymous):
    for url in api_urls(onemap_app, "350304100000"):
        CASES.append(f"route anonymous {url}")
        response = anonymous.get(url)
        assert response.status_code == 401 and b"35030" not in response.data


def test_bearer_tokens_carry_the_same_scope(onemap_app, anonymous):
    sessions = onemap_app.server.extensions["onemap"].sessions
    with sessions() as session, session.begin():
        token = accounts.create_token(session, accounts.get_user(session, "xtw.staff"))
    headers = {"Authorization": f"Bearer {token}"}
    for which, code, status in [
        ("inside", "350304100", 200),
        ("outside", "350305101", 403),
        ("unknown", UNKNOWN, 404),
    ]:
        for url in api_urls(onemap_app, code):
            CASES.append(f"token {which} {url}")
            response = anonymous.get(url, headers=headers)
            assert response.status_code == status, (url, response.status_code)
            full = code.ljust(12, "0")
            assert not leaked_codes(body_text(response), "xtw.staff", (full,))
    bad = anonymous.get("/api/v1/divisions/350304100", headers={"Authorization": "Bearer om_x"})
    assert bad.status_code == 401


def tile_url(level: str, code: str) -> str:
    """A zoom-8 tile holding most of the city, narrowed to `code` with ?parent."""
    from layers import tiles

    x, y = tiles.tile_of(119.0, 25.45, 8)
    return f"/api/v1/tiles/{level}/8/{x}/{y}.mvt?parent={code}"


def tile_codes(response) -> list[str]:
    import gzip

    from layers import tiles

    body = response.data
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return [str(f["$id"]) for layer in tiles.decode(body).values() for f in layer]  # id = code


@pytest.mark.parametrize("login", VIEWERS)
def test_tiles_hold_only_units_in_scope(onemap_app, client_as, login):
    client = client_as(login)
    with onemap_app.server.extensions["onemap"].sessions() as session:
        postgis = session.get_bind().dialect.name == "postgresql"
    expected = {"inside": 200, "inside-village": 200, "outside": 403, "unknown": 404}
    for which, code in [*units_for(login).items(), ("unknown", UNKNOWN)]:
        for level in ("county", "town", "village"):
            response = client.get(tile_url(level, code))
            CASES.append(f"tile {login} {which} {level}")
            if not postgis:  # tiles are made by PostGIS; SQLite says so, and leaks nothing
                assert response.status_code in (expected[which], 501), response.status_code
                assert not leaked_codes(body_text(response), login, (code,))
                continue
            assert response.status_code == expected[which], (level, which, response.status_code)
            if response.status_code == 200:
                assert not leaked_codes(" ".join(tile_codes(response)), login), (level, which)


def test_messages_are_readable_only_inside_their_scope(onemap_app, client_as):
    """An SMS sent by 西天尾镇 staff: its board is for viewers whose scope holds 西天尾镇."""
    sender = client_as("xtw.staff")
    sent = sender.post(
        "/api/v1/alerts/messages",
        json={
            "unit": "350304100",
            "groups": ["包保责任人"],  # under the confirmation threshold: sent at once
            "text": "【防汛】请于今晚前完成重点部位巡查。",
        },
        headers=csrf_header(sender),
    )
    assert sent.status_code == 201, sent.get_data(as_text=True)
    message = sent.json["id"]
    assert sent.json["recipients"] > 0
    for login in VIEWERS:
        client = client_as(login)
        response = client.get(f"/api/v1/alerts/messages/{message}")
        CASES.append(f"message {login}")
        expected = 200 if viewer_of(login).covers("350304100000") else 403
        assert response.status_code == expected, (login, response.status_code)
        assert not leaked_codes(body_text(response), login), login
        unknown = client.get("/api/v1/alerts/messages/999999999")
        assert unknown.status_code == 404
    # Staff of another district cannot send to 西天尾镇: refused, and nothing is queued.
    outsider = client_as("xiuyu.staff")
    refused = outsider.post(
        "/api/v1/alerts/messages",
        json={"unit": "350304100", "text": "越权发送"},
        headers=csrf_header(outsider),
    )
    CASES.append("message xiuyu.staff send-outside")
    assert refused.status_code in (400, 403) and "id" not in (refused.json or {})


def test_unsafe_api_routes_need_a_person_and_a_csrf_token(onemap_app, client_as, anonymous):
    """Every POST under /api/v1 (but device routes with their own token): nobody gets 401,
    a logged-in browser without the CSRF header gets 403, and nothing changes."""
    rules = api_rules(onemap_app, "POST")
    assert rules, "no POST routes found"
    client = client_as("xtw.staff")
    anonymous.get("/login")  # a session with a CSRF token, but nobody logged in
    for rule in rules:
        path = rule.rule
        for param, sample in PATH_SAMPLES.items():
            path = path.replace(param, sample)
        CASES.append(f"post {path}")
        nobody = anonymous.post(path, json={}, headers=csrf_header(anonymous))
        assert nobody.status_code == 401, (path, nobody.status_code)
        forged = client.post(path, json={"unit": "350304100"})  # no X-CSRFToken
        assert forged.status_code == 403, (path, forged.status_code)


# --- callbacks ---------------------------------------------------------------------------


def server_callbacks(app) -> list[tuple[str, dict]]:
    app.server.test_client().get("/login")  # Dash completes its callback map on a request
    found = [(key, spec) for key, spec in app.callback_map.items() if spec.get("callback")]
    assert len(found) >= 5, "the walk found too few callbacks"
    return found


def forged_value(prop: str, code: str):
    """What a forger would put in an input or state to ask for `code`."""
    return {
        "clickData": {"points": [{"location": code}]},
        "search": f"?unit={code}",
        "pathname": "/",
        "n_clicks": 1,
    }.get(prop, code)


def forged_inputs(deps: list[dict], code: str) -> list:
    values = []
    for dep in deps:
        id_ = dep["id"]
        pattern = json.loads(id_) if id_.startswith("{") else None
        if pattern and ["ALL"] in pattern.values():  # an ALL input: one element naming the code
            concrete = {k: (code if v == ["ALL"] else v) for k, v in pattern.items()}
            values.append([{"id": concrete, "property": dep["property"], "value": 1}])
        else:  # a plain id, or a dict id without a wildcard
            values.append(
                {
                    "id": pattern or id_,
                    "property": dep["property"],
                    "value": forged_value(dep["property"], code),
                }
            )
    return values


def output_of(part: str) -> dict:
    """{"id", "property"} of one output; a dict id (`{"module":..}.children`) as a dict."""
    id_, prop = part.rsplit(".", 1)
    return {"id": json.loads(id_) if id_.startswith("{") else id_, "property": prop}


def post_callback(client, key: str, spec: dict, code: str):
    inputs = forged_inputs(spec["inputs"], code)
    if key.startswith(".."):
        outputs = [output_of(part) for part in key.strip(".").split("...")]
    else:
        outputs = output_of(key)
    first = spec["inputs"][0]
    payload = {
        "output": key,
        "outputs": outputs,
        "inputs": inputs,
        "state": forged_inputs(spec.get("state", []), code),
        "changedPropIds": [f"{first['id']}.{first['property']}"],
    }
    cookie = client.get_cookie("_csrf_token")
    headers = {"X-CSRFToken": cookie.value} if cookie else {}
    return client.post("/_dash-update-component", json=payload, headers=headers)


@pytest.mark.parametrize("login", VIEWERS)
def test_forged_callbacks_return_nothing_outside_the_scope(onemap_app, client_as, login):
    client = client_as(login)
    units = units_for(login)
    for key, spec in server_callbacks(onemap_app):
        for which, code in units.items():
            CASES.append(f"callback {login} {which} {key[:40]}")
            response = post_callback(client, key, spec, code)
            assert response.status_code in (200, 204), (key, which, response.status_code)
            text = response.get_data(as_text=True)
            assert not leaked_codes(text, login), (key, which, leaked_codes(text, login))
            if which == "outside":
                assert code not in text


def test_in_scope_callbacks_do_answer(client_as, onemap_app):
    """The matrix must not pass by returning nothing at all: inside, data comes back."""
    client = client_as("xtw.staff")
    render = next(
        (k, s) for k, s in server_callbacks(onemap_app) if k.startswith("..map-figure.data")
    )
    body = response_json(post_callback(client, *render, "350304100001"))
    assert "350304100001" in json.dumps(body)
    CASES.append("callback xtw.staff inside-answer render")


def test_anonymous_callbacks_get_nothing(onemap_app, anonymous):
    anonymous.get("/login")  # a session with a CSRF token, but nobody logged in
    for key, spec in server_callbacks(onemap_app):
        CASES.append(f"callback anonymous {key[:40]}")
        response = post_callback(anonymous, key, spec, "350304100000")
        assert response.status_code == 401 and b"35030" not in response.data


def test_log_in_helper_really_logs_in(onemap_app):
    client = onemap_app.server.test_client()
    assert log_in(client, "xtw.staff").status_code == 302
    assert client.get("/api/v1/divisions/350304100").status_code == 200
