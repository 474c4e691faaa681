"""One refused contacts file in a process of its own, printing as JSON how far the
process's peak memory rose above its size before the refusal began (`above_mb`), and what
it answered. Run by test_contacts_memory.py:
`python -m tests.modules.alerts.memory_probe CASE` (the page's upload, the request already
in memory) or `... cli FILE` (`onemap alerts import-contacts FILE`, in this process).

The peak is the kernel's high-water mark of this process (VmHWM), reset to the current
size just before the refusal (/proc/self/clear_refs), so neither building the input nor
the parent this process was started from counts (ru_maxrss would carry the parent's size
over an exec)."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import sys
import zipfile

MB = 1024 * 1024
PIECE = MB


def status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def reset_peak() -> None:
    """Make the high-water mark the current size (Linux 4.0+)."""
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")


def data_url(head: bytes, line: bytes, size: int, kind: str = "text/csv") -> str:
    """A data URL of `head` then `line` repeated to about `size` bytes; both lengths are
    multiples of 3, so the base64 of the whole is theirs joined."""
    assert len(head) % 3 == 0 and len(line) % 3 == 0
    encoded = base64.b64encode(line * max(1, PIECE // len(line))).decode()
    pieces = size // (len(encoded) // 4 * 3)
    return "".join([f"data:{kind};base64,", base64.b64encode(head).decode(), *[encoded] * pieces])


def sheet_workbook(rows: int) -> bytes:
    """An XLSX whose one sheet has `rows` contact rows and no <dimension> (as a generator
    may write it): compressed, a few hundred bytes per thousand rows."""
    sheet = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/></Types>',
        )
        book.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" Type="{rel}/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        book.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{sheet}" xmlns:r="{rel}"><sheets><sheet name="S" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<worksheet xmlns="{sheet}"><sheetData>'.encode())
            cells = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in HEADER)
            part.write(f"<row>{cells}</row>".encode())
            row = (
                '<row><c t="inlineStr"><is><t>林一</t></is></c><c><v>13800130001</v></c>'
                "<c><v>350304100001</v></c></row>"
            ).encode()
            block = row * 10_000
            for _ in range(rows // 10_000):
                part.write(block)
            part.write(b"</sheetData></worksheet>")
    return out.getvalue()


HEADER = ("姓名", "手机号", "村居代码")
CSV_HEAD = "姓名,手机号,村居代码\n".encode()  # 30 bytes
CSV_LINE = "林一,13800130001,350304100001\r\n".encode()  # 33 bytes
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def case_input(case: str) -> tuple[str, str]:
    """(contents, filename) of each refusal measured."""
    if case == "oversized-csv":  # just over the 50 MB limit: refused by its length
        return data_url(CSV_HEAD, CSV_LINE, 51 * MB), "c.csv"
    if case == "many-lines-csv":  # 45 MB, 1.4 million lines: refused while decoding
        return data_url(CSV_HEAD, CSV_LINE, 45 * MB), "c.csv"
    if case == "xlsx-4m-rows":  # 1.4 MB unpacking to 400 MB: refused before it is opened
        data = sheet_workbook(4_000_000)
        return f"data:{XLSX};base64," + base64.b64encode(data).decode(), "c.xlsx"
    if case == "xlsx-under-unpacked-cap":  # 9.7 MB unpacked, 95,000 rows, no <dimension>:
        data = sheet_workbook(95_000)  # opened (parsed whole), then refused (run at 10 MB)
        return f"data:{XLSX};base64," + base64.b64encode(data).decode(), "c.xlsx"
    raise SystemExit(f"unknown case {case}")


def measure(work) -> dict:
    idle = status_mb("VmRSS")
    reset_peak()
    answer = work()
    return {"idle_mb": round(idle, 1), "above_mb": round(status_mb("VmHWM") - idle, 1), **answer}


def upload(case: str) -> dict:
    from modules.alerts.contacts_import import import_upload

    contents, filename = case_input(case)

    def work() -> dict:
        # A refusal never reaches the database: no core, no viewer is needed (or used).
        report = import_upload(None, None, contents, filename)
        return {"refused": not report.ok, "message": report.text_zh()}

    return {"input_mb": round(len(contents) / MB, 1), **measure(work)}


def cli(path: str) -> dict:
    from app.cli import main

    def work() -> dict:
        output = io.StringIO()
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            status = main(["alerts", "import-contacts", path])
        return {"status": status, "message": output.getvalue()}

    return measure(work)


if __name__ == "__main__":
    result = cli(sys.argv[2]) if sys.argv[1] == "cli" else upload(sys.argv[1])
    print(json.dumps(result, ensure_ascii=False))
