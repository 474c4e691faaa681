"""Where the files shipped with the product lie, in a checkout and in an installed wheel.

A checkout (or an editable install) keeps them in the tree: `data/boundaries/`, `assets/`.
A wheel carries the same folders as packages of their own (`onemap_data.boundaries`,
`onemap_assets`; see pyproject.toml), so `pip install .` outside the tree serves the same
map. Nothing here reads a file: it only says where they are.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# True when running from a checkout (editable install, or the source tree on sys.path).
CHECKOUT = (PROJECT_ROOT / "pyproject.toml").is_file()


def shipped_dir(package: str, in_tree: str) -> Path:
    """The folder of the shipped package `package` (e.g. "onemap_assets"), or `in_tree`
    under the checkout when that package is not installed."""
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:  # a parent namespace that is not installed either
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec else []
    if locations:
        return Path(locations[0])
    return PROJECT_ROOT / in_tree


BOUNDARIES_DIR = shipped_dir("onemap_data.boundaries", "data/boundaries")
# Runtime data (the SQLite file, the secret key): the checkout's var/, else the working
# directory's (an installed package must not write into site-packages).
DEFAULT_VAR_DIR = PROJECT_ROOT / "var" if CHECKOUT else Path.cwd() / "var"
