"""The flood module's own settings: a table of name, default and help, read by the SDK from
the `[flood]` table of the config file and `ONEMAP_FLOOD_*` environment variables (documented
in docs/flood.md). Read at each use, so a test or an operator's change applies at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from modules.sdk import Setting, SettingValues, module_settings

MODULE_ID = "flood"
MB = 1024 * 1024


def _positive(kind: Callable[[str], Any]) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        number = kind(value)
        if not number > 0:
            raise ValueError(f"must be more than 0, got {value!r}")
        return number

    return parse


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "import_max_mb",
        "50",
        "largest key-point file (MB) the import page and `onemap flood import` accept",
        _positive(float),
    ),
    Setting(
        "import_wait_seconds",
        "30",
        "how long an import waits for another one still writing before it answers 'busy'",
        _positive(float),
    ),
    Setting(
        "readings_max_kb",
        "2048",
        "largest body (KB) of POST /api/v1/flood/readings",
        _positive(int),
    ),
    Setting(
        "readings_max_age_days",
        "365",
        "readings older than this many days are refused (a device with a reset clock)",
        _positive(float),
    ),
    Setting(
        "readings_max_ahead_minutes",
        "10",
        "readings more than this many minutes ahead of the server's clock are refused",
        _positive(float),
    ),
)


def load(environ: Mapping[str, str] | None = None, **overrides: Any) -> SettingValues:
    """The settings from the config file and the environment (keyword overrides, already
    parsed, win: tests)."""
    return module_settings(MODULE_ID, SETTINGS, environ, **overrides)


def import_max_bytes(environ: Mapping[str, str] | None = None) -> int:
    """The key-point import's size cap in bytes."""
    values = module_settings(MODULE_ID, SETTINGS, environ, only=("import_max_mb",))
    return int(values.import_max_mb * MB)


def size_label(limit: int) -> str:
    """A byte count as people read it: '50 MB', '2 MB', '512 KB'."""
    if limit >= MB:
        return f"{limit / MB:.3g} MB"
    return f"{max(1, limit // 1024)} KB"
