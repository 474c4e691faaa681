"""Imports hardened: capped before anything is read (the module's setting, named in the
refusal), memory flat while a huge body is refused, double and simultaneous submits
harmless, and a re-import that keeps what the new file does not carry."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from modules.sdk import SettingsError
from modules.typhoon import settings
from modules.typhoon.commands import do_import
from modules.typhoon.storage import load
from tests.accounts_fixture import csrf_header
from tests.app_fixtures import client_factory, database_for
from tests.modules.typhoon.doors import quick_snapshot, via_api, via_cli, via_page
from tests.snapshot import changed

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "modules" / "typhoon" / "data"
LIMIT_ENV = "ONEMAP_TYPHOON_MAX_FILE_MB"


def cma(storm: str, lines: list[str]) -> bytes:
    return (
        f"66666 0000 {len(lines):4d} 0098 {storm} 0 6 Twice\n" + "\n".join(lines) + "\n"
    ).encode()


TRACK = [
    "2020080100 1 150 1300 1000      15",
    "2020080106 2 160 1290  995      20",
]


@pytest.fixture
def admin(client_as):
    return client_as("city.admin")


def radii_count(sessions, storm: str) -> tuple[int, int]:
    """(fixes with level-7 and level-10 radii, fixes) of a stored storm."""
    with sessions() as session:
        _, data = load(session, storm)
    with_radii = [f for f in data.fixes if f.radii[7] is not None and f.radii[10] is not None]
    return len(with_radii), len(data.fixes)


# --- the size cap ----------------------------------------------------------------------------


def test_the_size_cap_is_a_module_setting_named_in_every_refusal(
    typhoon_app, admin, cli_core, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv(LIMIT_ENV, "0.25")
    assert settings.max_file_bytes() == 256 * 1024
    data = cma("9870", TRACK) * 3000  # 330 KB
    before = quick_snapshot(typhoon_app)
    api = via_api(admin, data, "cma")
    page = via_page(admin, data, "cma")
    cli = via_cli(cli_core, tmp_path, data, "cma", None, capsys)
    assert api.status == 413
    for answer in (api, page, cli):
        assert not answer.ok and "文件超过大小上限 256 KB" in answer.text_zh, answer
    for answer in (api, cli):
        assert "larger than the limit of 256 KB" in answer.text, answer
    assert changed(before, quick_snapshot(typhoon_app)) == []
    # The page's upload box refuses such a file before sending it.
    from types import SimpleNamespace

    from modules.typhoon.pages import layout
    from tests.accounts_fixture import viewer_of

    core = SimpleNamespace(
        viewer=lambda: viewer_of("city.admin"),
        sessions=typhoon_app.server.extensions["onemap"].sessions,
    )
    (box,) = find(layout(core), "typhoon-upload")
    assert box.max_size == 256 * 1024 and "不超过 256 KB" in str(box.children)


def find(component, wanted: str) -> list:
    found = [component] if getattr(component, "id", None) == wanted else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found += find(child, wanted)
    return found


def test_a_bad_size_setting_names_its_variable():
    with pytest.raises(SettingsError, match=LIMIT_ENV):
        settings.max_file_bytes({LIMIT_ENV: "lots"})
    with pytest.raises(SettingsError, match=LIMIT_ENV):
        settings.max_file_bytes({LIMIT_ENV: "0"})


def test_a_200_mb_file_on_the_command_line_is_refused_by_its_size_on_disk(
    cli_core, tmp_path, capsys
):
    path = tmp_path / "CH2099BST.txt"
    with path.open("wb") as handle:  # sparse: nothing is written, nothing could be read fast
        handle.truncate(200 * 1024 * 1024)
    assert do_import(cli_core, str(path), "cma", None) == 2
    said = capsys.readouterr().err
    assert "larger than the limit of 10 MB (200 MB)" in said and "文件超过大小上限 10 MB" in said


@pytest.mark.parametrize("engine", ["sqlite"])
def test_refusing_a_200_mb_body_keeps_memory_flat(request, engine):
    """In a process of its own, so that its peak memory is the import's alone."""
    with database_for(request, "typhoon-memory", kind=engine) as url:
        finished = subprocess.run(
            [sys.executable, "-m", "tests.modules.typhoon.big_body", url],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
    assert finished.returncode == 0, finished.stderr[-2000:]
    report = json.loads(finished.stdout.strip().splitlines()[-1])
    assert report["rise_mb"] < 100, report
    for way in ("with_length", "streamed"):
        assert report[way]["status"] == 413, report
        assert report[way]["read"] < 20 * 1024 * 1024, report  # stopped at the cap
        assert report[way]["seconds"] < 30, report
    assert report["with_length"]["read"] == 0  # refused by its length, before any byte
    own = report["over_the_module_cap"]
    assert own["status"] == 413 and own["read"] == 0
    assert "larger than the limit of 10 MB (20 MB)" in own["body"]["error"]
    assert "文件超过大小上限 10 MB" in own["body"]["error_zh"]
    streamed = report["streamed_over_the_module_cap"]
    assert streamed["status"] == 413 and streamed["read"] < 11 * 1024 * 1024
    assert "文件超过大小上限 10 MB" in streamed["body"]["error_zh"]


# --- double submits ------------------------------------------------------------------------


def test_a_file_posted_twice_is_imported_once(typhoon_app, admin):
    data = cma("9871", TRACK)
    first = via_api(admin, data, "cma")
    assert first.ok and first.text_zh == "已导入：9871"
    after = quick_snapshot(typhoon_app)
    second = via_api(admin, data, "cma")
    assert second.ok and second.text_zh == "已导入过且内容相同，未作更改：9871"
    assert "already imported" in second.text
    assert changed(after, quick_snapshot(typhoon_app)) == []


def test_the_same_file_posted_twice_at_once_is_stored_once(typhoon_app, sessions):
    make = client_factory(typhoon_app)
    clients = [make("city.admin"), make("city.admin")]
    for storm in ("9872", "9873", "9874"):
        data = cma(storm, TRACK)
        start = threading.Barrier(len(clients))
        answers: list = [None] * len(clients)

        def submit(index: int, data=data, start=start, answers=answers) -> None:
            start.wait()
            answers[index] = clients[index].post(
                "/api/v1/typhoon/import",
                data={"file": (__import__("io").BytesIO(data), "t.txt"), "format": "cma"},
                headers=csrf_header(clients[index]),
                content_type="multipart/form-data",
            )

        threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(clients))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert [a.status_code for a in answers] == [200, 200], [a.data[:300] for a in answers]
        assert sorted(bool(a.json["imported"]) for a in answers) == [False, True]
        assert sorted(bool(a.json["unchanged"]) for a in answers) == [False, True]
        assert radii_count(sessions, storm)[1] == len(TRACK)  # one copy of the track


# --- re-importing what is stored ----------------------------------------------------------


def test_reimporting_cmas_own_1521_keeps_the_jma_radii(admin, client_as, sessions):
    assert radii_count(sessions, "1521") == (36, 36)
    original = (DATA / "CH2015BST.txt").read_bytes()
    same = via_api(admin, original, "cma", "1521")
    assert same.ok and same.text_zh == "已导入过且内容相同，未作更改：1521"
    assert radii_count(sessions, "1521") == (36, 36)
    # A corrected best track (one pressure changed) replaces positions and intensity only.
    lines = original.decode().splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[4:5] == ["1521"])
    fix = lines[header + 1].split()
    fix[4] = str(int(fix[4]) + 1)
    lines[header + 1] = " ".join(fix)
    corrected = via_api(admin, ("\n".join(lines) + "\n").encode(), "cma", "1521")
    assert corrected.ok and corrected.text_zh.startswith("已导入：1521"), corrected
    assert "文件不含7级、10级风圈半径，已保留原有半径（36个定位点）" in corrected.text_zh
    assert radii_count(sessions, "1521") == (36, 36)
    exposure = (
        client_as("xtw.staff")
        .get("/api/v1/typhoon/storms/1521/exposure?time=2015-09-29T00:50:00Z")
        .json
    )
    assert exposure["levels"]["10"]["available"] and exposure["levels"]["10"]["units"]
    restored = via_api(admin, original, "cma", "1521")
    assert restored.ok and restored.text_zh.startswith("已导入：1521")
    assert radii_count(sessions, "1521") == (36, 36)


def test_a_cell_larger_than_csv_allows_is_refused_with_its_line(typhoon_app, admin):
    header = "storm,kind,time,lat,lon\n"
    data = (
        header + '9875,best,2020-08-01T00:00:00Z,15,130\n9875,"' + "x" * 200_000 + '"\n'
    ).encode()
    before = quick_snapshot(typhoon_app)
    answer = via_api(admin, data, "csv")
    assert (
        answer.status == 400 and "line 3: CSV syntax: field larger than field limit" in answer.text
    )
    assert "第3行：CSV 格式错误" in answer.text_zh
    assert changed(before, quick_snapshot(typhoon_app)) == []


def test_an_incomplete_upload_is_a_400(admin):
    body = b'--xyz\r\nContent-Disposition: form-data; name="format"\r\n\r\ncma\r\n--xyz\r\nContent'
    response = admin.post(
        "/api/v1/typhoon/import",
        data=body,
        headers=csrf_header(admin),
        content_type="multipart/form-data; boundary=xyz",
    )
    assert response.status_code == 400 and response.json["error_zh"]
