"""Settings: one table of name, default and help; `ONEMAP_*` variables override a config file.

The config file (TOML) is optional: `ONEMAP_CONFIG` names it, else `onemap.toml` in the
working directory is read when present. Values are validated on load with a clear message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layers.shipped import BOUNDARIES_DIR, DEFAULT_VAR_DIR
from modules.sdk.settings import (  # noqa: F401 - SettingsError: raised by load_settings
    Setting,
    SettingsError,
    SettingValues,
    config_file,
    parse_settings,
)


def _bool(text: str) -> bool:
    value = str(text).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true/false, got {text!r}")


def _port(text: str) -> int:
    port = int(text)
    if not 1 <= port <= 65535:
        raise ValueError(f"port must be 1-65535, got {port}")
    return port


def _names(text: str) -> frozenset[str]:
    if isinstance(text, frozenset | set | list | tuple):
        return frozenset(text)
    return frozenset(part.strip() for part in str(text).split(",") if part.strip())


def _tiles_crs(text: str) -> str:
    value = str(text).strip().lower()
    if value not in ("wgs84", "gcj02"):
        raise ValueError(f"expected wgs84 or gcj02, got {text!r}")
    return value


def _tiles_url(text: str) -> str:
    value = str(text).strip()
    if value and not all(part in value for part in ("{z}", "{x}", "{y}")):
        raise ValueError("a tile URL template needs {z}, {x} and {y}")
    return value


def _basemap_id(text: str) -> str:
    value = str(text).strip().lower()
    known = ("offline", "blank", "custom", "local", "tianditu-vec", "tianditu-img", "osm", "amap")
    if value and value not in known:
        raise ValueError(f"expected one of {', '.join(known)} (or empty), got {text!r}")
    return value


def _online_basemaps(text: str) -> frozenset[str]:
    names = _names(text)
    unknown = names - {"osm", "amap"}
    if unknown:
        raise ValueError(f"expected osm and/or amap, got {', '.join(sorted(unknown))}")
    return names


def _upload_mb(text: str) -> int:
    megabytes = int(text)
    if not 1 <= megabytes <= 1024:
        raise ValueError(f"expected 1-1024 (MB), got {megabytes}")
    return megabytes


def _live_seconds(text: str) -> int:
    seconds = int(text)
    if seconds != 0 and not 2 <= seconds <= 3600:
        raise ValueError(f"expected 0 (off) or 2-3600 seconds, got {seconds}")
    return seconds


SETTINGS: tuple[Setting, ...] = (
    Setting("database_url", "", "SQLAlchemy URL; empty means the SQLite file var/onemap.sqlite"),
    Setting("host", "127.0.0.1", "address the web server listens on"),
    Setting("port", 8050, "port the web server listens on", _port),
    Setting("var_dir", str(DEFAULT_VAR_DIR), "directory for the SQLite file and runtime data"),
    Setting(
        "boundaries_dir",
        str(BOUNDARIES_DIR),
        "directory of the shipped boundary GeoJSON files loaded on start",
    ),
    Setting(
        "load_boundaries", True, "load the shipped boundaries on start when they changed", _bool
    ),
    Setting(
        "tiles_url", "", "basemap tile URL template ({z}/{x}/{y}); empty = no basemap", _tiles_url
    ),
    Setting("tiles_attribution", "", "attribution shown for the basemap tiles"),
    Setting(
        "tiles_crs",
        "wgs84",
        "wgs84, or gcj02 for Amap-style tiles (overlays are shifted for display only)",
        _tiles_crs,
    ),
    Setting(
        "basemap",
        "",
        "the basemap a map opens on: offline, blank, custom (tiles_url), local "
        "(basemap_mbtiles), tianditu-vec, tianditu-img, osm, amap; empty = custom when "
        "tiles_url is set, else offline",
        _basemap_id,
    ),
    Setting(
        "basemap_file",
        "",
        "the offline basemap GeoJSON; empty = tools/basemap/dist/basemap.geojson (make install)",
    ),
    Setting(
        "basemap_mbtiles",
        "",
        "a raster MBTiles file the app serves as the 本地瓦片 basemap; empty = none",
    ),
    Setting(
        "basemap_mbtiles_crs",
        "wgs84",
        "the datum of basemap_mbtiles' tiles: wgs84, or gcj02 (overlays shifted for display)",
        _tiles_crs,
    ),
    Setting(
        "tianditu_key",
        "",
        "a Tianditu (天地图) key: offers its vector and imagery basemaps (an outside server)",
    ),
    Setting(
        "basemaps_online",
        "",
        "public online basemaps to offer, comma-separated: osm, amap (outside servers)",
        _online_basemaps,
    ),
    Setting(
        "glyphs_font",
        "",
        "the font map labels are drawn with (a .ttf/.otf/.ttc); empty = Noto Sans CJK or "
        "WenQuanYi Micro Hei, whichever is installed",
    ),
    Setting(
        "live_seconds",
        30,
        "how often the map redraws the modules' live layers (risk markers, stations); 0 = never",
        _live_seconds,
    ),
    Setting(
        "max_upload_mb",
        50,
        "largest file a person may upload, in MB; larger request bodies are refused (413)",
        _upload_mb,
    ),
    Setting("debug", False, "Dash debug mode (never in production)", _bool),
    Setting(
        "secret_key",
        "",
        "key that signs session cookies; empty = generated once and kept in var_dir/secret_key",
    ),
    Setting("cookie_secure", False, "send cookies over HTTPS only (set true behind TLS)", _bool),
    Setting(
        "modules_disabled",
        "",
        "comma-separated ids of modules not to load (e.g. typhoon)",
        _names,
    ),
    Setting(
        "demo",
        True,
        "create the demo accounts on an empty database (ONEMAP_DEMO=0 in production)",
        _bool,
    ),
)


@dataclass(frozen=True)
class Settings(SettingValues):
    """The core's settings (read as attributes, as a module's are)."""

    @property
    def resolved_database_url(self) -> str:
        if self.values["database_url"]:
            return self.values["database_url"]
        return f"sqlite:///{Path(self.values['var_dir']) / 'onemap.sqlite'}"

    def replace(self, **changes: Any) -> Settings:
        return load_settings(overrides={**self.values, **changes}, environ={}, config_path=None)


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_path: Path | None | str = "auto",
) -> Settings:
    """Defaults < config file < environment (`ONEMAP_<NAME>`) < explicit overrides.

    Tables in the config file (`[alerts]`) belong to the modules of those ids
    (modules.sdk.module_settings); every other key must be one of SETTINGS."""
    environ = os.environ if environ is None else environ
    from_file = config_file(environ, config_path)
    core_keys = {k: v for k, v in from_file.items() if not isinstance(v, Mapping)}
    return Settings(parse_settings(SETTINGS, core_keys, environ, "ONEMAP_", "", overrides))
