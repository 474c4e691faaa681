"""The ledger's settings: the `[ledger]` table of the config file and `ONEMAP_LEDGER_*`
variables (docs/ledger.md)."""

from __future__ import annotations

from modules.sdk import Setting, SettingValues, module_settings

MODULE_ID = "ledger"


def _day(text: object) -> int:
    day = int(str(text))
    if not 1 <= day <= 28:
        raise ValueError(f"must be a day from 1 to 28, got {text!r}")
    return day


SETTINGS: tuple[Setting, ...] = (
    Setting("due_day", 5, "the day of the next month by which a month is due (1-28)", _day),
)


def ledger_settings(**overrides) -> SettingValues:
    return module_settings(MODULE_ID, SETTINGS, **overrides)
