"""POST /api/v1/flood/readings against what devices really send: clocks reset to 1970 or
running ahead, bodies too large (declared or streamed), bodies of the wrong shape, and the
same reading posted many times at once."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta

from tests.modules.flood.helpers import count_readings, post, recent

ITEM = {"station": "YL-XTW", "value": 1.0}


def test_readings_outside_the_plausible_window_are_refused(
    flood_app, sessions, tokens, monkeypatch
):
    now = datetime.now(UTC)
    items = [
        {**ITEM, "time": "1970-01-01T08:00:00+08:00"},
        {**ITEM, "time": (now - timedelta(days=366)).isoformat()},
        {**ITEM, "time": (now + timedelta(days=3650)).isoformat()},
        {**ITEM, "time": (now + timedelta(minutes=15)).isoformat()},
    ]
    before = count_readings(sessions)
    response = post(flood_app, items, tokens["YL-XTW"])
    assert response.status_code == 400  # nothing in the batch could be stored
    reasons = [item["reason"] for item in response.json["items"]]
    assert reasons[:2] == ["bad time: older than 365 days (is the device's clock set?)"] * 2
    assert (
        reasons[2:]
        == ["bad time: in the future (more than 10 minutes ahead of the server's clock)"] * 2
    )
    # The window is a setting: a week back, 20 minutes ahead.
    monkeypatch.setenv("ONEMAP_FLOOD_READINGS_MAX_AGE_DAYS", "7")
    monkeypatch.setenv("ONEMAP_FLOOD_READINGS_MAX_AHEAD_MINUTES", "20")
    week = [{**ITEM, "time": recent(8 * 24 * 60)}, {**ITEM, "time": recent(-15)}]
    body = post(flood_app, week, tokens["YL-XTW"]).json
    assert [i["status"] for i in body["items"]] == ["refused", "accepted"]
    assert body["items"][0]["reason"].startswith("bad time: older than 7 days")
    assert count_readings(sessions) == before + 1


def test_a_body_over_the_cap_is_refused_before_it_is_read(flood_app, sessions, tokens, monkeypatch):
    monkeypatch.setenv("ONEMAP_FLOOD_READINGS_MAX_KB", "64")
    before = count_readings(sessions)

    class Virtual(io.RawIOBase):
        """A 10 MB body made as it is read (never held); counts what the server read. (Past
        the core's own cap for any request, 50 MB, the core answers 413 before the route.)"""

        size = 10 * 1024 * 1024
        position = read_bytes = 0

        def readable(self):
            return True

        def seekable(self):
            return True

        def seek(self, offset, whence=0):
            self.position = {0: offset, 2: self.size + offset}[whence]
            return self.position

        def tell(self):
            return self.position

        def readinto(self, buffer):
            n = min(len(buffer), self.size - self.position)
            buffer[:n] = b" " * n
            self.position += n
            self.read_bytes += n
            return n

    client = flood_app.server.test_client()
    url, auth = "/api/v1/flood/readings", {"Authorization": f"Bearer {tokens['YL-XTW']}"}
    declared = Virtual()
    response = client.post(url, input_stream=declared, headers=auth)
    assert response.status_code == 413 and declared.read_bytes == 0
    assert response.json["error"].startswith("the body is larger than the limit of 64 KB")
    assert response.json["message"] == "请求体超过 64 KB 上限，请分批发送。"
    assert response.json["limit_bytes"] == 64 * 1024
    streamed = Virtual()  # chunked: no length declared, read up to the cap and no further
    response = client.post(
        url,
        input_stream=streamed,
        headers={**auth, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413 and 64 * 1024 < streamed.read_bytes <= 65 * 1024
    assert count_readings(sessions) == before


def test_bodies_of_the_wrong_shape_get_400_with_the_reason(flood_app, sessions, tokens):
    token = tokens["YL-XTW"]
    before = count_readings(sessions)
    whole = {
        b'{"station": "YL-XTW", "time": "2026-01-01T00:00:00", "value": 1}': "expected a JSON list",
        b"[" * 5000 + b"]" * 5000: "nests too deep",
        b'[{"station": "YL-XTW", "value": 1, "time": "x"},': "not valid JSON",
        b"": "the request body is empty",
        b"[" + b"1" * 5000 + b"]": "the request body holds a ",  # a number of 5,000 digits
        "[]".encode("utf-16"): "UTF-16",
    }
    for raw, reason in whole.items():
        response = post(flood_app, None, token, raw=raw)
        assert response.status_code == 400, (raw[:40], response.data[:200])
        assert reason in response.json["error"] and response.json["message"], raw[:40]
    at = recent(41)
    per_item = [
        ([["YL-XTW", at, 1.0]], "bad item: expected an object {station, time, value}, not a list"),
        (
            [{"station": "YL-XTW", "time": at, "value": "7.9"}],
            "bad value: expected a number, not text",
        ),
        ([{"station": "YL-XTW", "time": 1700000000, "value": 1}], "bad time: expected an ISO 8601"),
        (
            [{"station": ["YL-XTW"], "time": at, "value": 1}],
            "bad station: expected the station's code",
        ),
        ([{"station": "NOPE-9", "time": at, "value": 1}], "unknown station"),
        ([{"station": "YL-XTW", "time": at}], "bad value: missing"),
    ]
    for items, reason in per_item:
        response = post(flood_app, items, token)
        assert response.status_code == 400, (items, response.data[:200])
        assert response.json["refused"] == 1 and response.json["items"][0]["reason"].startswith(
            reason
        ), response.json
    for number in (b"NaN", b"Infinity", b"-Infinity", b"1e999", b"1" + b"0" * 400):
        raw = b'[{"station": "YL-XTW", "time": "%s", "value": %s}]' % (at.encode(), number)
        response = post(flood_app, None, token, raw=raw)
        assert response.status_code == 400, (number, response.data[:200])
        assert response.json["items"][0]["reason"] == "bad value: not a finite number", number
    # A batch with one good reading stores it and says why the others were refused: 200.
    mixed = [{"station": "YL-XTW", "time": at, "value": 2.0}, {"station": "NOPE-9"}]
    body = post(flood_app, mixed, token).json
    assert (body["accepted"], body["refused"]) == (1, 1)
    assert count_readings(sessions) == before + 1


def test_no_authorization_header_is_401_as_documented(flood_app, sessions, tokens):
    from pathlib import Path

    response = post(flood_app, [{**ITEM, "time": recent(43)}])
    assert response.status_code == 401 and response.json["message"] == "监测站令牌缺失或无效。"
    docs = (Path(__file__).resolve().parents[3] / "docs" / "flood.md").read_text(encoding="utf-8")
    assert "without any `Authorization` header → 401" in docs


def test_identical_readings_posted_at_once_are_stored_once(flood_app, sessions, tokens):
    before = count_readings(sessions)
    for round_ in range(4):
        # Seconds apart: never a demo reading's time (those are on the half hours).
        at = datetime.fromisoformat(recent(60)) - timedelta(seconds=round_ + 1)
        item = [{"station": "YL-XTW", "time": at.isoformat(), "value": 3.0}]
        barrier = threading.Barrier(8)
        answers: list = []

        def send(barrier=barrier, answers=answers, item=item):
            client = flood_app.server.test_client()
            barrier.wait()
            answers.append(
                client.post(
                    "/api/v1/flood/readings",
                    json=item,
                    headers={"Authorization": f"Bearer {tokens['YL-XTW']}"},
                )
            )

        threads = [threading.Thread(target=send) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(a.status_code for a in answers) == [200] * 8, [a.data[:200] for a in answers]
        statuses = sorted(a.json["items"][0]["status"] for a in answers)
        assert statuses == ["accepted"] + ["duplicate"] * 7, round_
    assert count_readings(sessions) == before + 4
