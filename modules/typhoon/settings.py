"""The typhoon module's settings: the `[typhoon]` table of the config file and
`ONEMAP_TYPHOON_*` variables (docs/typhoon.md)."""

from __future__ import annotations

from collections.abc import Mapping

from modules.sdk import Setting, SettingValues, module_settings

MODULE_ID = "typhoon"
MB = 1024 * 1024


def _positive_mb(text) -> float:
    value = float(text)
    if not 0 < value <= 1024:
        raise ValueError(f"must be more than 0 and at most 1024 (MB), got {text!r}")
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "max_file_mb",
        "10",
        "largest storm file an import reads, in MB (CLI, page and API; a year of CMA best "
        "tracks is about 50 KB, JMA's whole archive about 5 MB)",
        _positive_mb,
    ),
)


def load(environ: Mapping[str, str] | None = None, **overrides) -> SettingValues:
    return module_settings(MODULE_ID, SETTINGS, environ, **overrides)


def max_file_bytes(environ: Mapping[str, str] | None = None) -> int:
    """The size limit of a storm file, in bytes."""
    return int(load(environ).max_file_mb * MB)


def limit_text(limit: int) -> str:
    """A byte limit as people read it, as the SDK's refusals name it: '10 MB', '512 KB'."""
    if limit >= MB and limit % MB == 0:
        return f"{limit // MB} MB"
    if limit >= MB:
        return f"{limit / MB:.1f} MB"
    return f"{max(1, limit // 1024)} KB"
