"""Dependencies point one way, app → modules → access → layers → store, and pages read
divisions only through the scoped data layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "modules", "access", "layers", "store")
# What each package may import from the project.
ALLOWED = {
    "store": {"store"},
    "layers": {"layers", "store"},
    "access": {"access", "layers", "store"},
    "modules": {"modules", "access", "layers", "store"},
    "app": {"app", "modules", "access", "layers", "store"},
}
# Unscoped division readers: only the data layer itself may use them.
UNSCOPED = {"layers.repository", "layers.profile"}
# Operator tools check that a code exists; they show no division to a viewer.
OPERATOR_TOOLS = {"cli.py", "accounts.py"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_dependencies_point_one_way(package):
    for path in files(package):
        for name in imports_of(path):
            top = name.split(".")[0]
            if top in PACKAGES:
                assert top in ALLOWED[package], f"{path.relative_to(ROOT)} imports {name}"


def test_the_app_reads_divisions_only_through_the_scoped_layer():
    for path in files("app"):
        if path.name in OPERATOR_TOOLS:
            continue
        bad = {n for n in imports_of(path) if any(n.startswith(u) for u in UNSCOPED)}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}: use access.scoped"


SDK = "modules.sdk"
# Every project package a module could reach for instead of the SDK.
CORE = ("app", "access", "layers", "store", "modules", "bench")
TOY_SITE = ROOT / "tests" / "plugins" / "site"
MODULE_PACKAGES = sorted(
    p.parent.name for p in (ROOT / "modules").glob("*/__init__.py") if p.parent.name != "sdk"
)
TOY_PACKAGES = sorted(p.parent.name for p in TOY_SITE.glob("*/__init__.py"))


def outside_imports(package_dir: Path, own: str) -> list[str]:
    """Project imports of a module's files that are neither the SDK nor its own package."""
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        for name in imports_of(path):
            top = name.split(".")[0]
            inside = name == own or name.startswith(own + ".")
            sdk = name == SDK or name.startswith(SDK + ".")
            if top in CORE and not inside and not sdk:
                found.append(f"{path.relative_to(package_dir.parent)} imports {name}")
    return found


@pytest.mark.parametrize("module", MODULE_PACKAGES)
def test_a_built_in_module_imports_only_the_sdk_and_its_own_package(module):
    """Not the core's files (layers, access, store, app), not another module, not the
    registry: what a module may use is the SDK, documented in docs/modules.md."""
    assert {"flood", "typhoon", "alerts"} <= set(MODULE_PACKAGES)
    assert outside_imports(ROOT / "modules" / module, f"modules.{module}") == []


@pytest.mark.parametrize("module", TOY_PACKAGES)
def test_the_toy_modules_import_only_the_sdk(module):
    assert "onemap_toy" in TOY_PACKAGES
    assert outside_imports(TOY_SITE / module, module) == []


def test_the_check_catches_a_module_reaching_into_the_core(tmp_path):
    # The rule must be able to fail: a file importing the core's geography is reported.
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "__init__.py").write_text(
        "from layers import repository\nfrom modules.sdk import Viewer\n"
        "from modules.flood import points\n",
        encoding="utf-8",
    )
    found = sorted(line.split(" imports ")[1] for line in outside_imports(tmp_path / "bad", "bad"))
    assert found == ["layers", "layers.repository", "modules.flood", "modules.flood.points"]


# Where each hook's work lives, the same in every module (docs/modules.md, the walkthrough).
SKELETON = {
    "register_tables": "models.py",
    "register_migrations": "migrations",
    "register_pages": "pages.py",
    "register_callbacks": "callbacks.py",
    "register_routes": "routes.py",
    "register_commands": "commands.py",
    "register_layers": "layers.py",
    "seed_demo": "demo.py",
}


def hooks_implemented(init: Path) -> set[str]:
    tree = ast.parse(init.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(ast.unparse(d).startswith("hookimpl") for d in node.decorator_list)
    }


@pytest.mark.parametrize("module", MODULE_PACKAGES)
def test_every_module_keeps_the_same_skeleton(module):
    folder = ROOT / "modules" / module
    implemented = hooks_implemented(folder / "__init__.py")
    assert {"module_info", "register_tables", "register_migrations"} <= implemented
    missing = [
        f"{hook} -> {name}"
        for hook, name in SKELETON.items()
        if hook in implemented and not (folder / name).exists()
    ]
    assert missing == []


@pytest.mark.parametrize("module", MODULE_PACKAGES)
def test_callbacks_are_top_level_functions_wired_by_register(module):
    """No callback hidden inside a registration closure, where no test can call it."""
    path = ROOT / "modules" / module / "callbacks.py"
    assert path.exists()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    register = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "register")
    nested = [n.name for n in ast.walk(register) if isinstance(n, ast.FunctionDef)]
    assert nested == ["register"]
