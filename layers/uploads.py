"""The bytes a person hands us, read one way at every entry point (page, CLI, API): size
caps checked before anything is read, text decoded with a sentence when it cannot be, JSON
parsed with its nesting bounded.

Each refusal is an `Unreadable` with an English reason (logs, the CLI, the API) and a zh-CN
one that says what to do (pages). Importers wrap it in their own report.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
import os
from pathlib import Path

MB = 1024 * 1024
# Leading characters a spreadsheet reads as a formula (OWASP CSV injection).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


class Unreadable(ValueError):
    """The file as a whole cannot be read; `reason_zh` says what to do."""

    def __init__(self, reason: str, reason_zh: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_zh = reason_zh


def size_text(limit: int) -> str:
    """A byte limit as people read it: '10 MB', '512 KB'."""
    if limit >= MB and limit % MB == 0:
        return f"{limit // MB} MB"
    if limit >= MB:
        return f"{limit / MB:.1f} MB"
    return f"{max(1, limit // 1024)} KB"


def check_size(size: int, limit: int) -> None:
    """Refuse a file of `size` bytes over `limit`, naming the limit."""
    if size > limit:
        text = size_text(limit)
        raise Unreadable(
            f"the file is larger than the limit of {text} ({size_text(size)})",
            f"文件超过大小上限 {text}（本文件 {size_text(size)}），请拆分后分批导入。",
        )


def read_file(path: Path | str, limit: int) -> bytes:
    """A file's bytes, refused by its size on disk before any of it is read."""
    path = Path(path)
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        raise Unreadable(f"{path}: no such file", f"文件不存在：{path.name}") from None
    except OSError as exc:
        raise Unreadable(f"{path}: {exc.strerror}", f"无法读取文件 {path.name}") from None
    if path.is_dir():
        raise Unreadable(f"{path} is a folder, not a file", f"{path.name} 是文件夹，不是文件")
    check_size(size, limit)
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    check_size(len(data), limit)  # a file that grew while we read it
    return data


def _utf16_or_32(data: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' when the bytes look like either (a BOM, or text whose every
    other byte is NUL), else None."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    sample = data[:4096]
    if len(sample) >= 8:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.4 * len(odd) or even.count(0) > 0.4 * len(even):
            return "UTF-16"
    return None


def text_encoding(data: bytes, what: str = "file") -> str:
    """The encoding to read `data` with: UTF-8 (with or without a BOM) or GB18030 (GBK),
    the two a clerk's computer saves; anything else is refused with what to do. Checked in
    pieces, so a large file is never copied whole."""
    if not data or data.isspace():
        raise Unreadable(f"the {what} is empty", "文件为空，没有任何内容。")
    wide = _utf16_or_32(data)
    if wide:
        raise Unreadable(
            f"the {what} is {wide}-encoded: save it as UTF-8 or GBK",
            f"文件是 {wide} 编码，请另存为 UTF-8 或 GBK 后再导入。",
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise Unreadable(
            f"line {line} holds a NUL byte: this is not a text file",
            f"第 {line} 行含有空字符（\\0），这不是文本文件：请另存为 UTF-8 或 GBK 的文本。",
        )
    for encoding in ("utf-8-sig", "gb18030"):
        if _decodes(data, encoding):
            return encoding
    raise Unreadable(
        f"the {what} is neither UTF-8 nor GBK text",
        "文件编码无法识别（应为 UTF-8 或 GBK 文本）：请在 Excel 或记事本中另存为 UTF-8。",
    )


def _decodes(data: bytes, encoding: str, piece: int = MB) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(data)
    try:
        for start in range(0, len(data), piece):
            decoder.decode(view[start : start + piece])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def decode_text(data: bytes, what: str = "file") -> str:
    """`data` as text (see `text_encoding` for what is accepted). `what` names the file in
    messages ('CSV', 'CMA file', ...)."""
    return data.decode(text_encoding(data, what))


def load_json(data: bytes | str, what: str = "JSON file"):
    """The document in `data`, refused with the line and column of a syntax error, or when
    it nests deeper than the parser goes (about a thousand levels: no file we read is more
    than a few deep, and the structure checks of each format come after)."""
    text = decode_text(data, what) if isinstance(data, bytes) else data
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unreadable(
            f"the {what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列附近（{exc.msg}）。"
            "请用文本编辑器检查括号、逗号和引号。",
        ) from None
    except ValueError:  # json turns digits into an int; Python refuses over 4,300 of them
        raise Unreadable(
            f"the {what} holds a number thousands of digits long: not a data file",
            "JSON 中有长达数千位的数字，不是可导入的数据文件，请检查文件内容。",
        ) from None
    except RecursionError:
        raise Unreadable(
            f"the {what} nests too deep to be a data file",
            "JSON 嵌套层数过多，不是可导入的数据文件。",
        ) from None


def formula_safe(value):
    """A value to write into a CSV or XLSX cell: text a spreadsheet would run as a formula
    gets a leading apostrophe (OWASP's rule), and so does text that already starts with one,
    so that `formula_unquoted` gives back exactly what was stored."""
    if isinstance(value, str) and value.startswith((*FORMULA_LEADS, "'")):
        return "'" + value
    return value


def formula_unquoted(value):
    """The text an export wrote through `formula_safe`, as it was stored."""
    if isinstance(value, str) and value.startswith("'") and value[1:2] in (*FORMULA_LEADS, "'"):
        return value[1:]
    return value


def upload_bytes(contents: object, limit: int) -> bytes:
    """The file inside a browser upload's value ("data:<type>;base64,<data>", as Dash's
    dcc.Upload gives it), refused by its decoded size before it is decoded."""
    if not isinstance(contents, str) or "," not in contents:
        raise Unreadable("the upload is not a file", "文件无法读取，请重新选择。")
    start = contents.index(",") + 1
    # Measured on the string as it is: a copy of a 200 MB upload is what we refuse to make.
    check_size((len(contents) - start) // 4 * 3 - contents[-2:].count("="), limit)
    try:
        return base64.b64decode(contents[start:], validate=True)
    except (binascii.Error, ValueError):
        raise Unreadable("the upload is not valid base64", "文件无法读取，请重新选择。") from None
