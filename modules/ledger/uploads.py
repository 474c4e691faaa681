"""The file inside a dcc.Upload value, refused by its size before it is decoded."""

from __future__ import annotations

import base64
import binascii

from modules.sdk import Unreadable, check_size


def upload_bytes(contents: object, limit: int) -> bytes:
    """The bytes of a "data:<type>;base64,<data>" value; Unreadable otherwise."""
    if not isinstance(contents, str) or "," not in contents:
        raise Unreadable("the upload is not a file", "文件无法读取，请重新选择。")
    start = contents.index(",") + 1
    check_size((len(contents) - start) // 4 * 3 - contents[-2:].count("="), limit)
    try:
        return base64.b64decode(contents[start:], validate=True)
    except (binascii.Error, ValueError):
        raise Unreadable("the upload is not valid base64", "文件无法读取，请重新选择。") from None
