"""A backup that runs out of disk (a file size limit, RLIMIT_FSIZE, in a subprocess) says so
in one sentence and leaves nothing: no backup file, no partial file beside it."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.app_fixtures import database_for

ENGINES = ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]
ROOT = Path(__file__).resolve().parents[2]
LIMIT = 64 * 1024  # bytes; the database with the boundaries is about a megabyte


def backup_with_a_file_size_limit(url: str, target: Path, limit: int | None):
    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "ONEMAP_DATABASE_URL": url, "ONEMAP_DEMO": "0"}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from app.cli import main; sys.exit(main())",
            "backup",
            str(target),
        ],
        cwd=ROOT,
        env=env,
        preexec_fn=cap,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("kind", ENGINES)
def test_a_backup_that_fills_the_disk_leaves_nothing(request, tmp_path, kind):
    folder = tmp_path / "backups"
    folder.mkdir()
    target = folder / "onemap.backup"
    with database_for(request, "fsize", None, kind) as url:
        done = backup_with_a_file_size_limit(url, target, LIMIT)
        assert done.returncode == 1, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
        assert "disk is full" in lines[0] and "file size limit" in lines[0], lines[0]
        assert list(folder.iterdir()) == []  # no backup, no partial file

        # The same command without the limit writes the whole backup.
        done = backup_with_a_file_size_limit(url, target, None)
        assert done.returncode == 0, done.stderr
        assert [p.name for p in folder.iterdir()] == [target.name]
        assert target.stat().st_size > LIMIT
