"""A real SMS gateway for tests: a threaded HTTP server on 127.0.0.1 that honours the
idempotency key (a key seen before is answered with its first id and not sent again), and
fails a share of requests, times some out (after sending: the answer is lost) and answers
slowly, as configured."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Gateway:
    def __init__(
        self,
        fail: float = 0.0,
        timeout: float = 0.0,
        slow: float = 0.0,
        hang: float = 2.0,
        delay: float = 0.3,
        seed: int = 6,
        answer: str = "ok",
    ) -> None:
        self.fail, self.timeout, self.slow = fail, timeout, slow
        self.hang, self.delay, self.answer = hang, delay, answer
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.sent: Counter = Counter()  # idempotency key -> messages really sent
        self.to_phone: Counter = Counter()
        self.ids: dict[str, str] = {}
        self.bodies: dict[str, dict] = {}
        self.requests = 0
        self.failed = 0
        self.timed_out = 0
        self.repeated = 0  # requests with a key already sent (answered, not sent again)
        self.auth: list[str] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                key = self.headers.get("Idempotency-Key") or body.get("idempotency_key", "")
                with gateway.lock:
                    gateway.requests += 1
                    gateway.auth.append(self.headers.get("Authorization", ""))
                    draw = gateway.random.random()
                    slow = gateway.random.random() < gateway.slow
                if draw < gateway.fail:
                    with gateway.lock:
                        gateway.failed += 1
                    self._answer(503, {"status": "busy"})
                    return
                if slow:
                    time.sleep(gateway.delay)
                with gateway.lock:
                    if key in gateway.ids:
                        gateway.repeated += 1
                    else:
                        gateway.ids[key] = f"gw-{uuid.uuid4().hex[:16]}"  # unique, as real ones
                        gateway.sent[key] += 1
                        gateway.to_phone[body.get("to", "")] += 1
                        gateway.bodies[key] = body
                    provider_id = gateway.ids[key]
                if draw < gateway.fail + gateway.timeout:
                    with gateway.lock:
                        gateway.timed_out += 1
                    time.sleep(gateway.hang)  # sent, but the client gives up waiting
                self._answer(200, {"status": gateway.answer, "id": provider_id})

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client left (timed out)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Gateway:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
