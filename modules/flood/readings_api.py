"""`POST /api/v1/flood/readings`: a device's batch of readings, from its bytes to its answer.

The token is checked before the body is read; the body is refused by its declared length,
or read in pieces up to the cap when it declares none (chunked), so memory stays bounded
whatever is sent. Structure is checked item by item (ingest). Concurrent batches meet at
the unique (station, time) key: a batch that lost a race, or found the database busy, is run
again whole, so a reading sent twice at once is stored once and answered as a duplicate.
"""

from __future__ import annotations

from flask import Response, jsonify, request
from sqlalchemy.exc import IntegrityError

from modules.flood import ingest, settings
from modules.flood.busy import is_busy, retrying, write_first
from modules.flood.stations import stations_for_token
from modules.sdk import CoreServices, Unreadable, load_json

CHUNK = 64 * 1024


class TooLarge(ValueError):
    """The body is over the cap."""


def read_body(limit: int) -> bytes:
    """The request's body, at most `limit` bytes (TooLarge past it), never more in memory."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise TooLarge
    stream = request.stream
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)


def _answer(status: int, error: str, message: str, **extra) -> tuple[Response, int]:
    return jsonify(error=error, message=message, **extra), status


def handle(core: CoreServices) -> tuple[Response, int]:
    """The route's whole answer: 401 (token), 413 (size, count), 400 (not JSON, not a list,
    or no item could be stored), 503 (database busy), else 200 with every item's outcome."""
    header = request.headers.get("Authorization", "")
    token = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else ""
    with core.sessions() as session:
        allowed = stations_for_token(session, token) if token else None
    if allowed is None:
        return _answer(401, "missing or wrong station token", "监测站令牌缺失或无效。")
    limit = settings.load().readings_max_kb * 1024
    try:
        body = read_body(limit)
    except TooLarge:
        shown = settings.size_label(limit)
        return _answer(
            413,
            f"the body is larger than the limit of {shown}: send fewer readings per request",
            f"请求体超过 {shown} 上限，请分批发送。",
            limit_bytes=limit,
        )
    try:
        items = load_json(body, "request body")
    except Unreadable as exc:
        return _answer(400, exc.reason, exc.reason_zh)
    except ValueError:  # an integer of thousands of digits: Python refuses to convert it
        return _answer(
            400, "the request body holds a number too long to read", "请求体含有过长的数字。"
        )
    if not isinstance(items, list):
        return _answer(
            400,
            "expected a JSON list of {station, time, value}",
            "请求体应为读数列表（JSON 数组），每条含 station、time、value。",
        )
    if len(items) > ingest.MAX_ITEMS:
        return _answer(
            413,
            f"at most {ingest.MAX_ITEMS} readings per request",
            f"每次最多 {ingest.MAX_ITEMS} 条读数。",
            limit_items=ingest.MAX_ITEMS,
        )
    window = ingest.Window.from_settings()

    def store() -> list[ingest.Outcome]:
        with core.sessions() as session, session.begin():
            write_first(session, "flood_readings")
            return ingest.ingest(session, items, allowed=allowed, window=window)

    try:
        # IntegrityError: a device retried while its first request was being stored; the
        # next pass finds those readings and answers them as duplicates.
        outcomes = retrying(store, also=(IntegrityError,))
    except Exception as error:
        if not (is_busy(error) or isinstance(error, IntegrityError)):
            raise
        response, status = _answer(
            503,
            "the database is busy: send the readings again in a minute",
            "数据库繁忙，请稍后重新发送。",
        )
        response.headers["Retry-After"] = "30"
        return response, status
    body = ingest.summary(outcomes)
    stored = body["accepted"] + body["duplicate"]
    return jsonify(body), 200 if stored or not outcomes else 400
