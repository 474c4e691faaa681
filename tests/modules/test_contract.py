"""The module SDK: a toy module installed in the test run appears on the map, in the
panel list, in the API and the schema with no line of core changed; broken modules are
reported by name and the app keeps working. Each hook is named in a test below."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import sys
import types
from pathlib import Path

import pytest
from sqlalchemy import inspect as sa_inspect

from access.permissions import CORE_PERMISSIONS
from app.factory import create_app
from app.registry import ModuleRegistry
from app.settings import load_settings
from modules.sdk import EXPOSURE, ModuleInfo, Permission, Signal, hookimpl, hooks
from store.models import Base
from tests.accounts_fixture import create_users, log_in, viewer_as
from tests.dash_client import call_callback, duplicate_output_key, response_json

SITE = Path(__file__).resolve().parent.parent / "plugins" / "site"
TOY_MODULES = ("onemap_toy", "onemap_broken", "onemap_misspelt")


@pytest.fixture
def installed(monkeypatch):
    """Put the toy site-packages on sys.path, as `pip install` would; undo afterwards."""
    monkeypatch.syspath_prepend(str(SITE))
    importlib.invalidate_caches()
    yield
    for name in TOY_MODULES:
        sys.modules.pop(name, None)
    if "toy_things" in Base.metadata.tables:  # register_tables added it to the shared metadata
        Base.metadata.remove(Base.metadata.tables["toy_things"])
    importlib.invalidate_caches()


def make_app(tmp_path, **overrides):
    settings = load_settings(
        overrides={
            "database_url": f"sqlite:///{tmp_path / 'm.sqlite'}",
            "secret_key": "k",
            "demo": False,
            **overrides,
        },
        environ={},
        config_path=None,
    )
    app = create_app(settings)
    create_users(app)
    return app


def client_for(app, login="xtw.staff"):
    client = app.server.test_client()
    assert log_in(client, login).status_code == 302
    return client


def render(client, focus="350304100000", shade="zone"):
    response = call_callback(
        client,
        [
            ("map-figure", "data"),
            ("breadcrumb", "children"),
            ("unit-profile", "children"),
            ("unit-children", "children"),
        ],
        inputs=[
            ("map-focus", "data", focus),
            ("map-selected", "data", focus),
            ("layer-toggles", "value", ["village"]),
        ],
        state=[("map-shade", "value", shade)],
    )
    return response_json(response)["response"]["map-figure"]["data"]


def page(client, search=""):
    response = call_callback(
        client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        inputs=[("_pages_location", "pathname", "/"), ("_pages_location", "search", search)],
    )
    return json.dumps(response_json(response), ensure_ascii=False)


def test_module_info_register_layers_and_register_panels_put_the_toy_on_the_map(
    installed, tmp_path
):
    app = make_app(tmp_path)
    registry = app.server.extensions["onemap"].modules
    assert {"flood", "toy"} <= {m.id for m in registry.info()}  # module_info
    client = client_for(app)
    traces = [t for t in render(client)["data"] if t.get("name") == "玩具标记"]
    assert len(traces) == 1 and traces[0]["meta"] == {"layer": "toy-markers"}
    # register_layers got the viewer: 西天尾镇 staff see their marker and not 秀屿区's.
    assert traces[0]["text"] == ["玩具标记 350304100001"]
    assert "玩具面板" in page(client) and "玩具模块在此" in page(client)  # register_panels


def test_register_measures_shades_units_by_a_module_value(installed, tmp_path):
    app = make_app(tmp_path)
    client = client_for(app)
    assert "玩具值" in page(client)  # offered in the 着色 dropdown
    figure = render(client, shade="measure:toy")
    z = figure["data"][0]["z"]
    assert len(z) == 17 and all(isinstance(v, int) for v in z)
    assert figure["data"][0]["colorbar"]["title"]["text"] == "玩具值（个）"
    patch = call_callback(
        client,
        [("map-figure", "data")],
        inputs=[("map-shade", "value", "measure:toy")],
        state=[("map-focus", "data", "350304100000")],
        output_key=duplicate_output_key(app, "map-figure.data", fired_by="map-shade"),
    )
    assert "operations" in json.dumps(response_json(patch))


def test_register_routes_serve_under_the_module_with_the_core_scope(installed, tmp_path):
    app = make_app(tmp_path)
    client = client_for(app)
    assert client.get("/api/v1/toy/hello/350304100").json == {"hello": "西天尾镇"}
    assert client.get("/api/v1/toy/hello/350305101").status_code == 403
    assert client.get("/api/v1/toy/hello/350304199").status_code == 404
    assert app.server.test_client().get("/api/v1/toy/hello/350304100").status_code == 401
    # A route marked `public` checks its own device token instead of a login.
    device = app.server.test_client()
    good = {"Authorization": "Bearer toy-device-secret"}
    assert device.post("/api/v1/toy/ping", json=[1], headers=good).json == {"pong": [1]}
    wrong = {"Authorization": "Bearer om_guess"}
    assert device.post("/api/v1/toy/ping", json=[1], headers=wrong).status_code == 401
    assert device.post("/api/v1/toy/ping", json=[1]).status_code == 401  # no token at all


def test_register_callbacks_register_signals_and_seed_demo(
    installed, tmp_path, monkeypatch, capsys
):
    app = make_app(tmp_path)
    assert "toy-echo.children" in app.callback_map  # register_callbacks
    toy = sys.modules["onemap_toy"]
    registry = app.server.extensions["onemap"].modules
    assert registry.bus.publish(Signal("toy.ping", "test", {"n": 1})) == 1  # register_signals
    assert toy.RECEIVED[-1].payload == {"n": 1}
    # seed_demo runs with `onemap run` on an empty database.
    import app.cli as cli

    monkeypatch.setattr(
        "app.cli.make_server", lambda *a, **k: type("S", (), {"run": lambda self: None})()
    )
    monkeypatch.setenv("ONEMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite'}")
    monkeypatch.setenv("ONEMAP_SECRET_KEY", "k")
    assert cli.main(["run"]) == 0
    assert any(s.name == "toy.seeded" for s in toy.RECEIVED)


def test_register_tables_and_register_migrations_add_the_module_schema(installed, tmp_path):
    app = make_app(tmp_path)
    engine = app.server.extensions["onemap"].engine
    assert "toy_things" in sa_inspect(engine).get_table_names()
    assert "toy_things" in Base.metadata.tables
    from store.migrate import check, current_revision

    registry = app.server.extensions["onemap"].modules
    locations = [path for _, path in registry.call("register_migrations")]
    check(engine, locations)  # the toy's model and its migration agree, as the core's do
    assert "toy_0001" in current_revision(engine).split()


def test_broken_modules_are_reported_by_name_and_the_rest_works(installed, tmp_path, monkeypatch):
    unloadable = SITE / "onemap_unloadable-0.1.dist-info"
    assert unloadable.exists()
    app = make_app(tmp_path)
    failures = {(f.module, f.stage) for f in app.server.extensions["onemap"].modules.failures}
    assert ("unloadable", "load") in failures and ("misspelt", "load") in failures
    client = client_for(app, "city.admin")
    figure = render(client, focus="350300000000")
    assert any(t.get("name") == "玩具标记" for t in figure["data"])  # the others still draw
    failures = {(f.module, f.stage) for f in app.server.extensions["onemap"].modules.failures}
    assert ("broken", "register_layers") in failures
    admin = call_callback(
        client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        inputs=[("_pages_location", "pathname", "/admin"), ("_pages_location", "search", "")],
    )
    text = json.dumps(response_json(admin), ensure_ascii=False)
    assert "broken" in text and "misspelt" in text and "unloadable" in text and "出错" in text


def test_modules_can_be_disabled_in_settings(installed, tmp_path):
    app = make_app(tmp_path, modules_disabled="toy,broken")
    registry = app.server.extensions["onemap"].modules
    assert "toy" not in registry.names and "broken" not in registry.names
    assert "flood" in registry.names


def test_register_pages_adds_a_page_to_the_header_and_serves_it(installed, tmp_path):
    app = make_app(tmp_path)
    client = client_for(app)
    header = json.dumps(client.get("/_dash-layout").json, ensure_ascii=False)
    assert "玩具页" in header and "/toy" in header  # a link in the header
    response = call_callback(
        client,
        [("_pages_content", "children"), ("_pages_store", "data")],
        inputs=[("_pages_location", "pathname", "/toy"), ("_pages_location", "search", "")],
    )
    assert "玩具页面" in json.dumps(response_json(response), ensure_ascii=False)


def test_register_sites_gives_every_module_the_viewer_s_sites_only(installed, tmp_path):
    from tests.modules.flood.conftest import seed

    app = make_app(tmp_path)
    seed(app)
    context = app.server.extensions["onemap"]

    xtw = viewer_as(1, "x", "x", "staff", ["350304100"])
    xiuyu = viewer_as(2, "y", "y", "staff", ["350305"])
    with context.sessions() as session:
        mine = context.core.sites(session, xtw)
        theirs = context.core.sites(session, xiuyu)
        narrowed = context.core.sites(session, xiuyu, "350305101")
    assert {s.module for s in mine} == {"flood", "toy"}
    assert all(s.village_code.startswith("350304100") for s in mine)
    assert len([s for s in mine if s.module == "flood"]) == 46  # 西天尾镇's key points
    assert all(s.village_code.startswith("350305") for s in theirs)
    assert {s.id for s in mine}.isdisjoint({s.id for s in theirs})
    assert narrowed and all(s.village_code.startswith("350305101") for s in narrowed)
    # Phones: staff of the scope see them whole; a leader sees them masked.
    leader = viewer_as(3, "l", "l", "leader", ["350304"])
    with context.sessions() as session:
        masked = [s for s in context.core.sites(session, leader) if s.module == "flood"]
    assert all("****" in s.contact_phone for s in masked if s.contact_phone)
    assert any(s.contact_phone and "****" not in s.contact_phone for s in mine)


def test_register_collections_publishes_the_toy_s_markers_for_gis_tools(installed, tmp_path):
    """The toy's collection under /ogc/ with no core change: each reader gets their own."""
    app = make_app(tmp_path)
    client = client_for(app)
    listed = client.get("/ogc/collections").get_json()["collections"]
    assert "toy.markers" in [c["id"] for c in listed]
    items = client.get("/ogc/collections/toy.markers/items").get_json()
    assert [f["id"] for f in items["features"]] == ["350304100001"]
    assert client.get("/ogc/collections/toy.markers/items/350305101001").status_code == 404
    xiuyu = client_for(app, "xiuyu.staff").get("/ogc/collections/toy.markers/items").get_json()
    assert [f["id"] for f in xiuyu["features"]] == ["350305101001"]
    assert app.server.test_client().get("/ogc/collections/toy.markers/items").status_code == 401


def test_situation_gathers_every_module_s_items_inside_the_viewer_s_scope(installed, tmp_path):
    from datetime import UTC, datetime

    from modules.sdk import SituationEvent

    app = make_app(tmp_path)
    context = app.server.extensions["onemap"]
    moment = datetime(2015, 9, 28, 6, tzinfo=UTC)
    event = SituationEvent(1, "typhoon", "1521", "350300000000", "1521 杜鹃", moment, drill=True)
    xtw = viewer_as(1, "x", "x", "staff", ["350304100"])
    city = viewer_as(2, "c", "c", "coordinator", ["350300000000"])
    with context.sessions() as session:
        mine = {i.id: i for i in context.core.situation(session, xtw, event, moment)}
        everyone = {i.id: i for i in context.core.situation(session, city, event, moment)}
        rainstorm = dataclasses.replace(event, kind="rainstorm")
        quiet = context.core.situation(session, city, rainstorm, moment)
    # The toy answers both markers; the core keeps only the staff member's own.
    assert [r["unit"] for r in mine["toy.markers"].rows] == ["350304100001"]
    assert len(everyone["toy.markers"].rows) == 2
    assert everyone["toy.markers"].source == "玩具模块 · 1521 · 06:00"
    assert "toy.markers" not in {i.id for i in quiet}


def test_stored_signals_reach_other_processes_while_in_force(installed, tmp_path):
    from datetime import UTC, datetime, timedelta

    app = make_app(tmp_path)
    context = app.server.extensions["onemap"]
    now = datetime.now(UTC)
    signal = Signal(
        EXPOSURE,
        "toy",
        {"sites": ["toy:350304100001"]},
        key="storm-1",
        valid_until=now + timedelta(hours=1),
    )
    with context.sessions() as session, session.begin():
        assert context.core.publish(session, signal) == 0  # nobody subscribed in-process
    # A second app on the same database (another worker process) sees it while in force.
    other = make_app(tmp_path).server.extensions["onemap"]
    with other.sessions() as session:
        found = other.core.signals(session, EXPOSURE)
        later = other.core.signals(session, EXPOSURE, now + timedelta(hours=2))
    assert [s.payload for s in found] == [{"sites": ["toy:350304100001"]}] and later == []
    # The same key replaces; an empty payload withdraws.
    with context.sessions() as session, session.begin():
        context.core.publish(session, Signal(EXPOSURE, "toy", {"sites": []}, key="storm-1"))
        assert [s.payload for s in context.core.signals(session, EXPOSURE)] == [{"sites": []}]
        context.core.publish(session, Signal(EXPOSURE, "toy", {}, key="storm-1"))
        assert context.core.signals(session, EXPOSURE) == []


def test_register_workers_run_under_onemap_worker_and_stop(installed, tmp_path):
    import threading

    from app.workers import start_workers

    app = make_app(tmp_path)
    context = app.server.extensions["onemap"]
    toy = sys.modules["onemap_toy"]
    stop = threading.Event()
    threads = start_workers(context.modules, context.core, stop)
    assert "worker-toy-worker" in {t.name for t in threads}
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    assert toy.WORKED[-2:] == ["started", "stopped"]


def test_register_commands_add_cli_commands_run_as_the_system(
    installed, tmp_path, monkeypatch, capsys
):
    import app.cli as cli

    monkeypatch.setenv("ONEMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    monkeypatch.setenv("ONEMAP_SECRET_KEY", "k")
    assert cli.main(["toy-hello", "莆田"]) == 0
    # The system viewer covers the whole city: both toy markers are its sites.
    assert "toy says hello to 莆田: 2 sites" in capsys.readouterr().out


def test_register_permissions_gives_roles_what_the_modules_declare(installed, tmp_path):
    app = make_app(tmp_path)
    grants = app.server.extensions["onemap"].modules.grants
    assert "toy.poke" in grants["staff"] and "toy.poke" not in grants["leader"]
    # The built-in modules' permissions come the same way as the toy's.
    assert {"record", "alert"} <= grants["staff"] and "consult" in grants["coordinator"]
    assert client_for(app, "xtw.staff").get("/api/v1/toy/poke").status_code == 200
    assert client_for(app, "xtw.leader").get("/api/v1/toy/poke").status_code == 403


def test_a_permission_for_an_unknown_role_is_reported_and_the_core_keeps_its_own(installed):
    registry = ModuleRegistry()
    odd = types.ModuleType("odd")
    odd.register_permissions = hookimpl(lambda: [Permission("odd.x", "怪", ("mayor",))])
    registry.add("odd", odd)
    assert registry._permissions() == CORE_PERMISSIONS
    assert any(f.stage == "register_permissions" and "mayor" in f.error for f in registry.failures)


def test_hooks_are_dispatched_by_pluggy_with_its_ordering_and_firstresult(installed):
    registry = ModuleRegistry()
    early, late = types.ModuleType("early"), types.ModuleType("late")
    early.module_info = hookimpl(tryfirst=True)(lambda: ModuleInfo("early", "先"))
    early.register_measures = hookimpl(tryfirst=True)(lambda viewer: [])
    late.register_measures = hookimpl(trylast=True)(lambda viewer: [])
    registry.add("late", late)
    registry.add("early", early)
    # firstresult: one answer, the tryfirst one, though every module has module_info.
    assert registry.call("module_info") == [("early", ModuleInfo("early", "先"))]
    order = [name for name, _ in registry.call("register_measures", viewer=None)]
    assert order[0] == "early" and order[-1] == "late" and "toy" in order
    # A module that raises is left out and recorded; the others still answer.
    boom = types.ModuleType("boom")
    boom.register_measures = hookimpl(lambda viewer: 1 / 0)
    registry.add("boom", boom)
    assert "boom" not in [n for n, _ in registry.call("register_measures", viewer=None)]
    assert any(f.module == "boom" and f.stage == "register_measures" for f in registry.failures)


def test_register_openapi_puts_a_module_s_routes_in_the_document_under_its_prefix():
    from app.openapi.document import build_document
    from modules.sdk import openapi as doc

    registry = ModuleRegistry()
    paper = types.ModuleType("paper")
    paper.module_info = hookimpl(lambda: ModuleInfo("paper", "纸"))
    sheet = doc.param("sheet_id", "编号", where="path")
    paper.register_openapi = hookimpl(
        lambda: {"/sheets/{sheet_id}": {"get": doc.operation("A sheet", parameters=[sheet])}}
    )
    registry.add("paper", paper)
    found = build_document(registry)["paths"]["/api/v1/paper/sheets/{sheet_id}"]["get"]
    assert found["tags"] == ["paper"]
    assert {"401", "503"} <= set(found["responses"])  # the core's answers, added for it


def test_every_hook_has_a_test_and_documentation():
    specs = [
        (name, fn)
        for name, fn in inspect.getmembers(hooks, inspect.isfunction)
        if hasattr(fn, "onemap_spec")
    ]
    assert len(specs) >= 10
    tests = Path(__file__).read_text(encoding="utf-8")
    docs = (Path(__file__).resolve().parents[2] / "docs" / "modules.md").read_text("utf-8")
    for hook, fn in specs:
        assert (
            f"def test_{hook}" in tests
            or f"_{hook}_" in tests
            or f" {hook}" in tests.split("def test_every_hook")[0]
        ), f"hook {hook} has no test"
        # The whole signature, as datasette's docs test checks: a renamed argument fails.
        signature = f"{hook}({', '.join(inspect.signature(fn).parameters)})"
        assert f"`{signature}`" in docs, f"{signature} is not documented in docs/modules.md"


def test_a_hook_shadowed_by_a_submodule_is_reported_not_lost(installed):
    """`import pkg.situation` replaces the function `pkg.situation` with the submodule: the
    registry says so by name instead of silently dropping the module's situation items."""
    registry = ModuleRegistry(frozenset(TOY_MODULES))
    plugin = types.ModuleType("onemap_shadowed")
    plugin.situation = types.ModuleType("onemap_shadowed.situation")
    registry.add("shadowed", plugin)
    [failure] = [f for f in registry.failures if f.module == "shadowed"]
    assert failure.stage == "contract" and 'specname="situation"' in failure.error
    # A submodule beside a function that implements the hook under another name is fine.
    named_apart = types.ModuleType("onemap_named_apart")
    named_apart.situation = types.ModuleType("onemap_named_apart.situation")
    named_apart.situation_items = hookimpl(specname="situation")(lambda: [])
    registry.add("named_apart", named_apart)
    assert not [f for f in registry.failures if f.module == "named_apart"]
