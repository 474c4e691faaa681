"""docs/modules.md's walkthrough is true: its code blocks, written out as a package and
installed the way pip would, make a module that loads, migrates, seeds, draws each viewer's
own gauges and serves a route that checks the permission it declares."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

from store.models import Base
from tests.accounts_fixture import create_users, csrf_header
from tests.app_fixtures import release, settings_for
from tests.modules.test_contract import client_for, render
from tests.test_architecture import outside_imports

DOCS = Path(__file__).resolve().parents[2] / "docs" / "modules.md"
BLOCK = re.compile(r"```python\n# file: (\S+)\n(.*?)```", re.S)


def walkthrough_files() -> dict[str, str]:
    return {path: code for path, code in BLOCK.findall(DOCS.read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def rainfall_app(tmp_path_factory):
    """One install for the module's tests (a class declared twice on Base would warn)."""
    tmp_path = tmp_path_factory.mktemp("walkthrough")
    site = tmp_path / "site"
    for path, code in walkthrough_files().items():
        target = site / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(code, encoding="utf-8")
    info = site / "onemap_rainfall-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: onemap-rainfall\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[onemap.modules]\nrainfall = onemap_rainfall\n")
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    from app.factory import create_app

    url = f"sqlite:///{(tmp_path / 'walk.sqlite').as_posix()}"
    app = create_app(settings_for(url))
    create_users(app)
    context = app.server.extensions["onemap"]
    with context.sessions() as session, session.begin():
        context.modules.seed_demo(session, only="rainfall")
    try:
        yield app, site
    finally:
        release(url)
        sys.path.remove(str(site))
        for name in [n for n in sys.modules if n.startswith("onemap_rainfall")]:
            sys.modules.pop(name)
        if "rainfall_gauges" in Base.metadata.tables:
            Base.metadata.remove(Base.metadata.tables["rainfall_gauges"])
        importlib.invalidate_caches()


def test_the_walkthrough_has_the_files_it_promises():
    assert set(walkthrough_files()) == {
        "onemap_rainfall/__init__.py",
        "onemap_rainfall/models.py",
        "onemap_rainfall/layers.py",
        "onemap_rainfall/routes.py",
        "onemap_rainfall/migrations/rainfall_0001_gauges.py",
    }


def test_the_walkthrough_module_uses_only_the_sdk(rainfall_app):
    _, site = rainfall_app
    assert outside_imports(site / "onemap_rainfall", "onemap_rainfall") == []


def test_the_walkthrough_module_draws_each_viewers_own_gauges(rainfall_app):
    app, _ = rainfall_app
    registry = app.server.extensions["onemap"].modules
    assert "rainfall" in {m.id for m in registry.info()}
    assert not [f for f in registry.failures if f.module == "rainfall"]

    def gauges(login, focus):
        data = render(client_for(app, login), focus=focus)["data"]
        traces = [t for t in data if t.get("meta") == {"layer": "rainfall-gauges"}]
        return traces[0]["text"] if traces else []

    assert len(gauges("xtw.staff", "350304100000")) == 3
    assert all("雨量站" in text for text in gauges("xtw.staff", "350304100000"))
    assert gauges("xiuyu.staff", "350305000000") == []


def test_the_walkthrough_route_checks_its_permission_and_the_scope(rainfall_app):
    app, _ = rainfall_app

    def post(login):
        client = client_for(app, login)
        return client.post(
            "/api/v1/rainfall/gauges/1/reading", json={"mm": 12.5}, headers=csrf_header(client)
        )

    answer = post("xtw.staff")
    assert answer.status_code == 200 and answer.json == {"gauge": 1, "mm": 12.5}
    assert post("xtw.leader").status_code == 403  # the role lacks rainfall.record
    assert post("xiuyu.staff").status_code == 403  # not a gauge of their jurisdiction
