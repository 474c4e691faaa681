"""Request bodies are capped before they are read (Flask's MAX_CONTENT_LENGTH).

An upload reaches a Dash callback base64-encoded inside JSON, so a file of `max_upload_mb`
arrives as 4/3 of its size plus the callback's other values; the cap allows for both. A body
announced larger is refused with 413 before any of it is read; one sent without a length
(chunked) is cut off at the cap as it is read.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

MB = 1024 * 1024
ENVELOPE_BYTES = 1 * MB  # the rest of a callback's body: ids, states, the file's name


def max_body_bytes(max_upload_mb: int) -> int:
    """The largest request body for uploads of `max_upload_mb` (base64 grows data by 4/3)."""
    return -(-max_upload_mb * MB * 4 // 3) + ENVELOPE_BYTES


def _refuse_announced_oversize() -> None:
    limit = request.max_content_length
    if limit is not None and request.content_length is not None:
        if request.content_length > limit:
            raise RequestEntityTooLarge()


def install(server: Flask, max_upload_mb: int) -> None:
    """Cap this server's request bodies; call before anything that reads a body is wired."""
    server.config["MAX_CONTENT_LENGTH"] = max_body_bytes(max_upload_mb)
    server.before_request(_refuse_announced_oversize)
