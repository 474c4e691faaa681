"""The same import fired twice at once (a double click, two terminals): one writes, the other
waits and finds it already imported; one that waits too long answers "busy" with a sentence,
never a 500 or a traceback, and changes nothing."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from modules.flood.busy import lock_for_import
from tests.modules.flood.helpers import command, count, inside, page_import, run, state, to_csv


def at_once(*calls):
    """Run the calls in threads released together; their results, in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def go(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as error:  # reported below, with the thread's own traceback
            errors.append(error)

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def rows_in(sessions, village: str, prefix: str, n: int = 30) -> bytes:
    a = inside(sessions, village)
    return to_csv([[f"{prefix}{i}", "危房", "黄", "林", "", "7", *a] for i in range(n)])


def test_the_same_import_twice_at_once_writes_once(sessions):
    data = rows_in(sessions, "350304100210", "并发导入点")
    before = count(sessions)
    first, second = at_once(
        lambda: run(sessions, "xtw.admin", data), lambda: run(sessions, "xtw.admin", data)
    )
    assert first.ok and second.ok, (first.text(), second.text())
    assert sorted([(r.added, r.unchanged) for r in (first, second)]) == [(0, 30), (30, 0)]
    assert count(sessions) == before + 30


def test_a_double_click_on_the_page_imports_once(sessions, client_as):
    data = rows_in(sessions, "350304100212", "双击导入点", 5)
    clients = [client_as("xtw.admin"), client_as("xtw.admin")]
    before = count(sessions)
    texts = at_once(*[lambda c=c: page_import(c, data, "points.csv") for c in clients])
    assert sorted("导入成功" in t for t in texts) == [False, True], texts
    assert any("已导入过：文件中的 5 个重点部位与现有数据相同" in t for t in texts), texts
    assert count(sessions) == before + 5


@contextmanager
def held_import_lock(sessions):
    """Another import holding the lock (and, on SQLite, the file's write lock)."""
    with sessions() as session, session.begin():
        lock_for_import(session, 1)
        yield


def test_an_import_that_waits_too_long_answers_busy_and_changes_nothing(
    flood_app, sessions, client_as, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("ONEMAP_FLOOD_IMPORT_WAIT_SECONDS", "0.3")
    data = rows_in(sessions, "350304100214", "忙碌导入点", 3)
    path = tmp_path / "busy.csv"
    path.write_bytes(data)
    client = client_as("xtw.admin")
    before = state(flood_app)
    with held_import_lock(sessions):
        status, out = command(sessions, path, capsys)
        result = run(sessions, "xtw.admin", data)
        text = page_import(client, data, "busy.csv")
    assert status == 75, out
    assert "BUSY: another import is still being written" in out and "Traceback" not in out
    assert result.busy and result.summary_zh() == "导入正在进行，请稍后重试（本次未做任何修改）。"
    assert "导入正在进行，请稍后重试" in text
    assert state(flood_app) == before
    # Once the other import is done, the same command goes through.
    status, out = command(sessions, path, capsys)
    assert status == 0 and "OK: added 3" in out
