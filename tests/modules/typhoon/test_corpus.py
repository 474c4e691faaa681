"""Every file of tests/corpus/typhoon/ through every door (CLI, page, API), on both engines:
a bad file gets the same answer at each (the line and what to do, in English and zh-CN)
and changes no table; a good file is imported by the first door and is "already imported"
at the others (so each door decoded it alike)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from modules.typhoon.storage import load
from tests.accounts_fixture import csrf_header
from tests.modules.typhoon.doors import engine_of, quick_snapshot, via_api, via_cli, via_page
from tests.snapshot import VOLATILE, changed, snapshot

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "typhoon"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))["files"]
REFUSED = sorted(name for name, entry in MANIFEST.items() if "expect" in entry)
ACCEPTED = sorted(name for name, entry in MANIFEST.items() if "accepted" in entry)
# What a clerk must never read: an exception's name, a line numbered 0.
UNFIT = re.compile(r"\w+(Error|Exception)\b|Traceback|第 ?0 ?行|line 0\b")


@pytest.fixture(scope="module")
def admin(typhoon_app):
    from tests.app_fixtures import client_factory

    return client_factory(typhoon_app)("city.admin")


def test_the_corpus_covers_every_format_and_kind_of_fault():
    assert len(REFUSED) >= 18 and len(ACCEPTED) >= 5
    assert {entry["format"] for entry in MANIFEST.values()} == {"cma", "jma", "csv", "json"}
    assert sorted(p.name for p in CORPUS.iterdir() if p.name != "manifest.json") == sorted(MANIFEST)


@pytest.mark.parametrize("name", REFUSED)
def test_a_bad_file_gets_one_answer_at_every_door_and_changes_nothing(
    name, typhoon_app, admin, cli_core, tmp_path, capsys
):
    entry = MANIFEST[name]
    data = (CORPUS / name).read_bytes()
    fmt, storm = entry["format"], entry.get("storm")
    before = quick_snapshot(typhoon_app)
    cli = via_cli(cli_core, tmp_path, data, fmt, storm, capsys)
    page = via_page(admin, data, fmt, storm)
    api = via_api(admin, data, fmt, storm, name)
    assert api.status == 400
    for answer in (cli, page, api):
        assert not answer.ok, answer
        assert entry["expect_zh"] in answer.text_zh, answer
        assert not UNFIT.search(answer.text_zh), answer
    for answer in (cli, api):
        assert entry["expect"] in answer.text, answer
        assert not UNFIT.search(answer.text), answer
    assert cli.text == api.text and cli.text_zh == page.text_zh == api.text_zh
    assert changed(before, quick_snapshot(typhoon_app)) == []


@pytest.mark.parametrize("name", ACCEPTED)
def test_a_good_file_is_imported_once_and_already_imported_at_the_other_doors(
    name, typhoon_app, admin, cli_core, tmp_path, capsys
):
    entry = MANIFEST[name]
    data = (CORPUS / name).read_bytes()
    fmt, storm, expected = entry["format"], entry.get("storm"), entry["accepted"]
    first = via_api(admin, data, fmt, storm, name)
    assert first.ok and first.text_zh.startswith(f"已导入：{expected}"), first
    after = quick_snapshot(typhoon_app)
    for answer in (
        via_page(admin, data, fmt, storm),
        via_cli(cli_core, tmp_path, data, fmt, storm, capsys),
    ):
        assert answer.ok and f"已导入过且内容相同，未作更改：{expected}" in answer.text_zh, answer
    assert changed(after, quick_snapshot(typhoon_app)) == []
    with typhoon_app.server.extensions["onemap"].sessions() as session:
        storm_row, data_read = load(session, expected)
    assert data_read.fixes and storm_row.owner_scope == "350300000000"


def test_a_gbk_file_is_read_as_gbk_by_every_door(typhoon_app, admin):
    via_api(admin, (CORPUS / "ours_gbk.csv").read_bytes(), "csv")
    track = admin.get("/api/v1/typhoon/storms/9805/track").json
    assert track["storm"]["name_zh"] == "莆田演练"  # not mojibake


def test_no_refused_file_changes_any_table(typhoon_app, admin):
    """The whole database, around a run of every bad file (but the boundaries, whose
    PostGIS geometries tests.snapshot reads differently each time: see the report)."""
    engine = engine_of(typhoon_app)
    before = snapshot(engine, VOLATILE | {"divisions"})
    for name in REFUSED:
        entry = MANIFEST[name]
        form = {"format": entry["format"], "storm": entry.get("storm") or ""}
        response = admin.post(
            "/api/v1/typhoon/import",
            data={**form, "file": ((CORPUS / name).open("rb"), name)},
            headers=csrf_header(admin),
            content_type="multipart/form-data",
        )
        assert response.status_code == 400, name
    assert changed(before, snapshot(engine, VOLATILE | {"divisions"})) == []
