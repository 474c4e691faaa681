"""A refused contacts file costs little memory at every entry point: the page's upload
(refused by its decoded length, by its lines while decoding, by an XLSX's unpacked size
before it is opened) and the CLI (refused by its size on disk before reading, or by its
lines). Each is measured in a process of its own (tests/modules/alerts/memory_probe.py),
with data generated here; no database is opened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.modules.alerts.memory_probe import CSV_HEAD, CSV_LINE

ROOT = Path(__file__).resolve().parents[3]
BUDGET_MB = 100
MB = 1024 * 1024


def environment(tmp_path: Path, **extra: str) -> dict:
    """No config file, no settings but these, a database that must never be created."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEMAP_")}
    env.update(
        PYTHONPATH=str(ROOT),
        ONEMAP_DATABASE_URL=f"sqlite:///{tmp_path / 'never.sqlite'}",
        ONEMAP_LOAD_BOUNDARIES="0",
        **extra,
    )
    return env


def probe(tmp_path: Path, *args: str, **env: str) -> dict:
    run = subprocess.run(
        [sys.executable, "-m", "tests.modules.alerts.memory_probe", *args],
        cwd=tmp_path,
        env=environment(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.splitlines()[-1])


@pytest.mark.parametrize(
    ("case", "limit_mb", "message"),
    [
        ("oversized-csv", "50", "文件超过大小上限 50 MB（本文件 51.0 MB），请拆分后分批导入"),
        ("many-lines-csv", "50", "超过 50000 行，请拆分后分批导入"),
        ("xlsx-4m-rows", "50", "工作簿解压后有 401 MB，超过上限 50 MB"),
        # A large sheet without <dimension> under the unpacked cap would be parsed whole
        # when opened: the SDK refuses it from the zip before openpyxl sees it.
        ("xlsx-under-unpacked-cap", "10", "工作表较大且缺少尺寸信息"),
    ],
)
def test_a_refused_upload_stays_far_below_its_budget(tmp_path, case, limit_mb, message):
    result = probe(tmp_path, case, ONEMAP_ALERTS_CONTACTS_MAX_MB=limit_mb)
    assert result["refused"] and message in result["message"], result
    assert result["above_mb"] < BUDGET_MB, result
    assert not (tmp_path / "never.sqlite").exists()


def test_a_refused_cli_file_stays_far_below_its_budget(tmp_path):
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:  # 200 MB on paper, none of it written
        handle.truncate(200 * MB)
    many = tmp_path / "many.csv"
    with many.open("wb") as handle:
        handle.write(CSV_HEAD)
        block = CSV_LINE * 30_000
        for _ in range(45 * MB // len(block)):
            handle.write(block)
    for path, message in [
        (huge, "the file is larger than the limit of 50 MB (200 MB)"),
        (many, "more than 50000 rows: split the file"),
    ]:
        result = probe(tmp_path, "cli", str(path))
        assert result["status"] == 1 and message in result["message"], result
        assert result["above_mb"] < BUDGET_MB, result
    assert not (tmp_path / "never.sqlite").exists()
