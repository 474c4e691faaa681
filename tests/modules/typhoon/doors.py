"""The three doors a storm file comes through (the CLI command, the page's upload callback,
the HTTP API), each giving the same kind of answer: accepted or not, and what it said in
English (the CLI and the API) and in zh-CN (all three)."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from modules.typhoon.commands import do_import
from tests.accounts_fixture import csrf_header
from tests.dash_client import call_callback, response_json
from tests.snapshot import VOLATILE, snapshot

# The tables an import of storms writes (and the signals a storm feeds): read around each
# file; the whole database is read around a whole run instead (test_corpus).
WRITTEN = ("typhoon_", "module_signals")


@dataclass
class Answer:
    door: str
    ok: bool
    text: str | None  # English (None from the page, which speaks zh-CN only)
    text_zh: str
    status: int | None = None  # the API's


def engine_of(app) -> Engine:
    return app.server.extensions["onemap"].sessions.kw["bind"]


def quick_snapshot(app) -> dict:
    engine = engine_of(app)
    others = {name for name in inspect(engine).get_table_names() if not name.startswith(WRITTEN)}
    return snapshot(engine, VOLATILE | others)


def via_api(client, data: bytes, fmt: str, storm: str | None = None, name: str = "f") -> Answer:
    form = {"file": (io.BytesIO(data), name), "format": fmt}
    if storm:
        form["storm"] = storm
    response = client.post(
        "/api/v1/typhoon/import",
        data=form,
        headers=csrf_header(client),
        content_type="multipart/form-data",
    )
    body = response.json
    assert body is not None, response.data[:300]
    if response.status_code == 200:
        return Answer("api", True, body["message_en"], body["message"], 200)
    return Answer("api", False, body["error"], body["error_zh"], response.status_code)


def via_page(client, data: bytes, fmt: str, storm: str | None = None) -> Answer:
    url = "data:application/octet-stream;base64," + base64.b64encode(data).decode()
    response = call_callback(
        client,
        [("typhoon-upload-message", "children"), ("typhoon-storm", "options")],
        [("typhoon-upload", "contents", url)],
        [("typhoon-upload-format", "value", fmt), ("typhoon-upload-storm", "value", storm or "")],
    )
    message = response_json(response)["response"]["typhoon-upload-message"]["children"]
    said = message["props"]
    return Answer("page", said["className"] == "typhoon-ok", None, said["children"])


def via_cli(core, folder: Path, data: bytes, fmt: str, storm: str | None, capsys) -> Answer:
    path = folder / f"upload.{fmt}"
    path.write_bytes(data)
    capsys.readouterr()
    status = do_import(core, str(path), fmt, storm)
    said = capsys.readouterr()
    lines = (said.out if status == 0 else said.err).strip().splitlines()
    assert len(lines) == 2, lines
    return Answer("cli", status == 0, lines[0], lines[1])


def page_text(response) -> str:
    return json.dumps(response_json(response), ensure_ascii=False)
