"""Two boundaries imports at once, on both engines: never a traceback, never half an import.

An import holds the database's import lock from reading the stored boundaries to writing
its own; another waits for it (boundedly) or is refused with a sentence. The lock dies with
its holder: a killed import leaves nothing behind that blocks the next one.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
import shapely
from geoalchemy2.elements import WKBElement
from shapely.geometry import mapping
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from layers.importing import ImportReport, import_boundaries, pipeline
from layers.load import boundaries_version, load_shipped
from layers.sources import BOUNDARIES_DIR
from store.engine import make_session
from store.models import Division
from tests.snapshot import changed, snapshot

ROOT = Path(__file__).resolve().parents[2]
VILLAGES = ("350304100001", "350304100002")  # in 西天尾镇

HOLDER = textwrap.dedent(
    """
    import sys
    from store.engine import build_engine
    from layers.importing.lock import import_lock

    with import_lock(build_engine(sys.argv[1]), wait_seconds=10):
        print("locked", flush=True)
        sys.stdin.readline()
    """
)


@pytest.fixture(autouse=True)
def stable_geometry_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    """tests.snapshot compares rows by their repr; on PostGIS geoalchemy2's carries the
    object's address, new at every read. Its WKB is what must match."""
    monkeypatch.setattr(WKBElement, "__repr__", lambda self: f"WKBElement({self.desc})")


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    assert load_shipped(engine, BOUNDARIES_DIR) == "loaded"
    return engine


def village_file(tmp_path: Path, code: str) -> Path:
    data = json.loads((BOUNDARIES_DIR / "village.geojson").read_text(encoding="utf-8"))
    found = next(f for f in data["features"] if f["properties"]["code"] == code)
    geom = shapely.geometry.shape(found["geometry"]).buffer(-0.0002)
    path = tmp_path / f"{code}.geojson"
    feature = {"type": "Feature", "properties": {"code": code}, "geometry": mapping(geom)}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def sources(engine: Engine) -> dict[str, str]:
    with make_session(engine)() as session:
        return dict(session.execute(select(Division.code, Division.geometry_source)).all())


def version(engine: Engine) -> int:
    with make_session(engine)() as session:
        return boundaries_version(session)


def test_an_import_while_another_runs_is_refused_and_a_killed_holder_frees_the_lock(
    loaded: Engine, tmp_path: Path
) -> None:
    path = village_file(tmp_path, VILLAGES[0])
    url = loaded.url.render_as_string(hide_password=False)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked", holder.stderr.read()
        before = snapshot(loaded)

        busy = import_boundaries(loaded, "village", path, wait_seconds=0.2)
        dry_run = import_boundaries(loaded, "village", path, dry_run=True, wait_seconds=0)

        assert not busy.ok
        assert busy.errors[0].reason_zh.startswith("导入正在进行，请稍后重试")
        assert "another boundaries import is in progress" in busy.text()
        assert busy.seconds < 5
        assert changed(before, snapshot(loaded)) == []
        assert dry_run.ok, dry_run.text()  # a dry run writes nothing and does not queue
    finally:
        holder.kill()  # as a crash would: the lock goes with the process
        holder.wait(timeout=10)
        holder.stdout.close()
        holder.stdin.close()
        holder.stderr.close()

    report = import_boundaries(loaded, "village", path, wait_seconds=10)

    assert report.ok, report.text()
    assert sources(loaded)[VILLAGES[0]] == "imported"


def test_two_imports_at_once_run_one_after_the_other(
    loaded: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    paths = [village_file(tmp_path, code) for code in VILLAGES]
    start = threading.Barrier(len(paths))
    reports: dict[str, ImportReport] = {}
    failures: list[BaseException] = []
    first_version = version(loaded)

    def run(path: Path) -> None:
        try:
            start.wait(timeout=10)
            reports[path.stem] = import_boundaries(loaded, "village", path, wait_seconds=60)
        except BaseException as error:  # the test reports it; a thread would swallow it
            failures.append(error)

    threads = [threading.Thread(target=run, args=(path,)) for path in paths]
    with caplog.at_level(logging.INFO, logger="layers.importing"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert not failures
    assert all(report.ok for report in reports.values()), [r.text() for r in reports.values()]
    assert sorted(r.version for r in reports.values()) == [first_version + 1, first_version + 2]
    stored = sources(loaded)
    assert [stored[code] for code in VILLAGES] == ["imported", "imported"]
    # The second planned from what the first wrote: nothing had to be redone.
    assert "retrying" not in caplog.text


def test_a_database_failure_is_a_sentence_not_a_traceback(
    loaded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = village_file(tmp_path, VILLAGES[0])
    before = snapshot(loaded)

    def locked(*_args, **_kwargs):
        raise OperationalError("UPDATE meta", {}, Exception("database is locked"))

    monkeypatch.setattr(pipeline, "write_plan", locked)
    busy = import_boundaries(loaded, "village", path)

    def broken(*_args, **_kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(pipeline, "plan_import", broken)
    bug = import_boundaries(loaded, "village", path)

    assert not busy.ok and not bug.ok
    assert busy.errors[0].reason_zh == "数据库正忙，未做任何修改，请稍后重试"
    assert "the database is busy; nothing was changed" in busy.errors[0].reason
    assert "internal error" in bug.errors[0].reason and "nothing was changed" in bug.text()
    assert "内部错误" in bug.errors[0].reason_zh and "KeyError" not in bug.errors[0].reason_zh
    assert changed(before, snapshot(loaded)) == []
