"""Dependencies point one way, app → modules → layers → store, and pages read divisions only
through the scoped data layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "modules", "layers", "store")
# What each package may import from the project.
ALLOWED = {
    "store": {"store"},
    "layers": {"layers", "store"},
    "modules": {"modules", "layers", "store"},
    "app": {"app", "modules", "layers", "store"},
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
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}: use layers.scoped"


MODULE_PACKAGES = sorted(p.parent.name for p in (ROOT / "modules").glob("*/__init__.py"))


@pytest.mark.parametrize("module", MODULE_PACKAGES)
def test_a_module_uses_only_the_contract_never_another_module(module):
    """A module imports its own package, `modules.contract`, layers and store: never another
    module, nor the core's registry or bus (it gets those through the contract's hooks)."""
    assert {"flood", "typhoon", "alerts"} <= set(MODULE_PACKAGES)
    allowed = {f"modules.{module}", "modules.contract"}
    for path in sorted((ROOT / "modules" / module).rglob("*.py")):
        for name in imports_of(path):
            if name.startswith("modules.") and not any(
                name == a or name.startswith(a + ".") for a in allowed
            ):
                raise AssertionError(f"{path.relative_to(ROOT)} imports {name}")
            if name == "modules":
                raise AssertionError(f"{path.relative_to(ROOT)} imports the modules package")
