"""Settings, for the core and for each module, from one place: a table of name, default and
help, a TOML config file, and `ONEMAP_*` environment variables over it.

The config file is optional: `ONEMAP_CONFIG` names it, else `onemap.toml` in the working
directory is read when present. The core's settings are its top-level keys; a module's are
the keys of the table named after its id (`[alerts]`), and its variables are
`ONEMAP_<ID>_<NAME>` (e.g. `ONEMAP_ALERTS_PROVIDER`).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names it and says why."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[Any], Any] = str


@dataclass(frozen=True)
class SettingValues:
    """Parsed settings, read as attributes (`settings.provider`)."""

    values: Mapping[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def config_file(environ: Mapping[str, str], config_path: Path | str | None = "auto") -> dict:
    """The config file's contents ({} without one); SettingsError when it cannot be read."""
    if config_path == "auto":
        named = environ.get("ONEMAP_CONFIG")
        config_path = Path(named) if named else Path("onemap.toml")
        if not named and not config_path.exists():
            return {}
    if config_path is None:
        return {}
    path = Path(config_path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"cannot read config file {path}: {exc}") from exc


def parse_settings(
    table: tuple[Setting, ...],
    from_file: Mapping[str, Any],
    environ: Mapping[str, str],
    prefix: str,
    where: str,
    overrides: Mapping[str, Any] | None = None,
    only: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Defaults < the file's keys < `<prefix><NAME>` variables < `overrides`, each value
    then parsed (only the settings named in `only`, when given: a value that does not parse
    elsewhere in the table is not their concern). `where` names the file's section."""
    known = {s.name for s in table}
    unknown = sorted(set(from_file) - known)
    if unknown:
        raise SettingsError(f"unknown setting(s) in config file{where}: {', '.join(unknown)}")
    raw = dict(from_file)
    for setting in table:
        variable = f"{prefix}{setting.name.upper()}"
        if variable in environ:
            raw[setting.name] = environ[variable]
    raw.update(overrides or {})
    values: dict[str, Any] = {}
    for setting in table:
        if only is not None and setting.name not in only:
            continue
        value = raw.get(setting.name, setting.default)
        try:
            values[setting.name] = setting.parse(value) if value is not None else None
        except (TypeError, ValueError) as exc:
            variable = f"{prefix}{setting.name.upper()}"
            raise SettingsError(f"setting {setting.name} ({variable}): {exc}") from exc
    return values


def module_settings(
    module_id: str,
    table: tuple[Setting, ...],
    environ: Mapping[str, str] | None = None,
    config_path: Path | str | None = "auto",
    only: tuple[str, ...] | None = None,
    config: Mapping[str, Any] | None = None,
    **overrides: Any,
) -> SettingValues:
    """A module's settings: the `[<module_id>]` table of the config file and the
    `ONEMAP_<MODULE_ID>_*` variables over `table`'s defaults, then `overrides` (values
    already parsed, e.g. from a test). `only` reads just those settings; `config` is the
    config file already read (`config_file`), so that a caller reads it once."""
    environ = os.environ if environ is None else environ
    config = config_file(environ, config_path) if config is None else config
    section = config.get(module_id, {})
    if not isinstance(section, Mapping):
        raise SettingsError(f"config file: {module_id} must be a table ([{module_id}])")
    prefix = f"ONEMAP_{module_id.upper()}_"
    values = parse_settings(table, section, environ, prefix, f" [{module_id}]", only=only)
    return SettingValues({**values, **overrides})


VAR_DIR = Setting("var_dir", "", "the core's directory for runtime files")


def var_dir(
    environ: Mapping[str, str] | None = None,
    config_path: Path | str | None = "auto",
    config: Mapping[str, Any] | None = None,
) -> Path:
    """The core's directory for runtime files (its `var_dir` setting, read as the core
    reads it), for a module's default paths."""
    from layers.shipped import DEFAULT_VAR_DIR

    environ = os.environ if environ is None else environ
    config = config_file(environ, config_path) if config is None else config
    file_value = {"var_dir": config["var_dir"]} if "var_dir" in config else {}
    configured = parse_settings((VAR_DIR,), file_value, environ, "ONEMAP_", "")["var_dir"]
    return Path(configured) if configured else DEFAULT_VAR_DIR
