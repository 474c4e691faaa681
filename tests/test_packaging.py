"""The product installs as a wheel: every code package is in it, and `pip install .` outside
the tree serves the map with its boundaries, its assets and its modules' data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from setuptools import find_namespace_packages

ROOT = Path(__file__).resolve().parent.parent
CODE = ["access*", "app*", "layers*", "modules*", "store*"]
NOT_SOURCES = (".git", ".venv", "var", "build", "node_modules", "*.egg-info", "__pycache__")
SHIPPED = {"onemap_data.boundaries": "data/boundaries", "onemap_assets": "assets"}


def configured() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]


def test_every_code_package_is_in_the_wheel():
    listed = set(configured()["packages"])
    found = {p for p in find_namespace_packages(where=str(ROOT), include=CODE)}
    assert found - listed == set(), "add these to [tool.setuptools] packages"
    assert listed - found == set(SHIPPED)
    assert configured()["package-dir"] == SHIPPED


# Run by a Python that sees the installed wheel first: it builds an app on a new SQLite file,
# logs in and asks for what a first map needs.
SERVE = r"""
import json, re, sys
import app, layers.shipped
from app import accounts
from app.factory import create_app
from app.settings import load_settings

settings = load_settings(
    overrides={"database_url": sys.argv[1], "secret_key": "k", "demo": False},
    environ={}, config_path=None,
)
web = create_app(settings)
with web.server.extensions["onemap"].sessions() as session, session.begin():
    accounts.add_user(session, "city.leader", "leader", ["350300"], name="l",
                      password="a-long-password")
context = web.server.extensions["onemap"]
with context.sessions() as session, session.begin():
    context.modules.seed_demo(session, only="typhoon")
client = web.server.test_client()
token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(True))
login = client.post("/login", data={"login": "city.leader", "password": "a-long-password",
                                    "csrf_token": token.group(1), "next": "/"})
layer = client.get("/api/v1/layers/county.geojson")
counties = len(layer.get_json()["features"]) if layer.status_code == 200 else layer.status_code
storms = client.get("/api/v1/typhoon/storms")
print(json.dumps({
    "app": app.__file__,
    "boundaries": str(layers.shipped.BOUNDARIES_DIR),
    "login": login.status_code,
    "page": client.get("/").status_code,
    "script": client.get("/assets/onemap.js").status_code,
    "counties": counties,
    "storms": storms.status_code,
    "modules": sorted(m.id for m in context.modules.info()),
}))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel built from a copy of this tree (a build writes build/ beside the sources),
    installed into a folder of its own."""
    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    built = subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(folder), str(source)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    wheel = next(folder.glob("onemap-*.whl"))
    target = folder / "site"
    done = subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return target


def test_a_wheel_installed_outside_the_tree_serves_the_map(installed, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(installed)}
    env = {k: v for k, v in env.items() if not k.startswith("ONEMAP_")}
    run = subprocess.run(
        [sys.executable, "-c", SERVE, f"sqlite:///{(tmp_path / 'w.sqlite').as_posix()}"],
        cwd=tmp_path,  # not the tree: nothing may be found through it
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["app"].startswith(str(installed))
    assert seen["boundaries"].startswith(str(installed))
    assert seen["login"] == 302 and seen["page"] == 200 and seen["script"] == 200
    assert seen["counties"] == 5  # Putian's five counties, from the wheel's boundaries
    assert seen["storms"] == 200  # the typhoon module's shipped storms loaded
    assert {"alerts", "flood", "typhoon"} <= set(seen["modules"])
