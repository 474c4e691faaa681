"""Settings validation and the `onemap` command line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.cli import main
from app.settings import SettingsError, load_settings


def test_defaults_then_file_then_environment_then_overrides(tmp_path):
    config = tmp_path / "onemap.toml"
    config.write_text('port = 9000\nhost = "0.0.0.0"\n', encoding="utf-8")
    settings = load_settings(environ={"ONEMAP_PORT": "9100"}, config_path=config)
    assert settings.port == 9100 and settings.host == "0.0.0.0"
    assert load_settings(overrides={"port": 9200}, environ={}, config_path=config).port == 9200
    default = load_settings(environ={}, config_path=None)
    assert default.resolved_database_url.endswith("var/onemap.sqlite")
    assert default.tiles_url == "" and default.tiles_crs == "wgs84"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ONEMAP_PORT": "99999"}, "port"),
        ({"ONEMAP_PORT": "eighty"}, "port"),
        ({"ONEMAP_TILES_CRS": "bd09"}, "tiles_crs"),
        ({"ONEMAP_TILES_URL": "https://tiles.example/a.png"}, "tiles_url"),
        ({"ONEMAP_LOAD_BOUNDARIES": "maybe"}, "load_boundaries"),
        ({"ONEMAP_LIVE_SECONDS": "1"}, "live_seconds"),
    ],
)
def test_bad_values_are_refused_with_the_setting_named(env, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(environ=env, config_path=None)


def test_unknown_keys_in_the_config_file_are_refused(tmp_path):
    config = tmp_path / "onemap.toml"
    config.write_text("prot = 1\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="prot"):
        load_settings(environ={}, config_path=config)


def test_database_url_from_the_environment(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert (
        load_settings(environ={"ONEMAP_DATABASE_URL": url}, config_path=None).resolved_database_url
        == url
    )


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["run"],
        ["worker"],
        ["db", "upgrade"],
        ["boundaries", "build"],
        ["boundaries", "import"],
        ["users", "add"],
        ["tokens", "create"],
        ["flood", "import"],
        ["typhoon", "import"],
        ["alerts", "import-contacts"],
    ],
)
def test_every_command_has_help_and_help_opens_no_database(argv, tmp_path):
    database = tmp_path / "never.sqlite"
    env = {**os.environ, "ONEMAP_DATABASE_URL": f"sqlite:///{database}"}
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", *argv, "--help"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0 and "Usage: onemap" in result.stdout, result.stderr
    assert not database.exists()  # the module commands' database is opened on use only


def test_a_wrong_command_line_is_a_usage_error(capsys):
    assert main(["boundaries", "import", "x.geojson"]) == 2  # no --level
    assert "--level" in capsys.readouterr().err
    assert main(["no-such-command"]) == 2


def test_configuration_errors_exit_with_a_message(monkeypatch, capsys):
    monkeypatch.setenv("ONEMAP_PORT", "0")
    assert main(["db", "upgrade"]) == 2
    assert "ONEMAP_PORT" in capsys.readouterr().err


def test_boundaries_build_writes_the_four_levels(tmp_path, capsys):
    assert main(["boundaries", "build", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "built in" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "city.geojson",
        "county.geojson",
        "town.geojson",
        "village.geojson",
    ]


def test_db_upgrade_loads_once_then_finds_nothing_changed(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("ONEMAP_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    with caplog.at_level("INFO", logger="app.factory"):
        assert main(["db", "upgrade"]) == 0
        assert main(["db", "upgrade"]) == 0
    outcomes = [r.getMessage() for r in caplog.records if r.name == "app.factory"]
    assert outcomes == ["boundaries: loaded", "boundaries: unchanged"]
