"""Refusing a file or a body too large costs no more memory than refusing a small one: a
200 MB CSV by the CLI (refused by its size on disk), an XLSX of 4 million rows packed into
a few hundred KB, a 200 MB readings body (declared, or streamed without a length).

Each case runs in a subprocess of its own, which reports its peak resident size above its
size once idle (everything imported, the data made): that difference must stay under 100 MB.
Refusal by SQLite or PostGIS is the same code: one engine is enough here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.app_fixtures import app_on_engine
from tests.modules.flood.conftest import seed

ROOT = Path(__file__).resolve().parents[3]
BUDGET_MB = 100
MB = 1024 * 1024

PRELUDE = """
import json, resource, sys
from types import SimpleNamespace

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def no_database():
    raise AssertionError("a refusal by size must not open the database")
"""

CLI_CSV = """
import contextlib, io
from pathlib import Path
from modules.flood.commands import run_import
from tests.accounts_fixture import viewer_of

core = SimpleNamespace(sessions=no_database, viewer=lambda: viewer_of("city.admin"))
idle = peak_mb()
said = io.StringIO()
with contextlib.redirect_stderr(said):
    status = run_import(core, Path(sys.argv[1]), "wgs84", False)
print(json.dumps({"idle": idle, "peak": peak_mb(), "status": status, "said": said.getvalue()}))
"""

XLSX_BOMB = """
import io, zipfile
from openpyxl import Workbook
from modules.flood.importer import import_points
from tests.accounts_fixture import viewer_of

HEADER = ["名称", "类别", "风险等级", "经度", "纬度"]
ROWS = 4_000_000

def bomb() -> bytes:
    # A real workbook whose sheet is replaced by one of ROWS rows, written (and deflated)
    # a slice at a time: the rows never exist in memory at once.
    book = Workbook()
    book.active.append(HEADER)
    small = io.BytesIO()
    book.save(small)
    out = io.BytesIO()
    with zipfile.ZipFile(small) as source, zipfile.ZipFile(
        out, "w", zipfile.ZIP_DEFLATED, compresslevel=1
    ) as zf:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zf.writestr(info, source.read(info.filename))
        with zf.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b"<sheetData><row>"
                + b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % h.encode() for h in HEADER)
                + b"</row>"
            )
            row = b'<row><c t="inlineStr"><is><t>x</t></is></c><c><v>1</v></c></row>'
            for _ in range(ROWS // 10_000):
                sheet.write(row * 10_000)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()

data = bomb()
idle = peak_mb()
result = import_points(no_database, viewer_of("city.admin"), data, "bomb.xlsx")
print(json.dumps({"idle": idle, "peak": peak_mb(), "bytes": len(data),
                  "errors": [e.text() for e in result.errors]}))
"""

READINGS_BODY = """
import io
from app.factory import create_app
from tests.app_fixtures import settings_for

SIZE = 200 * 1024 * 1024

class Body(io.RawIOBase):
    # 200 MB of spaces made as they are read (never held), seekable for the test client.
    position = 0
    def readable(self): return True
    def seekable(self): return True
    def seek(self, offset, whence=0):
        self.position = {0: offset, 2: SIZE + offset}[whence]
        return self.position
    def tell(self): return self.position
    def readinto(self, buffer):
        n = min(len(buffer), SIZE - self.position)
        buffer[:n] = b" " * n
        self.position += n
        return n

client = create_app(settings_for(sys.argv[1])).server.test_client()
auth = {"Authorization": "Bearer " + sys.argv[2]}
client.post("/api/v1/flood/readings", json=[], headers=auth)  # warm: first request's imports
idle = peak_mb()
declared = client.post("/api/v1/flood/readings", input_stream=Body(), headers=auth)
chunked = client.post(
    "/api/v1/flood/readings",
    input_stream=Body(),
    headers={**auth, "Transfer-Encoding": "chunked"},
    environ_overrides={"wsgi.input_terminated": True},
)
print(json.dumps({"idle": idle, "peak": peak_mb(),
                  "status": [declared.status_code, chunked.status_code],
                  "message": chunked.get_json()["message"]}))
"""


@pytest.fixture(scope="module")
def flood_app(request):
    with app_on_engine(request, "flood", prepare=seed, kind="sqlite") as app:
        yield app


def start(script: str, *args: str) -> subprocess.Popen:
    code = textwrap.dedent(PRELUDE) + textwrap.dedent(script)
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def report(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=240)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def test_refusals_of_huge_inputs_keep_memory_bounded(flood_app, tokens, tmp_path):
    big = tmp_path / "huge.csv"
    with big.open("wb") as handle:  # a header, then 200 MB the file system need not store
        handle.write("名称,类别,风险等级,经度,纬度\n".encode())
        handle.truncate(200 * MB)
    url = flood_app.server.extensions["onemap"].settings.resolved_database_url
    # Started together: the machine's two cores run them side by side.
    runs = {
        "cli_csv": start(CLI_CSV, str(big)),
        "xlsx_bomb": start(XLSX_BOMB),
        "readings": start(READINGS_BODY, url, tokens["YL-XTW"]),
    }
    found = {name: report(process) for name, process in runs.items()}
    for name, figures in found.items():
        assert figures["peak"] - figures["idle"] < BUDGET_MB, (name, figures)
    assert found["cli_csv"]["status"] == 1
    assert found["cli_csv"]["said"] == (
        "onemap flood import: the file is larger than the limit of 50 MB (200 MB)\n"
    )
    assert found["xlsx_bomb"]["errors"] == ["file: more than 20000 rows: split the file"]
    assert found["xlsx_bomb"]["bytes"] < 2 * MB
    assert found["readings"]["status"] == [413, 413]
    assert found["readings"]["message"] == "请求体超过 2 MB 上限，请分批发送。"
    print({name: round(f["peak"] - f["idle"], 1) for name, f in found.items()})
