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


def _seconds_per_day(text) -> int:
    value = int(text)
    if not 1 <= value <= 3600:
        raise ValueError(f"must be a whole number of seconds from 1 to 3600, got {text!r}")
    return value


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "max_file_mb",
        "10",
        "largest storm file an import reads, in MB (CLI, page and API; a year of CMA best "
        "tracks is about 50 KB, JMA's whole archive about 5 MB)",
        _positive_mb,
    ),
    Setting(
        "playback_seconds_per_day",
        "10",
        "how long the page's player takes over one day of storm time, in seconds (the "
        "default speed; the page also offers 10, 30 and 60)",
        _seconds_per_day,
    ),
)
# The speeds the page offers, in seconds per day of storm time; the configured one is added.
SPEEDS = (10, 30, 60)
# A player's tick moves a whole number of hours; ticks closer than this would queue up behind
# the server and the browser redrawing (a step costs a few hundred ms here).
MIN_TICK_MS = 1000


def load(environ: Mapping[str, str] | None = None, **overrides) -> SettingValues:
    return module_settings(MODULE_ID, SETTINGS, environ, **overrides)


def playback_seconds_per_day(environ: Mapping[str, str] | None = None) -> int:
    return load(environ).playback_seconds_per_day


def pace(seconds_per_day: int) -> tuple[int, int]:
    """(milliseconds between ticks, hours a tick moves) that play a day of storm time in
    `seconds_per_day`: the fewest hours a tick whose interval is at least MIN_TICK_MS."""
    hours = 1
    while seconds_per_day * 1000 * hours / 24 < MIN_TICK_MS and hours < 24:
        hours += 1
    return round(seconds_per_day * 1000 * hours / 24), hours


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
